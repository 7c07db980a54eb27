//! Freezing a specified space into an [`Architecture`].

use std::ops::Range;
use std::sync::Arc;

use smallvec::SmallVec;

use super::Space;
use super::records::{HyperName, KindTag, ModuleKind, ParamSlot};
use crate::architecture::{ArchModule, Architecture, Decision, Source, SpacePath};
use crate::error::SpecError;
use crate::ids::{HyperId, InputId, ModuleId, OutputId};

const UNSEEN: u32 = u32::MAX;
const ON_STACK: u32 = u32::MAX - 1;

enum Step {
    Ready(Source),
    Visit(ModuleId),
}

/// Receives the basic modules of a specified space in the canonical order of
/// [`Architecture::modules`], each with its sources resolved (identities
/// removed). Freezing collects them into an architecture; the search code
/// reads features from them without building one.
pub(crate) trait ModuleSink {
    /// Module `m`, the next in canonical order, reading from `sources`.
    fn module(&mut self, space: &Space, m: ModuleId, sources: &[Source]) -> Result<(), SpecError>;
}

/// Collects [`ArchModule`]s for [`Space::freeze`].
struct ArchSink<'a> {
    modules: Vec<ArchModule>,
    /// The paths of the freeze, and where each module's is in it.
    text: &'a Arc<str>,
    spans: &'a [Range<usize>],
}

impl ModuleSink for ArchSink<'_> {
    fn module(&mut self, space: &Space, m: ModuleId, sources: &[Source]) -> Result<(), SpecError> {
        let span = self.spans.get(m.index()).cloned().unwrap_or_default();
        space.push_arch_module(m, sources, SpacePath::within(self.text, span), &mut self.modules)
    }
}

/// Where a freeze renders its paths, kept by the space between freezes.
#[derive(Default)]
pub(crate) struct PathBuffers {
    /// Every live basic module's path, then every decision's.
    text: String,
    /// Per module: where its path is in `text` (empty for the others).
    modules: Vec<Range<usize>>,
    /// Per decision made: where its path is in `text`.
    decisions: Vec<Range<usize>>,
}

/// The walk's working memory, kept by the space between walks (and across
/// recycling) so that a walk allocates nothing once the space has been walked.
#[derive(Default)]
pub(crate) struct WalkBuffers {
    /// Per module: UNSEEN, ON_STACK, or its index in the architecture.
    state: Vec<u32>,
    border_inputs: Vec<InputId>,
    /// Depth-first frames: (module, where its resolved sources start in `sources`).
    frames: Vec<(ModuleId, usize)>,
    sources: Vec<Source>,
    /// For freezing: where the paths are rendered.
    paths: PathBuffers,
}

impl WalkBuffers {
    fn reset(&mut self, modules: usize) {
        self.state.clear();
        self.state.resize(modules, UNSEEN);
        self.border_inputs.clear();
        self.frames.clear();
        self.sources.clear();
    }
}

struct Walk<S> {
    buffers: WalkBuffers,
    sink: S,
    /// Modules given to the sink so far.
    emitted: usize,
}

impl Space {
    /// Freezes a fully specified space into an [`Architecture`].
    ///
    /// Identity modules are removed. Fails with [`SpecError::Unspecified`]
    /// while a decision is pending, and with the graph errors
    /// ([`DanglingInput`](SpecError::DanglingInput), [`Cycle`](SpecError::Cycle),
    /// [`UnreachableModule`](SpecError::UnreachableModule), …) naming the path.
    pub fn freeze(&mut self) -> Result<Architecture, SpecError> {
        let mut paths = std::mem::take(&mut self.walk_buffers.paths);
        let frozen = self.freeze_with(&mut paths);
        self.walk_buffers.paths = paths;
        frozen
    }

    /// [`freeze`](Self::freeze), rendering the paths in `paths`.
    fn freeze_with(&mut self, paths: &mut PathBuffers) -> Result<Architecture, SpecError> {
        let (text, basic) = self.render_paths(paths);
        // Every live basic module is frozen (or the walk fails).
        let sink = ArchSink { modules: Vec::with_capacity(basic), text: &text, spans: &paths.modules };
        let (ArchSink { modules, .. }, outputs) = self.walk_specified(sink)?;
        let decisions = self
            .made
            .iter()
            .zip(&paths.decisions)
            .map(|(d, span)| Decision {
                path: SpacePath::within(&text, span.clone()),
                value: self.value_of(d.hyper).cloned().unwrap_or(crate::Value::Bool(false)),
            })
            .collect();
        let inputs = self.border().map(|b| b.inputs.iter().map(|(n, _)| n.clone()).collect()).unwrap_or_default();
        Ok(Architecture::new(inputs, outputs, modules, decisions, self.globals()))
    }

