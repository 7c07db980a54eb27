//! `select`: one of several outputs, chosen by a hyperparameter, feeds an
//! input; `combine_unused`: what no selection took, combined (NASNet's
//! concatenation of unused hidden states).

use std::sync::Arc;

use smallvec::SmallVec;

use crate::combinators::CombineFactory;
use crate::error::{Invalid, SpecError};
use crate::ids::{HyperId, OutputId};
use crate::io::Io;
use crate::op::{Name, Param, indexed_names};
use crate::space::records::{Counting, Forward, ModuleKind};
use crate::space::{Space, Substitution};
use crate::value::Value;

impl Space {
    /// Input selection: a module with inputs `in0 .. in{k-1}`, one for each
    /// of `sources` (connected here), and an output `out` that carries the
    /// source chosen by `idx` (a decision over `0..k` by default: pass a
    /// [`Domain`] of indices, a shared or dependent hyperparameter, or a value).
    ///
    /// Once `idx` has a value the module becomes a wire: it costs nothing in
    /// the frozen architecture. **The rule for what is not chosen:** a source
    /// that no other module reads any more is *released*: it is pruned from
    /// the frozen architecture, with everything upstream that fed only it. Its
    /// decisions stay in the decision list (they were made, or are made,
    /// like any other); to make a branch's decisions disappear when it is
    /// not taken, build it lazily with [`or`](Self::or) instead. To combine
    /// what no selection took, use [`combine_unused`](Self::combine_unused).
    ///
    /// For counting, `idx` is a leaf: which source is chosen changes the
    /// wiring, never the decisions that follow.
    ///
    /// ```
    /// use archspace_core::{choice, Op, Space};
    /// let mut s = Space::build(|s| {
    ///     let stem = s.named("stem").basic(Op::new("conv"))?;
    ///     let a = s.named("a").basic(Op::new("conv"))?;
    ///     let b = s.named("b").basic(Op::new("pool"))?;
    ///     s.chain(&stem, &a)?;
    ///     s.chain(&stem, &b)?;
    ///     let pick = s.select(choice([0, 1]), &[a.single_output()?, b.single_output()?])?;
    ///     Ok(s.border_of(&stem, &pick))
    /// })?;
    /// let idx = s.next_decision().unwrap();
    /// assert_eq!(s.hyper_path(idx), "select/idx");
    /// s.assign_index(idx, 1)?;
    /// let arch = s.freeze()?; // `a` is pruned: nothing reads it
    /// let paths: Vec<&str> = arch.modules().iter().map(|m| m.path.as_str()).collect();
    /// assert_eq!(paths, ["stem", "b"]);
    /// # Ok::<(), archspace_core::SpecError>(())
    /// ```
    pub fn select(&mut self, idx: impl Into<Param>, sources: &[OutputId]) -> Result<Io, SpecError> {
        let k = sources.len();
        if k == 0 {
            return Err(SpecError::BadCombinator {
                combinator: "select",
                path: self.scope_path(),
                reason: "needs at least one source".to_owned(),
            });
        }
        let idx = idx.into();
        let inputs = indexed_names("in", k);
        let io = self.substitution_counted(
            Substitution {
                kind: "select",
                inputs: inputs.into(),
                outputs: crate::op::SINGLE_OUTPUT.into(),
                hypers: vec![(Name::Borrowed("idx"), idx)],
                function: Arc::new(move |s, values| {
                    let value = values.get("idx").cloned().unwrap_or(Value::Bool(false));
                    let chosen = match value {
                        Value::Int(i) if (0..k as i64).contains(&i) => i as usize,
                        value => {
                            return Err(SpecError::BadValue {
                                path: String::new(),
                                value,
                                expected: format!("`idx` must be an index below {k}, the number of sources"),
                            });
                        }
                    };
                    let wire = s.identity_named("selected")?;
                    Ok(Io::new(
                        [(Name::Owned(format!("in{chosen}")), wire.single_input()?)],
                        [(Name::Borrowed("out"), wire.single_output()?)],
                    ))
                }),
                allow_input_subset: true,
                allow_output_subset: false,
            },
            Counting::Transparent,
        )?;
        for (source, (_, input)) in sources.iter().zip(io.inputs()) {
            self.connect_or_release(*source, *input)?;
        }
        Ok(Io::new([], io.outputs().iter().cloned()))
    }

