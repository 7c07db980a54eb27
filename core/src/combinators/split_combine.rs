//! `split_combine`: parallel copies of a sub-space, then a combine module.

use crate::combinators::{as_siso, positive_int};
use crate::error::SpecError;
use crate::io::Io;
use crate::op::{Name, Param};
use crate::space::{Space, Substitution};

impl Space {
    /// `num_splits` parallel copies of `factory`, all reading the input,
    /// feeding `combine(num_splits)` through its inputs `in0 .. in{n-1}`
    /// (DeepArchitect's `siso_split_combine`).
    ///
    /// ```
    /// use archspace_core::{choice, Op, Space};
    /// let mut s = Space::build(|s| {
    ///     s.split_combine(
    ///         choice([2, 4]),
    ///         |s| s.basic(Op::new("conv").param("kernel", choice([3, 5]))),
    ///         |s, k| s.basic(Op::new("concat").inputs_indexed(k)),
    ///     )
    /// })?;
    /// let n = s.next_decision().unwrap();
    /// s.assign_index(n, 0)?; // two branches, each with its own kernel decision
    /// let paths: Vec<String> = s.pending_decisions().into_iter().map(|h| s.hyper_path(h)).collect();
    /// assert_eq!(paths, ["split_combine/0/conv/kernel", "split_combine/1/conv/kernel"]);
    /// # Ok::<(), archspace_core::SpecError>(())
    /// ```
    pub fn split_combine(
        &mut self,
        num_splits: impl Into<Param>,
        factory: impl Fn(&mut Space) -> Result<Io, SpecError> + Send + Sync + 'static,
        combine: impl Fn(&mut Space, usize) -> Result<Io, SpecError> + Send + Sync + 'static,
    ) -> Result<Io, SpecError> {
        let hypers = vec![(Name::Borrowed("num_splits"), num_splits.into())];
        self.substitution(Substitution::siso("split_combine", hypers, move |s, values| {
            let n = positive_int(values, "num_splits")?;
            let split = s.identity_named("split")?;
            let join = s.in_scope("combine", |s| combine(s, n))?;
            let split_out = split.single_output()?;
            for i in 0..n {
                let branch = as_siso(&s.in_index_scope(i, &factory)?)?;
                s.connect(split_out, branch.single_input()?)?;
                s.connect(branch.single_output()?, join.input(&format!("in{i}"))?)?;
            }
            Ok(Io::new(
                [(Name::Borrowed("in"), split.single_input()?)],
                [(Name::Borrowed("out"), join.single_output()?)],
            ))
        }))
    }
}
