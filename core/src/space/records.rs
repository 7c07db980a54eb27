//! The arena records behind the typed IDs. Private to the crate.

use std::marker::PhantomData;
use std::sync::Arc;

use smallvec::SmallVec;

use crate::error::SpecError;
use crate::ids::{ArenaId, ConstraintId, HyperId, InputId, ModuleId, OutputId, ScopeId};
use crate::io::Io;
use crate::op::Name;
use crate::space::Space;
use crate::value::{Domain, Value};

/// The values of a substitution module's hyperparameters, by local name.
#[derive(Debug, Clone, Default)]
pub struct Values {
    pub(crate) entries: SmallVec<[(Name, Value); 2]>,
}

impl Values {
    /// The value of the hyperparameter with local name `name`.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.entries.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// All entries, in declaration order.
    pub fn entries(&self) -> &[(Name, Value)] {
        &self.entries
    }
}

/// A substitution function: builds the replacement sub-graph from the values.
/// Shared (`Arc`), so that a built space can be cloned; it runs at most once
/// per space, and must build the same sub-graph from the same values (a
/// [`SpaceDef`](crate::SpaceDef) copies what it built before instead of
/// running it again).
pub type SubstitutionFn = Arc<dyn Fn(&mut Space, &Values) -> Result<Io, SpecError> + Send + Sync>;
/// A dependent hyperparameter's function over its dependencies' values.
pub type DependentFn = Arc<dyn Fn(&[Value]) -> Result<Value, String> + Send + Sync>;
/// A constraint's predicate over its hyperparameters' values.
pub type ConstraintFn = Arc<dyn Fn(&[Value]) -> bool + Send + Sync>;

/// What a hyperparameter is; fixed once created (kept in a [`Shared`](super::shared::Shared) list).
#[derive(Clone)]
pub(crate) enum HyperKind {
    Independent { domain: Domain },
    Dependent { deps: SmallVec<[HyperId; 2]>, function: DependentFn },
}

/// The fixed part of a hyperparameter.
#[derive(Clone)]
pub(crate) struct HyperDef {
    pub kind: HyperKind,
    /// The substitution module whose firing created it (for counting).
    pub origin: Option<ModuleId>,
}

/// Something that waits for a hyperparameter's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Waiter {
    Module(ModuleId),
    Dependent(HyperId),
    Constraint(ConstraintId),
}

/// "None" for the `u32` links and values of the records below.
pub(crate) const NONE: u32 = u32::MAX;

/// The waiters of one hyperparameter: a list threaded through `Space::waiters`,
/// in the order they started waiting.
#[derive(Clone, Copy, Debug)]
pub(crate) struct WaiterList {
    pub head: u32,
    pub tail: u32,
}

impl WaiterList {
    pub const EMPTY: WaiterList = WaiterList { head: NONE, tail: NONE };
}

/// A node of a [`WaiterList`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct WaiterNode {
    pub waiter: Waiter,
    pub next: u32,
}

/// The changing state of a hyperparameter. `Copy`: a space is copied from
/// its template with one `memcpy` per arena.
#[derive(Clone, Copy, Debug)]
pub(crate) struct HyperRecord {
    /// [`NONE`], or the value: its index in the domain (independent) or in
    /// `Space::computed` (dependent).
    pub value: u32,
    /// How the path is formed (explicitly, or from its first use).
    pub name: HyperName,
    pub waiters: WaiterList,
    /// Dependencies still without a value (dependent hyperparameters).
    pub missing: u32,
    /// Used by a live module, carrier, constraint or live dependent.
    pub live: bool,
    /// In the frontier heap right now.
    pub queued: bool,
    /// Its value was read by a substitution, constraint or structural dependent.
    pub read_structurally: bool,
}

impl HyperRecord {
    #[inline]
    pub fn has_value(&self) -> bool {
        self.value != NONE
    }
}

#[derive(Clone)]
pub(crate) enum ParamSlot {
    Const(Value),
    Hyper(HyperId),
}

/// What a module is; fixed once created.
#[derive(Clone)]
pub(crate) enum ModuleKind {
    Basic {
        op: Name,
        /// Inline for up to two parameters.
        params: SmallVec<[(Name, ParamSlot); 2]>,
    },
    Identity,
    Substitution {
        function: SubstitutionFn,
        hypers: SmallVec<[(Name, HyperId); 2]>,
        allow_input_subset: bool,
        allow_output_subset: bool,
        /// How the counter treats its hyperparameters.
        counting: Counting,
    },
    Carrier {
        hypers: Vec<(Name, HyperId)>,
    },
}

/// How a hyperparameter's path is rendered; rendered only when asked.
#[derive(Clone, Copy, Debug)]
pub(crate) enum HyperName {
    Unnamed,
    /// `name` indexes `Space::labels`.
    Scoped {
        scope: ScopeId,
        name: u32,
    },
    /// Parameter number `param` of `module` (its params, substitution or carrier hyperparameters).
    Param {
        module: ModuleId,
        param: u32,
    },
    Arg {
        dependent: HyperId,
        index: u32,
    },
}

