//! [`Space`]: a search space under construction and specification.
//!
//! A space is an arena of modules, ports and hyperparameters. Build it with
//! the methods here (or the combinators in [`crate::combinators`]), hand it to
//! a searcher that assigns values to [`Space::next_decision`], then
//! [`freeze`](Space::freeze) it into an [`Architecture`](crate::Architecture).
//!
//! ```
//! use archspace_core::{choice, Op, Space};
//! let mut space = Space::build(|s| {
//!     let a = s.basic(Op::new("dense").param("units", choice([32, 64])))?;
//!     let b = s.basic(Op::new("relu"))?;
//!     s.chain(&a, &b)?;
//!     Ok(s.border_of(&a, &b))
//! })?;
//! let units = space.next_decision().unwrap();
//! assert_eq!(space.hyper_path(units), "dense/units");
//! space.assign_index(units, 1)?;
//! let arch = space.freeze()?;
//! assert_eq!(arch.modules().len(), 2);
//! # Ok::<(), archspace_core::SpecError>(())
//! ```

mod build;
mod engine;
mod freeze;
mod frontier;
mod naming;
pub(crate) mod records;
mod reroute;
mod scoped_map;
mod share;
mod shared;
mod skeleton;
mod verify;

use rustc_hash::FxHashMap;
use smallvec::SmallVec;

use crate::error::SpecError;
use crate::ids::{HyperId, InputId, ModuleId, OutputId, ScopeId};
use crate::io::Io;
use crate::op::Name;
use crate::value::{Domain, Value};

pub use build::Substitution;
pub(crate) use freeze::ModuleSink;
use frontier::Frontier;
pub use records::{ConstraintFn, DependentFn, SubstitutionFn, Values};
use records::{
    ConstraintRecord, HyperDef, HyperKind, HyperRecord, InputRecord, MadeDecision, ModuleDef, ModuleRecord, NONE,
    OutputRecord, ScopeRecord, ScopeStack, ShareFrame, WaiterNode,
};
use scoped_map::ScopedMap;
use shared::Shared;
pub(crate) use skeleton::Skeleton;

/// Element counts of a space, used as capacity hints.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct SpaceSize {
    /// Modules (basic, identity, substitution, carrier).
    pub(crate) modules: usize,
    /// Hyperparameters.
    pub(crate) hypers: usize,
    /// Input or output ports (the larger count).
    pub(crate) ports: usize,
    /// Naming scopes.
    pub(crate) scopes: usize,
}

