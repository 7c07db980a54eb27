//! The output of lowering: the builder calls of a body with every name
//! resolved, which [`emit`](crate::emit) turns into tokens.

use proc_macro2::{Span, TokenStream};
use syn::{Expr, Ident, Path};

use crate::ast::{ChoiceKind, Combinator};

/// The builder calls of one body, in order, and its border.
pub struct Plan {
    pub steps: Vec<Step>,
    pub inputs: Vec<Exposure>,
    pub outputs: Vec<Exposure>,
}

/// A port of the border: its name, its method on the sub-space's port set,
/// and the module port behind it.
pub struct Exposure {
    pub name: String,
    pub method: Ident,
    pub port: PortRef,
    /// False for an exposure with a mistake: its name stays a port of the
    /// sub-space (callers still type-check), but the border leaves it out.
    pub in_border: bool,
    /// False for a name exposed before (a mistake already reported): the
    /// port set has one method per name.
    pub in_port_set: bool,
}

/// One builder call.
pub enum Step {
    /// A hyperparameter argument of a sub-space, bound once per instance.
    BindParam(Ident),
    /// `prev` of an iterate factory: the previous `Io` as a module.
    BindPrevious(Ident),
    Choice {
        name: Ident,
        /// `choice`, `shared` or `global`: where rustc points at a value it cannot take.
        keyword: Ident,
        kind: ChoiceKind,
        values: Vec<Expr>,
    },
    Dependent {
        name: Ident,
        deps: Vec<Ident>,
        reads: Vec<Read>,
        body: Expr,
    },
    Constraint {
        name: Ident,
        deps: Vec<Ident>,
        reads: Vec<Read>,
        body: Expr,
    },
    Module {
        name: Ident,
        build: Build,
    },
    Connect {
        /// The `connect` keyword: where rustc points at the call.
        at: Span,
        from: PortRef,
        to: PortRef,
    },
    FanIn {
        from: Vec<PortRef>,
        to: Ident,
    },
    /// `reject!(condition, reason)` in a substitution's body.
    Reject {
        condition: Expr,
        reason: Expr,
    },
    /// The typed wiring check of a module built by an op constructor or a
    /// sub-space: every port it has must be among `uses`.
    Wired {
        module: Ident,
        uses: Vec<PortUse>,
    },
}

/// How a body wires a port of a typed module.
#[derive(Clone)]
pub enum PortUse {
    /// Connected from, or exposed as an output.
    Used(PortRef),
    /// Connected to, or exposed as an input.
    Fed(PortRef),
    /// The target of a fan-in: every input.
    FanIn,
}

/// A typed read of a hyperparameter value inside a closure.
pub struct Read {
    pub name: Ident,
    pub ty: TokenStream,
}

/// `module.port()` in the expansion.
#[derive(Clone)]
pub struct PortRef {
    pub module: Ident,
    /// The method (raw identifier for keywords such as `in`).
    pub method: Ident,
}

/// How a module is built.
pub enum Build {
    /// `place(s, name, callee(args))`: op constructors, sub-spaces, factories.
    Place {
        callee: Path,
        args: Vec<ArgPlan>,
    },
    /// A factory parameter called as a module.
    CallFactory(Ident),
    /// A combine-factory parameter called with the number of inputs.
    CallCombine(Ident, Box<ArgPlan>),
    Identity(Span),
    Combinator {
        keyword: Ident,
        kind: Combinator,
        args: Vec<ArgPlan>,
    },
    /// `select(idx, [..])`; without `idx`, a fresh decision over the sources.
    Select {
        keyword: Ident,
        idx: Option<ArgPlan>,
        sources: Vec<PortRef>,
    },
    /// `unused(|k| .., [..])`.
    Unused {
        keyword: Ident,
        combine: FactoryPlan,
        states: Vec<PortRef>,
    },
    /// `dag(..)`: its options by name.
    Dag {
        keyword: Ident,
        options: Vec<(String, ArgPlan)>,
    },
    /// `or_named(..)`.
    OrNamed {
        keyword: Ident,
        idx: Option<ArgPlan>,
        alternatives: Vec<(String, FactoryPlan)>,
    },
    /// `substitution(|a: T, ..| ..)`: the hyperparameters it reads, how
    /// each value is read, and what it builds.
    Substitution {
        keyword: Ident,
        deps: Vec<Ident>,
        reads: Vec<Read>,
        body: FactoryPlan,
    },
    /// `sharing(key, || module)`.
    Sharing {
        keyword: Ident,
        key: Expr,
        inner: Box<Build>,
    },
    /// `stack(n, || module)`.
    Stack {
        keyword: Ident,
        count: Expr,
        inner: Box<Build>,
    },
}

/// An argument, lowered.
pub enum ArgPlan {
    /// A hyperparameter binding, passed as `Param`.
    Hyper(Ident),
    /// A sub-space parameter, cloned (the builder closure runs many times).
    Clone(Ident),
    /// A fresh anonymous choice, and where it is written.
    Choice(Span, Vec<Expr>),
    /// A factory closure.
    Factory(FactoryPlan),
    /// Any other Rust expression.
    Verbatim(Expr),
}

/// A factory closure: captures to clone, its parameter, its body.
pub struct FactoryPlan {
    /// The closure's bars: where rustc points at a factory of the wrong kind.
    pub bar: Span,
    pub captures: Vec<Ident>,
    /// `nested_repeat`'s iterate: the parameter is the previous `Io`, bound as a module.
    pub iterate: bool,
    pub param: Option<Ident>,
    /// Further parameters (a cell's edge factory `|from, to, value|`).
    pub more: Vec<Ident>,
    pub body: FactoryPlanBody,
}

/// One module, or a body of its own.
pub enum FactoryPlanBody {
    Module(Box<Build>),
    Block(Plan),
}

impl Build {
    /// Whether the module has typed ports that rustc checks (an op
    /// constructor, a sub-space, or a share frame or stack of one).
    pub fn is_typed(&self) -> bool {
        match self {
            Build::Place { .. } | Build::CallCombine(..) => true,
            Build::Sharing { inner, .. } | Build::Stack { inner, .. } => inner.is_typed(),
            _ => false,
        }
    }
}