    /// Connects `source` to `input`, or, if a substitution that fired at
    /// once dropped `input`, releases what `source` comes from.
    fn connect_or_release(&mut self, source: OutputId, input: crate::ids::InputId) -> Result<(), SpecError> {
        match self.resolve_input(input) {
            Ok(input) => self.connect(source, input),
            Err(SpecError::PortRemoved { .. }) => {
                let producer = self.outputs[self.resolve_output(source)?.index()].module;
                self.modules[producer.index()].released = true;
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// Combines the `states` that nothing else reads once every selection
    /// reading them has been made: `combine(k)` receives them in order on
    /// `in0 .. in{k-1}` (one state is passed through as it is). NASNet
    /// concatenates the hidden states no node of the cell selected this way.
    ///
    /// It waits for the hyperparameters of every substitution module that
    /// reads one of `states` when it is built (the selections), so build it
    /// after them. If every state is read, the combination is [`Invalid`].
    ///
    /// ```
    /// use archspace_core::{choice, Op, Space};
    /// let mut s = Space::build(|s| {
    ///     let stem = s.named("stem").basic(Op::new("conv"))?;
    ///     let a = s.named("a").basic(Op::new("conv"))?;
    ///     let b = s.named("b").basic(Op::new("conv"))?;
    ///     s.chain(&stem, &a)?;
    ///     // `b` reads `stem` or `a`.
    ///     let pick = s.select(choice([0, 1]), &[stem.single_output()?, a.single_output()?])?;
    ///     s.chain(&pick, &b)?;
    ///     let states = [a.single_output()?, b.single_output()?];
    ///     let out = s.combine_unused(&states, |s, k| s.basic(Op::new("concat").inputs_indexed(k)))?;
    ///     Ok(s.border_of(&stem, &out))
    /// })?;
    /// let idx = s.next_decision().unwrap();
    /// s.assign_index(idx, 0)?; // `b` reads `stem`: `a` and `b` are unused
    /// let arch = s.freeze()?;
    /// assert_eq!(arch.modules().last().unwrap().inputs.len(), 2);
    /// # Ok::<(), archspace_core::SpecError>(())
    /// ```
    pub fn combine_unused(
        &mut self,
        states: &[OutputId],
        combine: impl Fn(&mut Space, usize) -> Result<Io, SpecError> + Send + Sync + 'static,
    ) -> Result<Io, SpecError> {
        let k = states.len();
        if k == 0 {
            return Err(SpecError::BadCombinator {
                combinator: "combine_unused",
                path: self.scope_path(),
                reason: "needs at least one state".to_owned(),
            });
        }
        let mut waits: SmallVec<[HyperId; 8]> = SmallVec::new();
        for &state in states {
            let state = self.resolve_output(state)?;
            for reader in self.readers_of(state) {
                if let ModuleKind::Substitution { hypers, .. } = &self.module_def(reader).kind
                    && !self.modules[reader.index()].fired
                {
                    for (_, h) in hypers {
                        if !waits.contains(h) {
                            waits.push(*h);
                        }
                    }
                }
            }
        }
        let combine: CombineFactory = Arc::new(combine);
        if waits.is_empty() {
            // Nothing left to wait for: combine what is unused now.
            let unused: Vec<OutputId> = states
                .iter()
                .copied()
                .filter(|o| self.resolve_output(*o).is_ok_and(|o| self.readers_of(o).is_empty()))
                .collect();
            return self.in_scope("combine_unused", |s| combine_states(s, &unused, &combine));
        }
        let hypers =
            waits.iter().enumerate().map(|(i, h)| (Name::Owned(format!("after{i}")), Param::Hyper(*h))).collect();
        let io = self.substitution_counted(
            Substitution {
                kind: "combine_unused",
                inputs: indexed_names("in", k).into(),
                outputs: crate::op::SINGLE_OUTPUT.into(),
                hypers,
                function: Arc::new(move |s, _| combine_what_is_unused(s, &combine)),
                allow_input_subset: true,
                allow_output_subset: false,
            },
            Counting::Transparent,
        )?;
        for (state, (_, input)) in states.iter().zip(io.inputs()) {
            self.connect(*state, *input)?;
        }
        Ok(Io::new([], io.outputs().iter().cloned()))
    }

    /// The modules whose live inputs read output `o` now.
    pub(crate) fn readers_of(&self, o: OutputId) -> Vec<crate::ids::ModuleId> {
        let mut readers = Vec::new();
        for (i, input) in self.inputs.iter().enumerate() {
            let reader = input.module;
            if matches!(input.forward, Forward::Here)
                && self.modules[reader.index()].alive
                && self.source_of(crate::ids::InputId::from_index(i)) == Some(o)
                && !readers.contains(&reader)
            {
                readers.push(reader);
            }
        }
        readers
    }
}

/// The body of [`Space::combine_unused`], run when it fires: its inputs
/// inputs read the states; keeps those read by nothing else.
fn combine_what_is_unused(s: &mut Space, combine: &CombineFactory) -> Result<Io, SpecError> {
    let Some(me) = s.firing_module() else {
        return Err(SpecError::Unusable { reason: "internal invariant: combine_unused fired outside a firing".into() });
    };
    let own = s.modules[me.index()].inputs;
    let mut unused = Vec::new();
    for (position, input) in own.iter().enumerate() {
        let Some(state) = s.source_of(input) else { continue };
        if s.readers_of(state).iter().all(|r| *r == me) {
            unused.push(position);
        }
    }
    match unused.as_slice() {
        [] => Err(Invalid::new("every state is read by a selection: none is left to combine").into()),
        [only] => {
            let wire = s.identity_named("unused")?;
            Ok(Io::new(
                [(Name::Owned(format!("in{only}")), wire.single_input()?)],
                [(Name::Borrowed("out"), wire.single_output()?)],
            ))
        }
        many => {
            let joined = s.in_scope("combine", |s| combine(s, many.len()))?;
            let mut inputs = Vec::with_capacity(many.len());
            for (slot, &position) in many.iter().enumerate() {
                inputs.push((Name::Owned(format!("in{position}")), joined.input(&format!("in{slot}"))?));
            }
            Ok(Io::new(inputs, [(Name::Borrowed("out"), joined.single_output()?)]))
        }
    }
}

/// `combine(k)` over `states` (one passes through as it is), connected.
fn combine_states(s: &mut Space, states: &[OutputId], combine: &CombineFactory) -> Result<Io, SpecError> {
    match states {
        [] => Err(Invalid::new("every state is read: none is left to combine").into()),
        [only] => {
            let wire = s.identity_named("unused")?;
            s.connect(*only, wire.single_input()?)?;
            Ok(Io::new([], [(Name::Borrowed("out"), wire.single_output()?)]))
        }
        many => {
            let joined = combine(s, many.len())?;
            for (slot, state) in many.iter().enumerate() {
                s.connect(*state, joined.input(&format!("in{slot}"))?)?;
            }
            Ok(Io::new([], [(Name::Borrowed("out"), joined.single_output()?)]))
        }
    }
}

#[cfg(test)]
mod tests;