/// A search space: modules with named ports, hyperparameters, and the
/// substitution engine that rewrites the graph as values are assigned.
///
/// `Space` is `Send` and `Sync`: build and specify many on rayon threads.
/// It is also `Clone`: a copy, taken at any point of building or
/// specification, goes on independently (substitution functions are shared
/// and run once in each copy that fires them). [`SpaceDef`](crate::SpaceDef)
/// builds a space twice per thread and clones it after that.
///
/// ```
/// use archspace_core::{choice, Op, Space};
/// let mut space = Space::build(|s| {
///     s.named("body").repeat(choice([1, 2]), |s| s.basic(Op::new("dense").param("units", choice([8, 16]))))
/// })?;
/// let reps = space.next_decision().unwrap();
/// let mut two = space.clone();
/// space.assign_index(reps, 0)?; // one copy of the block …
/// two.assign_index(reps, 1)?; // … and, in the clone, two
/// for s in [&mut space, &mut two] {
///     while let Some(h) = s.next_decision() {
///         s.assign_index(h, 0)?;
///     }
/// }
/// assert_eq!((space.freeze()?.modules().len(), two.freeze()?.modules().len()), (1, 2));
/// # Ok::<(), archspace_core::SpecError>(())
/// ```
pub struct Space {
    // Each element is split in two: its changing state, in a `Vec` of `Copy`
    // records, and its fixed part, in a `Shared` list at the same index.
    pub(crate) hypers: Vec<HyperRecord>,
    pub(crate) hyper_defs: Shared<HyperDef>,
    pub(crate) modules: Vec<ModuleRecord>,
    pub(crate) module_defs: Shared<ModuleDef>,
    pub(crate) inputs: Vec<InputRecord>,
    pub(crate) input_names: Shared<Name>,
    pub(crate) outputs: Vec<OutputRecord>,
    pub(crate) output_names: Shared<Name>,
    /// Explicit names of hyperparameters ([`HyperName::Scoped`](records::HyperName)).
    pub(crate) labels: Shared<Name>,
    /// Values of dependent hyperparameters, in the order they were computed.
    pub(crate) computed: Vec<Value>,
    /// The nodes of every hyperparameter's waiter list.
    pub(crate) waiters: Vec<WaiterNode>,
    pub(crate) scopes: Vec<ScopeRecord>,
    /// The paths of all scopes, back to back (see [`ScopeRecord`]).
    scope_text: String,
    pub(crate) constraints: Vec<ConstraintRecord>,
    scope_stack: ScopeStack,
    origin_stack: SmallVec<[ModuleId; 8]>,
    /// Names taken in each scope, with the next suffix to try for auto names.
    names: ScopedMap<Name, u32>,
    /// Child scopes by (parent, 64-bit hash of the segment); the segment is
    /// compared on every hit, and colliding segments go to `scope_collisions`.
    scope_children: ScopedMap<u64, ScopeId>,
    scope_collisions: Vec<ScopeId>,
    /// A reused buffer for formatting scope segments.
    scratch: String,
    shared: FxHashMap<Name, HyperId>,
    /// Every share frame entered (see [`Space::sharing`]), and the ones open now.
    share_frames: Vec<ShareFrame>,
    share_stack: SmallVec<[u32; 2]>,
    frontier: Frontier,
    pub(crate) made: Vec<MadeDecision>,
    border: Option<Io>,
    pending_name: Option<Name>,
    /// Set when an assignment failed half-way or was rejected: the space is done.
    broken: Option<SpecError>,
    /// Depth of substitution functions running now.
    firing: u32,
    /// Records hyperparameters that become live, for the counter's independence checks.
    pub(crate) watch: Option<Vec<HyperId>>,
    /// Working memory of the freeze walk (reset by each walk).
    walk_buffers: freeze::WalkBuffers,
}

impl Default for Space {
    fn default() -> Self {
        Self::new()
    }
}

impl Clone for Space {
    fn clone(&self) -> Self {
        let mut copy = Space::new();
        copy.clone_from(self);
        copy
    }

    /// Copies `source` into this space's arenas, reusing their memory.
    fn clone_from(&mut self, source: &Self) {
        // Destructured without `..`: a new field must be copied here too.
        let Space {
            hypers,
            hyper_defs,
            modules,
            module_defs,
            inputs,
            input_names,
            outputs,
            output_names,
            labels,
            computed,
            waiters,
            scopes,
            scope_text,
            constraints,
            scope_stack,
            origin_stack,
            names,
            scope_children,
            scope_collisions,
            scratch,
            shared,
            share_frames,
            share_stack,
            frontier,
            made,
            border,
            pending_name,
            broken,
            firing,
            watch,
            walk_buffers: _,
        } = self;
        hypers.clone_from(&source.hypers);
        hyper_defs.clone_from(&source.hyper_defs);
        modules.clone_from(&source.modules);
        module_defs.clone_from(&source.module_defs);
        inputs.clone_from(&source.inputs);
        input_names.clone_from(&source.input_names);
        outputs.clone_from(&source.outputs);
        output_names.clone_from(&source.output_names);
        labels.clone_from(&source.labels);
        computed.clone_from(&source.computed);
        waiters.clone_from(&source.waiters);
        scopes.clone_from(&source.scopes);
        scope_text.clone_from(&source.scope_text);
        constraints.clone_from(&source.constraints);
        scope_stack.clone_from(&source.scope_stack);
        origin_stack.clone_from(&source.origin_stack);
        names.clone_from(&source.names);
        scope_children.clone_from(&source.scope_children);
        scope_collisions.clone_from(&source.scope_collisions);
        scratch.clear();
        shared.clone_from(&source.shared);
        share_frames.clone_from(&source.share_frames);
        share_stack.clone_from(&source.share_stack);
        frontier.clone_from(&source.frontier);
        made.clone_from(&source.made);
        border.clone_from(&source.border);
        pending_name.clone_from(&source.pending_name);
        broken.clone_from(&source.broken);
        *firing = source.firing;
        watch.clone_from(&source.watch);
    }
}

