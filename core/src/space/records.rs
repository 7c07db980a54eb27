//! The arena records behind the typed IDs. Private to the crate.

use std::sync::Arc;

use smallvec::SmallVec;

use crate::error::SpecError;
use crate::ids::{ConstraintId, HyperId, InputId, ModuleId, OutputId, ScopeId};
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
/// Shared (`Arc`), so that a built space can be cloned; it runs once per space.
pub type SubstitutionFn = Arc<dyn Fn(&mut Space, &Values) -> Result<Io, SpecError> + Send + Sync>;
/// A dependent hyperparameter's function over its dependencies' values.
pub type DependentFn = Arc<dyn Fn(&[Value]) -> Result<Value, String> + Send + Sync>;
/// A constraint's predicate over its hyperparameters' values.
pub type ConstraintFn = Arc<dyn Fn(&[Value]) -> bool + Send + Sync>;

pub(crate) enum HyperKind {
    Independent { domain: Domain },
    Dependent { deps: SmallVec<[HyperId; 2]>, function: DependentFn, missing: u32 },
}

/// Something that waits for a hyperparameter's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Waiter {
    Module(ModuleId),
    Dependent(HyperId),
    Constraint(ConstraintId),
}

pub(crate) struct HyperRecord {
    pub kind: HyperKind,
    pub value: Option<Value>,
    /// How the path is formed (explicitly, or from its first use).
    pub name: HyperName,
    /// Used by a live module, carrier, constraint or live dependent.
    pub live: bool,
    /// In the frontier heap right now.
    pub queued: bool,
    pub waiters: SmallVec<[Waiter; 2]>,
    /// The substitution module whose firing created it (for counting).
    pub origin: Option<ModuleId>,
    /// Its value was read by a substitution, constraint or structural dependent.
    pub read_structurally: bool,
}

#[derive(Clone)]
pub(crate) enum ParamSlot {
    Const(Value),
    Hyper(HyperId),
}

#[derive(Clone)]
pub(crate) enum ModuleKind {
    Basic {
        op: Name,
        /// Inline for up to two parameters: saves an allocation and a free
        /// per module each time a space is copied and recycled.
        params: SmallVec<[(Name, ParamSlot); 2]>,
    },
    Identity,
    Substitution {
        function: Option<SubstitutionFn>,
        hypers: SmallVec<[(Name, HyperId); 2]>,
        missing: u32,
        allow_input_subset: bool,
        allow_output_subset: bool,
    },
    Carrier {
        hypers: Vec<(Name, HyperId)>,
    },
}

/// How a hyperparameter's path is rendered; rendered only when asked.
#[derive(Clone, Debug)]
pub(crate) enum HyperName {
    Unnamed,
    Scoped { scope: ScopeId, name: Name },
    Param { module: ModuleId, param: Name },
    Arg { dependent: HyperId, index: u32 },
}

pub(crate) struct ModuleRecord {
    pub scope: ScopeId,
    pub name: Name,
    pub kind: ModuleKind,
    pub inputs: SmallVec<[InputId; 2]>,
    pub outputs: SmallVec<[OutputId; 1]>,
    /// False once a substitution module has fired.
    pub alive: bool,
    /// The substitution module whose firing created it.
    pub origin: Option<ModuleId>,
}

#[derive(Clone)]
pub(crate) struct InputRecord {
    pub module: ModuleId,
    pub name: Name,
    pub source: Option<OutputId>,
    /// Set when the owning substitution module fired: the port now lives there.
    pub forward: Forward<InputId>,
}

pub(crate) struct OutputRecord {
    pub module: ModuleId,
    pub name: Name,
    pub consumers: SmallVec<[InputId; 2]>,
    pub forward: Forward<OutputId>,
}

#[derive(Clone, Copy)]
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

// Records are copied whenever a space is copied from a template. `SmallVec`'s
// own `Clone` goes element by element through an iterator; for the `Copy`
// IDs below, `from_slice` copies the inline buffer at once.

impl Clone for HyperKind {
    #[inline]
    fn clone(&self) -> Self {
        match self {
            HyperKind::Independent { domain } => HyperKind::Independent { domain: domain.clone() },
            HyperKind::Dependent { deps, function, missing } => {
                HyperKind::Dependent { deps: SmallVec::from_slice(deps), function: function.clone(), missing: *missing }
            }
        }
    }
}

impl Clone for HyperRecord {
    #[inline]
    fn clone(&self) -> Self {
        let HyperRecord { kind, value, name, live, queued, waiters, origin, read_structurally } = self;
        HyperRecord {
            kind: kind.clone(),
            value: value.clone(),
            name: name.clone(),
            live: *live,
            queued: *queued,
            waiters: SmallVec::from_slice(waiters),
            origin: *origin,
            read_structurally: *read_structurally,
        }
    }
}

impl Clone for ModuleRecord {
    #[inline]
    fn clone(&self) -> Self {
        let ModuleRecord { scope, name, kind, inputs, outputs, alive, origin } = self;
        ModuleRecord {
            scope: *scope,
            name: name.clone(),
            kind: kind.clone(),
            inputs: SmallVec::from_slice(inputs),
            outputs: SmallVec::from_slice(outputs),
            alive: *alive,
            origin: *origin,
        }
    }
}

impl Clone for OutputRecord {
    #[inline]
    fn clone(&self) -> Self {
        let OutputRecord { module, name, consumers, forward } = self;
        OutputRecord {
            module: *module,
            name: name.clone(),
            consumers: SmallVec::from_slice(consumers),
            forward: *forward,
        }
    }
}

pub(crate) type ScopeStack = SmallVec<[ScopeId; 8]>;
