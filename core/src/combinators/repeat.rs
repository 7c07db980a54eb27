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

impl Space {
    /// `copies` copies of `factory` wired in a row, output `k` of each to
    /// input `k` of the next (they must have as many inputs as outputs);
    /// the result has the first copy's inputs and the last copy's outputs.
    /// Built at once: the number of copies is a value, not a decision (use
    /// [`repeat`](Self::repeat) for that). This stacks cells of several
    /// ports, such as NASNet's, which read the two previous cells: a cell
    /// with inputs `(h[i-2], h[i-1])` and outputs `(h[i-1], h[i])`. Copy `i`
    /// lives in scope `i`.
    ///
    /// ```
    /// use archspace_core::{choice, Io, Op, Space};
    /// let mut s = Space::build(|s| {
    ///     s.in_scope("stack", |s| {
    ///         s.stack(3, |s| {
    ///             // Two wires in, two out: the second is a conv of the first.
    ///             let pass = s.identity()?;
    ///             let conv = s.basic(Op::new("conv").param("k", choice([1, 3])))?;
    ///             let skip = s.named("skip").identity()?;
    ///             s.chain(&skip, &conv)?;
    ///             Ok(Io::new(
    ///                 [("in0".into(), pass.single_input()?), ("in1".into(), skip.single_input()?)],
    ///                 [("out0".into(), skip.single_output()?), ("out1".into(), conv.single_output()?)],
    ///             ))
    ///         })
    ///     })
    /// })?;
    /// assert_eq!(s.pending_decisions().len(), 3); // one per copy
    /// # Ok::<(), archspace_core::SpecError>(())
    /// ```
    pub fn stack(
        &mut self,
        copies: usize,
        factory: impl Fn(&mut Space) -> Result<Io, SpecError>,
    ) -> Result<Io, SpecError> {
        let mut first: Option<Io> = None;
        let mut last: Option<Io> = None;
        for i in 0..copies {
            let io = self.in_index_scope(i, &factory)?;
            if io.inputs().len() != io.outputs().len() {
                return Err(SpecError::BadCombinator {
                    combinator: "stack",
                    path: self.scope_path(),
                    reason: format!(
                        "a copy has {} inputs and {} outputs; stacked copies need as many of each",
                        io.inputs().len(),
                        io.outputs().len()
                    ),
                });
            }
            if let Some(prev) = &last {
                for ((_, from), (_, to)) in prev.outputs().iter().zip(io.inputs()) {
                    self.connect(*from, *to)?;
                }
            }
            first.get_or_insert_with(|| io.clone());
            last = Some(io);
        }
        match (first, last) {
            (Some(first), Some(last)) => Ok(self.border_of(&first, &last)),
            _ => Err(SpecError::BadCombinator {
                combinator: "stack",
                path: self.scope_path(),
                reason: "needs at least one copy".into(),
            }),
        }
    }
}