impl std::fmt::Debug for Space {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Space")
            .field("modules", &self.modules.len())
            .field("hyperparameters", &self.hypers.len())
            .field("decisions_made", &self.made.len())
            .finish_non_exhaustive()
    }
}

impl Space {
    /// An empty space.
    pub fn new() -> Self {
        Self::with_capacity(SpaceSize::default())
    }

    /// An empty space with room for `size` elements (no reallocation while it
    /// stays within them). `SpaceDef` uses the size of spaces it built before.
    pub(crate) fn with_capacity(size: SpaceSize) -> Self {
        let mut scopes = Vec::with_capacity(size.scopes.max(1));
        scopes.push(ScopeRecord { start: 0, len: 0, parent: None, segment_start: 0 });
        let names = ScopedMap::with_capacity(size.modules);
        let scope_children = ScopedMap::with_capacity(size.scopes);
        Space {
            hypers: Vec::with_capacity(size.hypers),
            hyper_defs: Shared::with_capacity(size.hypers),
            modules: Vec::with_capacity(size.modules),
            module_defs: Shared::with_capacity(size.modules),
            inputs: Vec::with_capacity(size.ports),
            input_names: Shared::with_capacity(size.ports),
            outputs: Vec::with_capacity(size.ports),
            output_names: Shared::with_capacity(size.ports),
            labels: Shared::default(),
            computed: Vec::new(),
            waiters: Vec::with_capacity(size.hypers),
            scopes,
            scope_text: String::with_capacity(size.scopes * 16),
            constraints: Vec::new(),
            scope_stack: SmallVec::from_slice(&[ScopeId(0)]),
            origin_stack: SmallVec::new(),
            names,
            scope_children,
            scope_collisions: Vec::new(),
            scratch: String::new(),
            shared: FxHashMap::default(),
            share_frames: Vec::new(),
            share_stack: SmallVec::new(),
            frontier: Frontier::with_capacity(size.hypers),
            made: Vec::with_capacity(size.hypers),
            border: None,
            pending_name: None,
            broken: None,
            firing: 0,
            watch: None,
            walk_buffers: freeze::WalkBuffers::default(),
        }
    }

    /// Empties the space for reuse, keeping the memory of its collections, so
    /// that sampling many spaces on one thread stops allocating arenas.
    pub(crate) fn recycle(&mut self) {
        // Destructured without `..`: a new field must be reset here too.
        let Space {
            hypers,
            hyper_defs,
            modules,
            module_defs,
            inputs,
            input_names,
            outputs,
            output_names,
            labels,
            computed,
            waiters,
            scopes,
            scope_text,
            constraints,
            scope_stack,
            origin_stack,
            names,
            scope_children,
            scope_collisions,
            scratch,
            shared,
            share_frames,
            share_stack,
            frontier,
            made,
            border,
            pending_name,
            broken,
            firing,
            watch,
            walk_buffers: _,
        } = self;
        hypers.clear();
        hyper_defs.clear();
        modules.clear();
        module_defs.clear();
        inputs.clear();
        input_names.clear();
        outputs.clear();
        output_names.clear();
        labels.clear();
        computed.clear();
        waiters.clear();
        scopes.truncate(1);
        scope_text.clear();
        constraints.clear();
        scope_stack.clear();
        scope_stack.push(ScopeId(0));
        origin_stack.clear();
        names.clear();
        scope_children.clear();
        scope_collisions.clear();
        scratch.clear();
        shared.clear();
        share_frames.clear();
        share_stack.clear();
        frontier.clear();
        made.clear();
        *border = None;
        *pending_name = None;
        *broken = None;
        *firing = 0;
        *watch = None;
    }

    /// Memory held by the arenas, in elements (to decide whether to keep a space for reuse).
    pub(crate) fn capacity(&self) -> usize {
        self.hypers.capacity()
            + self.hyper_defs.capacity()
            + self.modules.capacity()
            + self.module_defs.capacity()
            + self.inputs.capacity()
            + self.input_names.capacity()
            + self.outputs.capacity()
            + self.output_names.capacity()
    }

    /// Seals the fixed parts of every element, so that copies of this space
    /// share them instead of copying them. For a template that is copied often.
    pub(crate) fn seal(&mut self) {
        self.hyper_defs.seal();
        self.module_defs.seal();
        self.input_names.seal();
        self.output_names.seal();
        self.labels.seal();
        self.names.seal(self.scopes.len());
        self.scope_children.seal(self.scopes.len());
    }

