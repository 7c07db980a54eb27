//! `optional`: a sub-space, or an identity in its place.

use crate::combinators::{as_siso, flag};
use crate::error::SpecError;
use crate::io::Io;
use crate::op::{Name, Param};
use crate::space::{Space, Substitution};
use crate::value::Domain;

impl Space {
    /// `factory`'s sub-space if a fresh boolean decision `opt` is true, an
    /// identity otherwise. DeepArchitect's `siso_optional`.
    ///
    /// ```
    /// use archspace_core::{Op, Space};
    /// let mut s = Space::build(|s| s.optional(|s| s.basic(Op::new("dropout"))))?;
    /// let opt = s.next_decision().unwrap();
    /// s.assign(opt, &false.into())?;
    /// assert!(s.freeze()?.modules().is_empty());
    /// # Ok::<(), archspace_core::SpecError>(())
    /// ```
    pub fn optional(
        &mut self,
        factory: impl Fn(&mut Space) -> Result<Io, SpecError> + Send + Sync + 'static,
    ) -> Result<Io, SpecError> {
        self.optional_with(Domain::bool(), factory)
    }

    /// Like [`optional`](Self::optional), with the flag given (a shared or dependent hyperparameter, or a value).
    pub fn optional_with(
        &mut self,
        opt: impl Into<Param>,
        factory: impl Fn(&mut Space) -> Result<Io, SpecError> + Send + Sync + 'static,
    ) -> Result<Io, SpecError> {
        let hypers = vec![(Name::Borrowed("opt"), opt.into())];
        self.substitution(Substitution::siso("optional", hypers, move |s, values| {
            if flag(values, "opt")? { as_siso(&factory(s)?) } else { s.identity() }
        }))
    }
}
