//! The syntax tree of the DSL, as parsed (no meaning attached yet).

use proc_macro2::Span;
use syn::{Attribute, Expr, Ident, Path, Signature, Type, Visibility};

/// A `#[search_space]` function: its signature and its body.
pub struct SpaceFn {
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub sig: Signature,
    pub params: Vec<FnParam>,
    pub body: Body,
}

/// A parameter of a `#[search_space]` function.
pub struct FnParam {
    pub name: Ident,
    pub role: ParamRole,
}

/// What a function parameter is to the DSL, read from its type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamRole {
    /// `Param`: a hyperparameter, bound once per instance.
    Hyper,
    /// `Factory`: a sub-space factory, called as `name()`.
    Factory,
    /// `CombineFactory`: a combine factory, called as `name(k)`.
    Combine,
    /// Any other Rust value, passed through.
    Plain,
}

/// A sequence of statements ending with `expose!(..)`.
pub struct Body {
    pub stmts: Vec<Stmt>,
    pub expose: Option<Expose>,
    /// Where a missing `expose!` is reported.
    pub end: Span,
}

/// One statement.
pub enum Stmt {
    Let(Box<Let>),
    Connect(Connect),
    /// `reject!(condition, "reason")`, in the body of a `substitution`.
    Reject(Box<Reject>),
    /// A statement that did not parse: its error, and what checking the
    /// rest needs to know of it.
    Broken(Broken),
}

/// `reject!(condition, "reason")`: the substitution is invalid when the
/// condition (a Rust expression over its values) holds.
pub struct Reject {
    pub keyword: Ident,
    pub condition: Expr,
    pub reason: Expr,
}

/// A statement that did not parse.
pub struct Broken {
    pub error: syn::Error,
    pub kind: BrokenKind,
    /// Every identifier in the statement's tokens: the modules it would
    /// have wired are spared follow-on errors.
    pub mentions: Vec<Ident>,
}

/// What a statement that did not parse was meant to be.
pub enum BrokenKind {
    /// `let name = ..`: the name is known, its value is not.
    Let(Option<Ident>),
    /// `connect!(..)` or anything else that binds no name.
    Other,
    /// `expose!(..)`: the border is unknown.
    Expose,
}

/// `let name = value;`
pub struct Let {
    pub name: Ident,
    pub value: Binding,
}

/// The right-hand side of a `let`.
pub enum Binding {
    /// `choice([..])`, `shared([..])` or `global([..])`.
    Choice(DomainLit),
    /// `x.map(|v: T| ..)` or `dependent(|a: T, b: U| ..)`.
    Dependent(Closure),
    /// `constraint(|a: T, b: U| ..)`.
    Constraint(Closure),
    /// Anything that builds a module.
    Module(ModuleExpr),
}

/// `choice([..])` / `shared([..])` / `global([..])`.
pub struct DomainLit {
    pub keyword: Ident,
    pub kind: ChoiceKind,
    pub bracket: Span,
    pub values: Vec<Expr>,
}

/// How a hyperparameter given by its domain is made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChoiceKind {
    /// `choice([..])`: a hyperparameter of this scope.
    Choice,
    /// `shared([..])`: named, shared with every sub-space that names it.
    Shared,
    /// `global([..])`: a hyperparameter of this scope that no module reads,
    /// carried into the architecture's globals (a learning rate).
    Global,
}

/// A closure over hyperparameters (dependent or constraint).
pub struct Closure {
    pub keyword: Ident,
    /// `x` in `x.map(..)`.
    pub receiver: Option<Ident>,
    pub params: Vec<ClosureParam>,
    pub body: Expr,
}

/// `name` or `name: Type` in a closure's parameter list.
pub struct ClosureParam {
    pub name: Ident,
    pub ty: Option<Type>,
}