    /// The fixed part of module `m`, which exists.
    #[inline]
    pub(crate) fn module_def(&self, m: ModuleId) -> &ModuleDef {
        self.module_defs.at(m.index())
    }

    /// What hyperparameter `h`, which exists, is.
    #[inline]
    pub(crate) fn hyper_kind(&self, h: HyperId) -> &HyperKind {
        &self.hyper_defs.at(h.index()).kind
    }

    /// The name of input `i`, which exists.
    #[inline]
    pub(crate) fn input_name(&self, i: InputId) -> &Name {
        self.input_names.at(i.index())
    }

    /// The name of output `o`, which exists.
    #[inline]
    pub(crate) fn output_name(&self, o: OutputId) -> &Name {
        self.output_names.at(o.index())
    }

    /// True when something (a substitution module, a dependent, a
    /// constraint) waits for the value of `h`, which exists: assigning it
    /// may change the graph.
    #[inline]
    pub(crate) fn has_waiters(&self, h: HyperId) -> bool {
        self.hypers[h.index()].waiters.head != NONE
    }

    /// True when hyperparameter `h`, which exists, has a value.
    #[inline]
    pub(crate) fn has_value(&self, h: HyperId) -> bool {
        self.hypers[h.index()].has_value()
    }

    /// The value of hyperparameter `h`, if it has one.
    #[inline]
    pub(crate) fn value_of(&self, h: HyperId) -> Option<&Value> {
        let rec = self.hypers.get(h.index())?;
        if !rec.has_value() {
            return None;
        }
        match self.hyper_kind(h) {
            HyperKind::Independent { domain } => domain.get(rec.value as usize),
            HyperKind::Dependent { .. } => self.computed.get(rec.value as usize),
        }
    }

    /// Gives dependent hyperparameter `h` the value it computed.
    pub(crate) fn set_computed(&mut self, h: HyperId, value: Value) {
        self.hypers[h.index()].value = self.computed.len() as u32;
        self.computed.push(value);
    }

    /// Adds `waiter` to the end of `h`'s waiter list.
    pub(crate) fn add_waiter(&mut self, h: HyperId, waiter: records::Waiter) {
        let node = self.waiters.len() as u32;
        self.waiters.push(WaiterNode { waiter, next: NONE });
        let list = &mut self.hypers[h.index()].waiters;
        if list.tail == NONE {
            list.head = node;
        } else {
            self.waiters[list.tail as usize].next = node;
        }
        list.tail = node;
    }

    /// The output input `i` reads now: its connected source, followed through
    /// the forwards of substituted modules (`None` if unconnected or removed).
    pub(crate) fn source_of(&self, i: InputId) -> Option<OutputId> {
        let mut o = self.inputs[i.index()].source?;
        loop {
            match self.outputs[o.index()].forward {
                records::Forward::Here => return Some(o),
                records::Forward::To(next) => o = next,
                records::Forward::Removed => return None,
            }
        }
    }

    /// Builds a space with `f` and makes the `Io` it returns the space's border.
    pub fn build(f: impl FnOnce(&mut Space) -> Result<Io, SpecError>) -> Result<Space, SpecError> {
        let mut space = Space::new();
        let border = f(&mut space)?;
        space.set_border(border);
        Ok(space)
    }

    /// Declares the space's border: its exposed inputs and outputs.
    pub fn set_border(&mut self, io: Io) {
        self.border = Some(io);
    }

    /// The border, if declared. Its ports follow substitutions.
    pub fn border(&self) -> Option<&Io> {
        self.border.as_ref()
    }

    /// An `Io` with the inputs of `first` and the outputs of `last`.
    pub fn border_of(&self, first: &Io, last: &Io) -> Io {
        Io { inputs: first.inputs.clone(), outputs: last.outputs.clone() }
    }

    /// Names the next module created (instead of its default name).
    pub fn named(&mut self, name: impl Into<Name>) -> &mut Self {
        self.pending_name = Some(name.into());
        self
    }