/// The fixed part of a module.
#[derive(Clone)]
pub(crate) struct ModuleDef {
    pub scope: ScopeId,
    pub name: Name,
    pub kind: ModuleKind,
    /// The substitution module whose firing created it.
    pub origin: Option<ModuleId>,
    /// The share frame it was created in ([`NONE`] outside one): a
    /// substitution module fires inside it again.
    pub share: u32,
}

/// How [`SpaceDef::count`](crate::SpaceDef::count) treats the
/// hyperparameters of a substitution module.
#[derive(Clone)]
pub(crate) enum Counting {
    /// Branch on them: what the module builds may depend on every value.
    Branch,
    /// Its firing never creates a decision and never rejects a value of
    /// the domains: its hyperparameters count as leaves. Checked: a firing
    /// that breaks this marks them structural, and the counter branches.
    Transparent,
    /// An edge-flag cell, counted by dynamic programming over its flags.
    Dag(Arc<crate::combinators::DagSpec>),
}

/// A share frame: decisions made inside one are shared with every other
/// frame of the same key, by their path relative to the frame's scope.
#[derive(Clone, Debug)]
pub(crate) struct ShareFrame {
    pub key: Name,
    pub base: ScopeId,
}

/// A module's ports: consecutive IDs, since a module's ports are created together.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Ports<T> {
    start: u32,
    len: u32,
    kind: PhantomData<T>,
}

impl<T: ArenaId> Ports<T> {
    pub const NONE: Ports<T> = Ports { start: 0, len: 0, kind: PhantomData };

    /// `len` ports from `start` on.
    pub fn new(start: usize, len: usize) -> Self {
        Ports { start: start as u32, len: len as u32, kind: PhantomData }
    }

    #[inline]
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// The port at `position`.
    #[inline]
    pub fn get(&self, position: usize) -> Option<T> {
        (position < self.len as usize).then(|| T::from_raw(self.start + position as u32))
    }

    /// The position of port `id` among these.
    #[inline]
    pub fn position(&self, id: T) -> Option<usize> {
        let offset = id.raw().wrapping_sub(self.start);
        (offset < self.len).then_some(offset as usize)
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = T> + ExactSizeIterator + Clone + use<T> {
        (self.start..self.start + self.len).map(T::from_raw)
    }
}

/// Which [`ModuleKind`] a module is, kept beside its state for walks that
/// only need to know that.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KindTag {
    Basic,
    Identity,
    Substitution,
    Carrier,
}

impl ModuleKind {
    pub fn tag(&self) -> KindTag {
        match self {
            ModuleKind::Basic { .. } => KindTag::Basic,
            ModuleKind::Identity => KindTag::Identity,
            ModuleKind::Substitution { .. } => KindTag::Substitution,
            ModuleKind::Carrier { .. } => KindTag::Carrier,
        }
    }
}

/// The changing state of a module. `Copy`, like [`HyperRecord`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct ModuleRecord {
    pub inputs: Ports<InputId>,
    pub outputs: Ports<OutputId>,
    /// Hyperparameters still without a value (substitution modules).
    pub missing: u32,
    pub kind: KindTag,
    /// False once a substitution module has fired.
    pub alive: bool,
    /// A substitution module that has fired (or is firing).
    pub fired: bool,
    /// A substitution dropped an input that read one of its outputs: if
    /// nothing else reads it, it is pruned from the frozen architecture.
    pub released: bool,
}

/// An input port; its name is in `Space::input_names`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct InputRecord {
    pub module: ModuleId,
    /// The output it reads, as connected; follow that output's forwards to
    /// find where it reads now (see `Space::source_of`).
    pub source: Option<OutputId>,
    /// Set when the owning substitution module fired: the port now lives there.
    pub forward: Forward<InputId>,
}

/// An output port; its name is in `Space::output_names`. Its consumers are
/// not listed: inputs read it through its forwards.
#[derive(Clone, Copy, Debug)]
pub(crate) struct OutputRecord {
    pub module: ModuleId,
    pub forward: Forward<OutputId>,
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum Forward<T> {
    Here,
    To(T),
    Removed,
}

/// A naming scope. Its path is text in `Space::scope_text`, so scopes own
/// no allocation (they are made for every copy a combinator builds).
#[derive(Clone, Copy)]
pub(crate) struct ScopeRecord {
    /// Where the path starts in the scope text, and its length.
    pub start: u32,
    pub len: u32,
    /// The enclosing scope; `None` for the root.
    pub parent: Option<ScopeId>,
    /// Where the last segment starts within the path.
    pub segment_start: u32,
}

#[derive(Clone)]
pub(crate) struct ConstraintRecord {
    pub path: String,
    pub hypers: SmallVec<[HyperId; 4]>,
    pub predicate: ConstraintFn,
    pub missing: u32,
}

/// One decision made on the space: the hyperparameter and the index chosen.
#[derive(Clone, Copy, Debug)]
pub(crate) struct MadeDecision {
    pub hyper: HyperId,
    pub index: u32,
}

pub(crate) fn scope_child(parent: &str, segment: &str) -> String {
    if parent.is_empty() {
        segment.to_owned()
    } else {
        let mut s = String::with_capacity(parent.len() + 1 + segment.len());
        s.push_str(parent);
        s.push('/');
        s.push_str(segment);
        s
    }
}

pub(crate) type ScopeStack = SmallVec<[ScopeId; 8]>;
