//! `nested_repeat`: a sub-space grown by repeatedly wrapping it.

use crate::combinators::positive_int;
use crate::error::SpecError;
use crate::io::Io;
use crate::op::{Name, Param};
use crate::space::{Space, Substitution};

impl Space {
    /// `io = first()`, then `io = iterate(io)` `num_reps - 1` times; the
    /// result must expose `inputs` and `outputs` (DeepArchitect's
    /// `mimo_nested_repeat`; pass `in`/`out` for the single-port form).
    ///
    /// ```
    /// use archspace_core::{choice, Name, Op, Space};
    /// let ports = |n: &'static str| vec![Name::Borrowed(n)];
    /// let mut s = Space::build(|s| {
    ///     s.nested_repeat(
    ///         ports("in"),
    ///         ports("out"),
    ///         choice([1, 3]),
    ///         |s| s.basic(Op::new("conv")),
    ///         // Each round wraps what came before: `prev` then a pool.
    ///         |s, prev| {
    ///             let pool = s.basic(Op::new("pool"))?;
    ///             s.chain(&prev, &pool)?;
    ///             Ok(s.border_of(&prev, &pool))
    ///         },
    ///     )
    /// })?;
    /// let n = s.next_decision().unwrap();
    /// s.assign_index(n, 1)?; // three rounds
    /// assert_eq!(s.freeze()?.modules().len(), 3);
    /// # Ok::<(), archspace_core::SpecError>(())
    /// ```
    pub fn nested_repeat(
        &mut self,
        inputs: Vec<Name>,
        outputs: Vec<Name>,
        num_reps: impl Into<Param>,
        first: impl Fn(&mut Space) -> Result<Io, SpecError> + Send + Sync + 'static,
        iterate: impl Fn(&mut Space, Io) -> Result<Io, SpecError> + Send + Sync + 'static,
    ) -> Result<Io, SpecError> {
        self.substitution(Substitution {
            kind: "nested_repeat",
            inputs: inputs.into(),
            outputs: outputs.into(),
            hypers: vec![(Name::Borrowed("num_reps"), num_reps.into())],
            function: std::sync::Arc::new(move |s, values| {
                let n = positive_int(values, "num_reps")?;
                let mut io = s.in_scope("0", &first)?;
                for i in 1..n {
                    io = s.in_index_scope(i, |s| iterate(s, io))?;
                }
                Ok(io)
            }),
            allow_input_subset: false,
            allow_output_subset: false,
        })
    }
}