/// An expression that builds a module.
pub enum ModuleExpr {
    /// A combinator of `core`: `repeat(n, || ..)`, `or(|| .., || ..)`, …
    Combinator { keyword: Ident, kind: Combinator, args: Vec<Arg> },
    /// `identity()`.
    Identity(Ident),
    /// An op constructor, a `#[search_space]` function or a factory parameter.
    Call { callee: Path, args: Vec<Arg> },
    /// `select([a.out, ..])` or `select(idx, [a.out, ..])`: one of the
    /// outputs, chosen by a hyperparameter.
    Select { keyword: Ident, idx: Option<Arg>, sources: Vec<Endpoint>, bracket: Span },
    /// `unused(|k| combine, [a.out, ..])`: the outputs no selection took, combined.
    Unused { keyword: Ident, combine: Box<Factory>, states: Vec<Endpoint>, bracket: Span },
    /// `dag(nodes = 5, node = |v| .., ..)`: an edge-flag cell.
    Dag { keyword: Ident, options: Vec<NamedArg> },
    /// `or_named(relu = || .., tanh = || ..)` or `or_named(idx, relu = .., ..)`.
    OrNamed { keyword: Ident, idx: Option<Arg>, alternatives: Vec<NamedArg> },
    /// `substitution(|a: T, b: U| module-or-block)`: a substitution module
    /// of the user's, over the hyperparameters its parameters name.
    Substitution { keyword: Ident, params: Vec<ClosureParam>, body: Box<FactoryBody> },
    /// `sharing(key, || module)`: a share frame around a module.
    Sharing { keyword: Ident, key: Expr, factory: Box<Factory> },
    /// `stack(n, || module)`: `n` copies of a multi-port module in a row.
    Stack { keyword: Ident, count: Expr, factory: Box<Factory> },
}

/// `name = value` in the arguments of `dag` or `or_named`.
pub struct NamedArg {
    pub name: Ident,
    pub value: Arg,
}

/// The combinators the DSL knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Combinator {
    Repeat,
    Optional,
    Or,
    OrWith,
    Permutation,
    SplitCombine,
    Residual,
    Sequential,
    DenseBlock,
    NestedRepeat,
}

impl Combinator {
    /// The keyword for `name`, if it is one.
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "repeat" => Combinator::Repeat,
            "optional" => Combinator::Optional,
            "or" => Combinator::Or,
            "or_with" => Combinator::OrWith,
            "permutation" => Combinator::Permutation,
            "split_combine" => Combinator::SplitCombine,
            "residual" => Combinator::Residual,
            "sequential" => Combinator::Sequential,
            "dense_block" => Combinator::DenseBlock,
            "nested_repeat" => Combinator::NestedRepeat,
            _ => return None,
        })
    }
}

/// An argument of a module expression.
pub enum Arg {
    /// `|| ..` or `|k| ..`.
    Factory(Factory),
    /// An inline `choice([..])`: a fresh hyperparameter per use.
    Choice(DomainLit),
    /// Anything else: a binding or a Rust expression.
    Expr(Expr),
}

/// A factory closure: builds a fresh sub-graph each time it is called.
pub struct Factory {
    pub bar: Span,
    /// The parameter of a combine factory (`|k|`) or of `nested_repeat`'s
    /// iterate (`|prev|`).
    pub param: Option<Ident>,
    /// Further parameters: a cell's edge factory `|from, to, value|`.
    pub more: Vec<Ident>,
    pub body: FactoryBody,
}

/// A factory's body: one module, or a block of statements.
pub enum FactoryBody {
    Module(Box<ModuleExpr>),
    Block(Body),
}

/// `connect!(a.out -> b.in, c.in)` or `connect!(a.out, b.out -> cat)`.
pub struct Connect {
    pub keyword: Ident,
    pub from: Vec<Endpoint>,
    pub to: Vec<Endpoint>,
}

/// `module.port`, or a bare `module` (the target of a fan-in).
#[derive(Clone)]
pub struct Endpoint {
    pub module: Ident,
    pub port: Option<Ident>,
}

/// `expose!(inputs -> outputs)`.
pub struct Expose {
    pub keyword: Ident,
    pub inputs: Vec<Exposed>,
    pub outputs: Vec<Exposed>,
}

/// `name = module.port` or `module.port`.
pub struct Exposed {
    pub alias: Option<Ident>,
    pub end: Endpoint,
}

impl Exposed {
    /// The exposed name and where it is written.
    pub fn name(&self) -> Option<&Ident> {
        self.alias.as_ref().or(self.end.port.as_ref())
    }
}

/// The name an identifier stands for, without a leading `r#`: `r#in` and
/// `in` are one name, and paths and decisions say `in`.
pub fn unraw(ident: &Ident) -> String {
    let text = ident.to_string();
    match text.strip_prefix("r#") {
        Some(name) => name.to_owned(),
        None => text,
    }
}