    /// Runs `f` with a child naming scope `segment` (paths inside read
    /// `<scope>/<segment>/…`). Entering the same segment twice, or the segment
    /// of a substitution module, gives the same scope, so paths stay unique.
    /// A `/` in the segment is replaced by `_`.
    pub fn in_scope<R>(&mut self, segment: impl std::fmt::Display, f: impl FnOnce(&mut Space) -> R) -> R {
        use std::fmt::Write;
        let mut text = std::mem::take(&mut self.scratch);
        text.clear();
        let _ = write!(text, "{segment}");
        if text.contains('/') {
            text = text.replace('/', "_");
        }
        let id = self.child_scope_of_str(self.current_scope(), &text);
        self.scratch = text;
        self.scope_stack.push(id);
        let out = f(self);
        self.scope_stack.pop();
        out
    }

    /// [`in_scope`](Self::in_scope) with the segment `index` (the copies of
    /// `repeat` and the like), formatted without the `fmt` machinery.
    pub(crate) fn in_index_scope<R>(&mut self, index: usize, f: impl FnOnce(&mut Space) -> R) -> R {
        let mut digits = [0u8; 20];
        let mut start = digits.len();
        let mut rest = index;
        loop {
            start -= 1;
            digits[start] = b'0' + (rest % 10) as u8;
            rest /= 10;
            if rest == 0 {
                break;
            }
        }
        let segment = std::str::from_utf8(&digits[start..]).unwrap_or("0");
        let id = self.child_scope_of_str(self.current_scope(), segment);
        self.scope_stack.push(id);
        let out = f(self);
        self.scope_stack.pop();
        out
    }

    /// The scope `segment` under `parent`, created on first use.
    pub(crate) fn child_scope(&mut self, parent: ScopeId, segment: Name) -> ScopeId {
        self.child_scope_of_str(parent, &segment)
    }

    /// Like [`child_scope`](Self::child_scope), for a segment being formatted.
    /// The segment is hashed once, for the lookup and, if new, the insertion.
    fn child_scope_of_str(&mut self, parent: ScopeId, segment: &str) -> ScopeId {
        let key = Self::segment_key(parent, segment);
        let collision = match self.scope_children.get(&key) {
            Some(first) => match self.find_among(first, parent, segment) {
                Some(id) => return id,
                None => true,
            },
            None => false,
        };
        self.add_child_scope(parent, segment, key, collision)
    }

    fn segment_key(parent: ScopeId, segment: &str) -> (ScopeId, u64) {
        (parent, xxhash_rust::xxh3::xxh3_64(segment.as_bytes()))
    }

    /// `first` (the scope its key maps to) or a colliding scope, if one is `segment` under `parent`.
    fn find_among(&self, first: ScopeId, parent: ScopeId, segment: &str) -> Option<ScopeId> {
        let is_it = |id: ScopeId| {
            let rec = &self.scopes[id.index()];
            rec.parent == Some(parent) && self.scope_segment(id) == segment
        };
        if is_it(first) {
            return Some(first);
        }
        self.scope_collisions.iter().copied().find(|&id| is_it(id))
    }

    /// The path of `scope`, e.g. `left/1`.
    pub(crate) fn path_of_scope(&self, scope: ScopeId) -> &str {
        let rec = &self.scopes[scope.index()];
        &self.scope_text[rec.start as usize..(rec.start + rec.len) as usize]
    }

    /// The last segment of the path of `scope`.
    fn scope_segment(&self, scope: ScopeId) -> &str {
        let rec = &self.scopes[scope.index()];
        &self.scope_text[(rec.start + rec.segment_start) as usize..(rec.start + rec.len) as usize]
    }

    /// A new scope `segment` under `parent`; `key` is its lookup key, already
    /// taken by another scope when `collision`.
    fn add_child_scope(&mut self, parent: ScopeId, segment: &str, key: (ScopeId, u64), collision: bool) -> ScopeId {
        let of_parent = self.scopes[parent.index()];
        let start = self.scope_text.len();
        let from = of_parent.start as usize;
        self.scope_text.extend_from_within(from..from + of_parent.len as usize);
        if of_parent.len > 0 {
            self.scope_text.push('/');
        }
        let segment_start = (self.scope_text.len() - start) as u32;
        self.scope_text.push_str(segment);
        let len = (self.scope_text.len() - start) as u32;
        let id = ScopeId::from_index(self.scopes.len());
        self.scopes.push(ScopeRecord { start: start as u32, len, parent: Some(parent), segment_start });
        if collision {
            self.scope_collisions.push(id);
        } else {
            self.scope_children.set(key, id);
        }
        id
    }