    /// Renders the path of every live basic module and of every decision
    /// into one text, noting in `paths` where each is; returns that text,
    /// to be shared by all of them (one allocation instead of one per
    /// path), and the number of live basic modules.
    fn render_paths(&self, paths: &mut PathBuffers) -> (Arc<str>, usize) {
        let PathBuffers { text, modules, decisions } = paths;
        text.clear();
        modules.clear();
        modules.resize(self.modules.len(), 0..0);
        decisions.clear();
        let mut basic = 0;
        for (i, m) in self.modules.iter().enumerate() {
            if m.alive && m.kind == KindTag::Basic {
                let start = text.len();
                self.push_module_path(ModuleId::from_index(i), text);
                modules[i] = start..text.len();
                basic += 1;
            }
        }
        for d in &self.made {
            let start = text.len();
            // A parameter of a live basic module extends the module's path.
            match self.hypers.get(d.hyper.index()).map(|h| h.name) {
                Some(HyperName::Param { module, param })
                    if !modules.get(module.index()).is_none_or(Range::is_empty) =>
                {
                    text.extend_from_within(modules[module.index()].clone());
                    text.push('/');
                    text.push_str(self.param_name(module, param as usize));
                }
                _ => self.push_hyper_path(d.hyper, text),
            }
            decisions.push(start..text.len());
        }
        (Arc::from(text.as_str()), basic)
    }

    /// Walks a fully specified space from its border outputs, giving `sink`
    /// every basic module in canonical order; returns the sink and the
    /// border outputs' sources. Fails as [`freeze`](Self::freeze) does.
    pub(crate) fn walk_specified<S: ModuleSink>(
        &mut self,
        sink: S,
    ) -> Result<(S, Vec<(crate::op::Name, Source)>), SpecError> {
        self.check_usable()?;
        if let Some(next) = self.next_decision() {
            return Err(SpecError::Unspecified { next: self.hyper_path(next) });
        }
        let mut buffers = std::mem::take(&mut self.walk_buffers);
        buffers.reset(self.modules.len());
        let mut walk = Walk { buffers, sink, emitted: 0 };
        let outputs = self.walk_from_border(&mut walk);
        self.walk_buffers = walk.buffers;
        Ok((walk.sink, outputs?))
    }

    /// The walk proper: from each border output back to the border inputs.
    fn walk_from_border<S: ModuleSink>(&self, walk: &mut Walk<S>) -> Result<Vec<(crate::op::Name, Source)>, SpecError> {
        let border = self.border.as_ref().ok_or(SpecError::NoBorder)?;
        for (_, i) in &border.inputs {
            let i = self.resolve_input(*i)?;
            if let Some(src) = self.source_of(i) {
                return Err(SpecError::BorderInputConnected {
                    input: self.input_path(i),
                    source_port: self.output_path(src),
                });
            }
            walk.buffers.border_inputs.push(i);
        }
        let mut outputs = Vec::with_capacity(border.outputs.len());
        for (name, o) in &border.outputs {
            let o = self.resolve_output(*o)?;
            let src = self.source_of_output(o, walk)?;
            outputs.push((name.clone(), src));
        }
        self.check_all_reached(walk)?;
        Ok(outputs)
    }

    fn globals(&self) -> Vec<(String, crate::Value)> {
        self.global_hypers().into_iter().filter_map(|(path, h)| Some((path, self.value_of(h)?.clone()))).collect()
    }

