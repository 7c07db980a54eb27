//! The one error type of the core language.

use thiserror::Error;

use crate::value::Value;

/// Why a combination of decisions does not give a valid architecture.
///
/// Returned (inside [`SpecError::Invalid`]) by a substitution that rejects its
/// values or by a declared constraint. Searchers treat it as "resample", not
/// as a bug in the space.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invalid {
    /// Path of the substitution module or constraint that rejected.
    pub path: String,
    /// The reason, in words.
    pub reason: String,
}

impl Invalid {
    /// An invalid outcome with a reason; the engine fills in the path.
    pub fn new(reason: impl Into<String>) -> Self {
        Invalid { path: String::new(), reason: reason.into() }
    }
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "invalid architecture at `{}`: {}", self.path, self.reason)
    }
}

/// Every misuse of the core language, and the `Invalid` outcome.
///
/// Each variant names the module, port or hyperparameter path involved.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum SpecError {
    /// A substitution or constraint rejected the combination of values.
    #[error("{0}")]
    Invalid(Invalid),
    /// An input was connected a second time.
    #[error("input `{input}` is already connected (from `{existing}`); an input has exactly one source")]
    InputAlreadyConnected {
        /// Path of the input port.
        input: String,
        /// Path of the output that already feeds it.
        existing: String,
    },
    /// A port name that the module does not have.
    #[error("unknown {direction} port `{port}` on `{module}`; expected one of: {available}")]
    UnknownPort {
        /// `input` or `output`.
        direction: &'static str,
        /// The name asked for.
        port: String,
        /// The module (or sub-space) asked.
        module: String,
        /// The names it has.
        available: String,
    },
    /// A port that a substitution removed (a subset substitution dropped it).
    #[error("port `{port}` was removed when `{module}` was substituted")]
    PortRemoved {
        /// The port.
        port: String,
        /// The substitution module.
        module: String,
    },
    /// The connections form a cycle.
    #[error("the modules form a cycle: {}", cycle.join(" -> "))]
    Cycle {
        /// Paths of the modules on the cycle.
        cycle: Vec<String>,
    },
    /// An input that is neither connected nor a border input of the space.
    #[error("input `{input}` is not connected and is not an input of the space")]
    DanglingInput {
        /// Path of the input port.
        input: String,
    },
    /// A module whose outputs reach no output of the space.
    #[error("module `{module}` does not reach any output of the space")]
    UnreachableModule {
        /// Path of the module.
        module: String,
    },
    /// A border input of the space that is also connected from inside.
    #[error("space input `{input}` is also connected from `{source_port}`")]
    BorderInputConnected {
        /// Path of the input port.
        input: String,
        /// The output feeding it.
        source_port: String,
    },
    /// A value outside the hyperparameter's domain.
    #[error("value {value} is not in the domain of `{path}` ({domain})")]
    ValueOutsideDomain {
        /// The hyperparameter.
        path: String,
        /// The value offered.
        value: Value,
        /// The domain, in words.
        domain: String,
    },
    /// A value of the right type but unusable where it is read (e.g. a repeat count of 0).
    #[error("bad value {value} for `{path}`: {expected}")]
    BadValue {
        /// The hyperparameter or parameter.
        path: String,
        /// The value.
        value: Value,
        /// What was expected.
        expected: String,
    },
    /// An assignment to a hyperparameter that already has a value.
    #[error("hyperparameter `{path}` is already assigned")]
    AlreadyAssigned {
        /// The hyperparameter.
        path: String,
    },
    /// An assignment to a dependent hyperparameter.
    #[error("hyperparameter `{path}` is dependent; only independent ones are decisions")]
    NotADecision {
        /// The hyperparameter.
        path: String,
    },
    /// An empty domain.
    #[error("the domain of `{path}` is empty")]
    EmptyDomain {
        /// The hyperparameter.
        path: String,
    },
    /// A domain mixing value types.
    #[error("the domain of `{path}` mixes {first} and {other} values")]
    MixedDomain {
        /// The hyperparameter.
        path: String,
        /// Type of the first value.
        first: &'static str,
        /// The other type found.
        other: &'static str,
    },
    /// A domain listing a value twice.
    #[error("the domain of `{path}` lists {value} twice")]
    DuplicateValue {
        /// The hyperparameter.
        path: String,
        /// The repeated value.
        value: Value,
    },
    /// Two elements with the same path.
    #[error("the name `{path}` is already used")]
    DuplicateName {
        /// The path.
        path: String,
    },
    /// A name that cannot be a path segment.
    #[error("the name `{name}` is not allowed: names are non-empty and contain no `/`")]
    BadName {
        /// The name.
        name: String,
    },
    /// A named shared hyperparameter asked for again with another domain.
    #[error("shared hyperparameter `{path}` was declared with another domain")]
    SharedDomainMismatch {
        /// The shared hyperparameter.
        path: String,
    },
    /// An identifier that does not belong to this space.
    #[error("{kind} id {index} does not belong to this space")]
    UnknownId {
        /// `module`, `input`, `output` or `hyperparameter`.
        kind: &'static str,
        /// The raw index.
        index: u32,
    },
    /// A dependent hyperparameter's function failed.
    #[error("dependent hyperparameter `{path}` could not be computed: {message}")]
    DependentFailed {
        /// The dependent hyperparameter.
        path: String,
        /// The function's message.
        message: String,
    },
    /// A substitution returned ports other than the module's.
    #[error("substitution `{module}` returned {direction} ports [{got}], expected [{expected}]")]
    SubstitutionPorts {
        /// The substitution module.
        module: String,
        /// `input` or `output`.
        direction: &'static str,
        /// The names it must return.
        expected: String,
        /// The names it returned.
        got: String,
    },
    /// A substitution returned a border input that is already connected.
    #[error("substitution `{module}` returned input `{port}` already connected inside")]
    SubstitutionInputConnected {
        /// The substitution module.
        module: String,
        /// The port.
        port: String,
    },
    /// Freezing or counting a space that still has unassigned decisions.
    #[error("the space is not fully specified; next decision: `{next}`")]
    Unspecified {
        /// Path of the first unassigned decision.
        next: String,
    },
    /// A replay that does not fit the space.
    #[error("replay does not fit the space at decision {position} (`{path}`): {reason}")]
    ReplayMismatch {
        /// Position in the decision sequence.
        position: usize,
        /// The decision's path (or the recorded path that was not used).
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// The space was used after it became invalid, or while a substitution was running.
    #[error("the space cannot be used now: {reason}")]
    Unusable {
        /// Why.
        reason: String,
    },
    /// The space has no declared border (inputs and outputs).
    #[error("the space has no border: build it with `Space::build` or call `set_border`")]
    NoBorder,
    /// A combinator used with arguments it cannot take.
    #[error("`{combinator}` at `{path}`: {reason}")]
    BadCombinator {
        /// The combinator.
        combinator: &'static str,
        /// Its path.
        path: String,
        /// What is wrong.
        reason: String,
    },
}

impl SpecError {
    /// True for the `Invalid` outcome (a rejected combination, not a misuse).
    pub fn is_invalid(&self) -> bool {
        matches!(self, SpecError::Invalid(_))
    }

    /// Fills an empty path (errors raised before the path is known).
    pub(crate) fn with_path(mut self, at: &str) -> Self {
        match &mut self {
            SpecError::EmptyDomain { path }
            | SpecError::MixedDomain { path, .. }
            | SpecError::DuplicateValue { path, .. }
                if path.is_empty() =>
            {
                *path = at.to_owned();
            }
            SpecError::Invalid(inv) if inv.path.is_empty() => inv.path = at.to_owned(),
            SpecError::BadValue { path, .. } | SpecError::BadCombinator { path, .. } if path.is_empty() => {
                *path = at.to_owned();
            }
            _ => {}
        }
        self
    }
}

impl From<Invalid> for SpecError {
    fn from(value: Invalid) -> Self {
        SpecError::Invalid(value)
    }
}