    /// The substitution module whose function runs now, if any.
    pub(crate) fn firing_module(&self) -> Option<ModuleId> {
        if self.firing > 0 { self.origin_stack.last().copied() } else { None }
    }

    pub(crate) fn current_scope(&self) -> ScopeId {
        *self.scope_stack.last().expect("internal invariant: the root scope is never popped")
    }

    /// The next unassigned decision in the documented order, if any.
    ///
    /// # Decision order
    /// Pending decisions are the independent hyperparameters that have no
    /// value, have more than one possible value, and are *live*: used by a
    /// module, constraint or carrier that exists now (directly or through a
    /// dependent hyperparameter). Among them, the one **created first** comes
    /// first. Creation order follows the program: the order the space's code
    /// creates hyperparameters, with those created by a substitution coming
    /// after everything that existed when it fired.
    pub fn next_decision(&mut self) -> Option<HyperId> {
        while let Some(top) = self.frontier.peek() {
            if !self.hypers[top as usize].has_value() {
                return Some(HyperId(top));
            }
            self.frontier.pop();
            self.hypers[top as usize].queued = false;
        }
        None
    }

    /// All pending decisions, in the order [`next_decision`](Self::next_decision) would give them
    /// if none of them changed the space.
    pub fn pending_decisions(&self) -> Vec<HyperId> {
        let mut out: Vec<HyperId> =
            self.frontier.iter().filter(|h| !self.hypers[*h as usize].has_value()).map(HyperId).collect();
        out.sort();
        out
    }

    /// True when no decision is pending.
    pub fn is_specified(&mut self) -> bool {
        self.next_decision().is_none()
    }

    /// The path of a hyperparameter, e.g. `left/2/conv2d/filters`.
    pub fn hyper_path(&self, h: HyperId) -> String {
        self.render_hyper_path(h)
    }

    /// The domain of an independent hyperparameter.
    pub fn domain(&self, h: HyperId) -> Option<&Domain> {
        match &self.hyper_defs.get(h.index())?.kind {
            HyperKind::Independent { domain } => Some(domain),
            HyperKind::Dependent { .. } => None,
        }
    }

    /// The value of a hyperparameter, once assigned.
    pub fn value(&self, h: HyperId) -> Option<&Value> {
        self.value_of(h)
    }

    /// The decisions made so far, in order: (hyperparameter, index in its domain).
    pub fn decisions_made(&self) -> impl ExactSizeIterator<Item = (HyperId, usize)> + '_ {
        self.made.iter().map(|d| (d.hyper, d.index as usize))
    }

    /// How many elements this space holds now (a capacity hint for the next one).
    pub(crate) fn size(&self) -> SpaceSize {
        SpaceSize {
            modules: self.modules.len(),
            hypers: self.hypers.len(),
            ports: self.inputs.len().max(self.outputs.len()),
            scopes: self.scopes.len(),
        }
    }

    /// Number of modules ever created (live or substituted).
    pub fn module_count(&self) -> usize {
        self.modules.len()
    }

    /// Number of hyperparameters ever created.
    pub fn hyper_count(&self) -> usize {
        self.hypers.len()
    }

    fn check_usable(&self) -> Result<(), SpecError> {
        if let Some(err) = &self.broken {
            return Err(SpecError::Unusable { reason: format!("an earlier assignment failed: {err}") });
        }
        Ok(())
    }

    fn check_hyper(&self, h: HyperId) -> Result<(), SpecError> {
        if h.index() < self.hypers.len() {
            Ok(())
        } else {
            Err(SpecError::UnknownId { kind: "hyperparameter", index: h.0 })
        }
    }

    fn check_input(&self, i: InputId) -> Result<(), SpecError> {
        if i.index() < self.inputs.len() { Ok(()) } else { Err(SpecError::UnknownId { kind: "input", index: i.0 }) }
    }

    fn check_output(&self, o: OutputId) -> Result<(), SpecError> {
        if o.index() < self.outputs.len() { Ok(()) } else { Err(SpecError::UnknownId { kind: "output", index: o.0 }) }
    }
}

#[cfg(test)]
mod tests;
