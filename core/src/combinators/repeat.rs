//! `repeat`: a chain of `num_reps` fresh copies of a sub-space.

use crate::combinators::{as_siso, positive_int};
use crate::error::SpecError;
use crate::io::Io;
use crate::op::{Name, Param};
use crate::space::{Space, Substitution};

impl Space {
    /// A chain of `num_reps` copies of `factory`, each built fresh (so
    /// hyperparameters created inside are per copy, those captured from
    /// outside are shared). DeepArchitect's `siso_repeat`.
    ///
    /// ```
    /// use archspace_core::{choice, Op, Space};
    /// let mut s = Space::build(|s| s.repeat(choice([1, 2, 4]), |s| s.basic(Op::new("relu"))))?;
    /// let n = s.next_decision().unwrap();
    /// assert_eq!(s.hyper_path(n), "repeat/num_reps");
    /// s.assign_index(n, 2)?;
    /// assert_eq!(s.freeze()?.modules().len(), 4);
    /// # Ok::<(), archspace_core::SpecError>(())
    /// ```
    pub fn repeat(
        &mut self,
        num_reps: impl Into<Param>,
        factory: impl Fn(&mut Space) -> Result<Io, SpecError> + Send + Sync + 'static,
    ) -> Result<Io, SpecError> {
        let hypers = vec![(Name::Borrowed("num_reps"), num_reps.into())];
        self.substitution(Substitution::siso("repeat", hypers, move |s, values| {
            let n = positive_int(values, "num_reps")?;
            let mut first: Option<Io> = None;
            let mut last: Option<Io> = None;
            for i in 0..n {
                let io = s.in_index_scope(i, &factory)?;
                let io = as_siso(&io)?;
                if let Some(prev) = &last {
                    s.chain(prev, &io)?;
                }
                if first.is_none() {
                    first = Some(io.clone());
                }
                last = Some(io);
            }
            match (first, last) {
                (Some(first), Some(last)) => Ok(s.border_of(&first, &last)),
                _ => Err(SpecError::BadCombinator {
                    combinator: "repeat",
                    path: String::new(),
                    reason: "no copies".into(),
                }),
            }
        }))
    }
}