    /// The carried hyperparameters with a value, by path, sorted by path.
    pub(crate) fn global_hypers(&self) -> Vec<(String, HyperId)> {
        let mut out = Vec::new();
        for (i, m) in self.modules.iter().enumerate() {
            if m.kind != KindTag::Carrier {
                continue;
            }
            if let ModuleKind::Carrier { hypers } = &self.module_defs.at(i).kind {
                let base = self.module_path(ModuleId::from_index(i));
                for (name, h) in hypers {
                    if self.has_value(*h) {
                        out.push((format!("{base}/{name}"), *h));
                    }
                }
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    /// After a freeze that produced `count` modules: the basic module behind
    /// each of them, in order.
    pub(crate) fn frozen_module_ids(&self, count: usize) -> Option<Vec<ModuleId>> {
        let mut ids = vec![None; count];
        for (i, &state) in self.walk_buffers.state.iter().enumerate() {
            if self.modules[i].kind == KindTag::Basic && (state as usize) < count {
                ids[state as usize] = Some(ModuleId::from_index(i));
            }
        }
        ids.into_iter().collect()
    }

    /// Every live basic or identity module must have been reached from the
    /// outputs, unless it was *released*: a substitution dropped the input
    /// it fed (an unselected source of [`select`](Space::select), a pruned
    /// node of a [`dag`](Space::dag)), and nothing reached reads it. What
    /// fed only released modules is released too. Released modules are not
    /// part of the architecture.
    fn check_all_reached<S>(&self, walk: &Walk<S>) -> Result<(), SpecError> {
        let unreached = |i: usize| {
            let m = &self.modules[i];
            m.alive && matches!(m.kind, KindTag::Basic | KindTag::Identity) && walk.buffers.state[i] == UNSEEN
        };
        let Some(first) = (0..self.modules.len()).find(|&i| unreached(i)) else { return Ok(()) };
        let mut pruned: Vec<bool> = (0..self.modules.len()).map(|i| unreached(i) && self.modules[i].released).collect();
        // Consumers of each unreached module, among unreached modules.
        let mut consumers: Vec<Vec<usize>> = vec![Vec::new(); self.modules.len()];
        for (i, input) in self.inputs.iter().enumerate() {
            let reader = input.module.index();
            if !matches!(input.forward, super::records::Forward::Here) || !self.modules[reader].alive {
                continue;
            }
            if let Some(o) = self.source_of(InputId::from_index(i)) {
                let producer = self.outputs[o.index()].module.index();
                if unreached(producer) {
                    consumers[producer].push(reader);
                }
            }
        }
        // Released modules release what fed only them, until nothing changes.
        let mut changed = true;
        while changed {
            changed = false;
            for i in first..self.modules.len() {
                if !pruned[i] && unreached(i) && !consumers[i].is_empty() && consumers[i].iter().all(|&c| pruned[c]) {
                    pruned[i] = true;
                    changed = true;
                }
            }
        }
        match (first..self.modules.len()).find(|&i| unreached(i) && !pruned[i]) {
            Some(i) => Err(SpecError::UnreachableModule { module: self.module_path(ModuleId::from_index(i)) }),
            None => Ok(()),
        }
    }

    /// One step of resolving what input `i` reads: through identities and
    /// border inputs, up to a basic module that is done or must be visited.
    fn resolve_source<S>(&self, mut i: InputId, walk: &mut Walk<S>) -> Result<Step, SpecError> {
        for _ in 0..=self.modules.len() {
            if let Some(k) = walk.buffers.border_inputs.iter().position(|b| *b == i) {
                return Ok(Step::Ready(Source::Input { index: k }));
            }
            let Some(o) = self.source_of(i) else {
                return Err(SpecError::DanglingInput { input: self.input_path(i) });
            };
            let m = self.outputs[o.index()].module;
            if self.modules[m.index()].kind == KindTag::Identity {
                walk.buffers.state[m.index()] = 0;
                i = self.identity_input(m)?;
                continue;
            }
            return Ok(match walk.buffers.state[m.index()] {
                UNSEEN | ON_STACK => Step::Visit(m),
                done => Step::Ready(Source::Module { module: done as usize, output: self.output_position(m, o) }),
            });
        }
        Err(self.cycle_error(&[self.inputs[i.index()].module]))
    }

    fn output_position(&self, m: ModuleId, o: OutputId) -> usize {
        self.modules[m.index()].outputs.position(o).unwrap_or(0)
    }

    /// The input of identity module `m`.
    fn identity_input(&self, m: ModuleId) -> Result<InputId, SpecError> {
        self.modules[m.index()].inputs.get(0).ok_or_else(|| SpecError::Unusable {
            reason: format!("internal invariant: identity `{}` has no input", self.module_path(m)),
        })
    }

    /// The source behind output `o`, visiting everything it depends on.
    fn source_of_output<S: ModuleSink>(&self, o: OutputId, walk: &mut Walk<S>) -> Result<Source, SpecError> {
        let m = self.outputs[o.index()].module;
        if self.modules[m.index()].kind == KindTag::Identity {
            walk.buffers.state[m.index()] = 0;
            let i = self.identity_input(m)?;
            loop {
                match self.resolve_source(i, walk)? {
                    Step::Ready(src) => return Ok(src),
                    Step::Visit(next) => {
                        self.visit(next, walk)?;
                    }
                }
            }
        }
        let module = self.visit(m, walk)?;
        Ok(Source::Module { module, output: self.output_position(m, o) })
    }

    /// Visits basic module `root` and its sources (iterative depth-first,
    /// post-order); returns its index in the architecture.
    fn visit<S: ModuleSink>(&self, root: ModuleId, walk: &mut Walk<S>) -> Result<usize, SpecError> {
        match walk.buffers.state[root.index()] {
            UNSEEN => {}
            ON_STACK => return Err(self.cycle_error(&[root])),
            done => return Ok(done as usize),
        }
        walk.buffers.state[root.index()] = ON_STACK;
        // Frames of (module, where its resolved sources start in `sources`);
        // each visit leaves both stacks as it found them (empty).
        let base = walk.buffers.frames.len();
        walk.buffers.frames.push((root, walk.buffers.sources.len()));
        while let Some(&(m, start)) = walk.buffers.frames.last() {
            let inputs = self.modules[m.index()].inputs;
            let resolved = walk.buffers.sources.len() - start;
            if resolved == inputs.len() {
                walk.buffers.frames.pop();
                walk.sink.module(self, m, &walk.buffers.sources[start..])?;
                let index = walk.emitted;
                walk.emitted += 1;
                walk.buffers.sources.truncate(start);
                walk.buffers.state[m.index()] = index as u32;
                if walk.buffers.frames.len() == base {
                    return Ok(index);
                }
                continue;
            }
            let Some(input) = inputs.get(resolved) else {
                return Err(SpecError::Unusable { reason: "internal invariant: freeze walk lost an input".to_owned() });
            };
            match self.resolve_source(input, walk)? {
                Step::Ready(src) => walk.buffers.sources.push(src),
                Step::Visit(next) => {
                    if walk.buffers.state[next.index()] == ON_STACK {
                        let on: Vec<ModuleId> = walk.buffers.frames[base..].iter().map(|(x, _)| *x).collect();
                        let first = on.iter().position(|x| *x == next).unwrap_or(0);
                        return Err(self.cycle_error(&on[first..]));
                    }
                    walk.buffers.state[next.index()] = ON_STACK;
                    let start = walk.buffers.sources.len();
                    walk.buffers.frames.push((next, start));
                }
            }
        }
        Err(SpecError::Unusable { reason: "internal invariant: freeze walk ended early".to_owned() })
    }

    /// Appends the frozen form of basic module `m` at `path` reading from
    /// `sources` (built in the push: a frozen module is a few hundred bytes
    /// to move).
    fn push_arch_module(
        &self,
        m: ModuleId,
        sources: &[Source],
        path: SpacePath,
        out: &mut Vec<ArchModule>,
    ) -> Result<(), SpecError> {
        let rec = &self.modules[m.index()];
        let ModuleKind::Basic { op, params } = &self.module_def(m).kind else {
            return Err(self.not_basic(m));
        };
        let mut frozen = SmallVec::with_capacity(params.len());
        for (name, slot) in params {
            frozen.push((name.clone(), self.frozen_slot_value(slot)?.clone()));
        }
        // Pushed one by one: cheaper than `SmallVec`'s generic `collect` for a port or two.
        let mut inputs = SmallVec::with_capacity(rec.inputs.len());
        for (i, source) in rec.inputs.iter().zip(sources) {
            inputs.push((self.input_name(i).clone(), *source));
        }
        let mut outputs = SmallVec::with_capacity(rec.outputs.len());
        for o in rec.outputs.iter() {
            outputs.push(self.output_name(o).clone());
        }
        out.push(ArchModule { path, op: op.clone(), params: frozen, inputs, outputs });
        Ok(())
    }

    pub(crate) fn not_basic(&self, m: ModuleId) -> SpecError {
        SpecError::Unusable { reason: format!("module `{}` is not a basic module", self.module_path(m)) }
    }

    /// The value of a parameter slot of module `m` in a specified space.
    pub(crate) fn frozen_slot_value<'a>(&'a self, slot: &'a ParamSlot) -> Result<&'a crate::Value, SpecError> {
        match slot {
            ParamSlot::Const(v) => Ok(v),
            ParamSlot::Hyper(h) => {
                self.value_of(*h).ok_or_else(|| SpecError::Unspecified { next: self.hyper_path(*h) })
            }
        }
    }

    fn cycle_error(&self, modules: &[ModuleId]) -> SpecError {
        SpecError::Cycle { cycle: modules.iter().map(|m| self.module_path(*m)).collect() }
    }
}
