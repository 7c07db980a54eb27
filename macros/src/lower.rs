//! Stage 3: a checked syntax tree → a [`Plan`]: the builder calls to make,
//! with every name resolved (hyperparameter, module, parameter, value type).

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::{Expr, Ident, Path};

use crate::ast::{
    Arg, Binding, Body, ChoiceKind, Closure, Combinator, FactoryBody, ModuleExpr, ParamRole, SpaceFn, Stmt,
};
use crate::scope::{Kind, Ports, Scopes, ValueType};

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
}

/// One builder call.
pub enum Step {
    /// A hyperparameter argument of a sub-space, bound once per instance.
    BindParam(Ident),
    /// `prev` of an iterate factory: the previous `Io` as a module.
    BindPrevious(Ident),
    Choice {
        name: Ident,
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
        from: PortRef,
        to: PortRef,
    },
    FanIn {
        from: Vec<PortRef>,
        to: Ident,
    },
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
}

/// An argument, lowered.
pub enum ArgPlan {
    /// A hyperparameter binding, passed as `Param`.
    Hyper(Ident),
    /// A sub-space parameter, cloned (the builder closure runs many times).
    Clone(Ident),
    /// A fresh anonymous choice.
    Choice(Vec<Expr>),
    /// A factory closure.
    Factory(FactoryPlan),
    /// Any other Rust expression.
    Verbatim(Expr),
}

/// A factory closure: captures to clone, its parameter, its body.
pub struct FactoryPlan {
    pub captures: Vec<Ident>,
    /// `nested_repeat`'s iterate: the parameter is the previous `Io`, bound as a module.
    pub iterate: bool,
    pub param: Option<Ident>,
    pub body: FactoryPlanBody,
}

/// One module, or a body of its own.
pub enum FactoryPlanBody {
    Module(Box<Build>),
    Block(Plan),
}

struct Lowerer {
    scopes: Scopes,
    /// Sub-space parameters that are not hyperparameters: cloned into closures.
    captures: Vec<Ident>,
}

/// Lowers the body of `search_space! { .. }`.
pub fn lower_inline(body: &Body) -> Plan {
    let mut lowerer = Lowerer { scopes: Scopes::default(), captures: Vec::new() };
    lowerer.scopes.push(true);
    lowerer.body(body, Vec::new())
}

/// Lowers a `#[search_space]` function's body.
pub fn lower_fn(f: &SpaceFn) -> Plan {
    let mut lowerer = Lowerer { scopes: Scopes::default(), captures: Vec::new() };
    lowerer.scopes.push(true);
    let mut prelude = Vec::new();
    for param in &f.params {
        match param.role {
            ParamRole::Hyper => {
                lowerer.scopes.bind(&param.name, Kind::Hyper(None));
                prelude.push(Step::BindParam(param.name.clone()));
            }
            role => {
                lowerer.scopes.bind(&param.name, Kind::Value(role));
                lowerer.captures.push(param.name.clone());
            }
        }
    }
    lowerer.body(&f.body, prelude)
}

impl Lowerer {
    fn body(&mut self, body: &Body, mut steps: Vec<Step>) -> Plan {
        for stmt in &body.stmts {
            match stmt {
                Stmt::Let(binding) => {
                    let name = binding.name.clone();
                    let (step, kind) = match &binding.value {
                        Binding::Choice(domain) => {
                            let ty = crate::check::check_domain(&mut crate::ctxt::Ctxt::new(), domain);
                            (
                                Step::Choice { name: name.clone(), kind: domain.kind, values: domain.values.clone() },
                                Kind::Hyper(ty),
                            )
                        }
                        Binding::Dependent(closure) => {
                            let (deps, reads) = self.reads(closure);
                            (
                                Step::Dependent { name: name.clone(), deps, reads, body: closure.body.clone() },
                                Kind::Hyper(None),
                            )
                        }
                        Binding::Constraint(closure) => {
                            let (deps, reads) = self.reads(closure);
                            (
                                Step::Constraint { name: name.clone(), deps, reads, body: closure.body.clone() },
                                Kind::Constraint,
                            )
                        }
                        Binding::Module(module) => (
                            Step::Module { name: name.clone(), build: self.module(module) },
                            Kind::Module(Ports::Typed, 0),
                        ),
                    };
                    steps.push(step);
                    self.scopes.bind(&name, kind);
                }
                Stmt::Connect(connect) => {
                    let fan_in = connect.from.len() > 1 || connect.to.iter().any(|t| t.port.is_none());
                    let from: Vec<PortRef> = connect.from.iter().filter_map(port_ref).collect();
                    if fan_in {
                        if let Some(target) = connect.to.first() {
                            steps.push(Step::FanIn { from, to: target.module.clone() });
                        }
                    } else {
                        for source in &from {
                            for target in connect.to.iter().filter_map(port_ref) {
                                steps.push(Step::Connect { from: source.clone(), to: target });
                            }
                        }
                    }
                }
            }
        }
        let exposed = |list: &[crate::ast::Exposed]| -> Vec<Exposure> {
            list.iter()
                .filter_map(|e| {
                    let name = e.name()?;
                    Some(Exposure { name: unraw(name), method: port_method(name), port: port_ref(&e.end)? })
                })
                .collect()
        };
        let (inputs, outputs) = match &body.expose {
            Some(expose) => (exposed(&expose.inputs), exposed(&expose.outputs)),
            None => (Vec::new(), Vec::new()),
        };
        Plan { steps, inputs, outputs }
    }

    fn reads(&self, closure: &Closure) -> (Vec<Ident>, Vec<Read>) {
        let deps: Vec<Ident> = match &closure.receiver {
            Some(receiver) => vec![receiver.clone()],
            None => closure.params.iter().map(|p| p.name.clone()).collect(),
        };
        let reads = closure
            .params
            .iter()
            .zip(&deps)
            .map(|(param, dep)| {
                let ty = match (&param.ty, self.scopes.find(dep).map(|f| f.kind)) {
                    (Some(ty), _) => quote!(#ty),
                    (None, Some(Kind::Hyper(Some(ValueType::Int)))) => quote!(i64),
                    (None, Some(Kind::Hyper(Some(ValueType::Float)))) => quote!(f64),
                    (None, Some(Kind::Hyper(Some(ValueType::Bool)))) => quote!(bool),
                    (None, Some(Kind::Hyper(Some(ValueType::Str)))) => quote!(::std::string::String),
                    (None, _) => quote!(::archspace::__private::Value),
                };
                Read { name: param.name.clone(), ty }
            })
            .collect();
        (deps, reads)
    }

    fn module(&mut self, module: &ModuleExpr) -> Build {
        match module {
            ModuleExpr::Identity(keyword) => Build::Identity(keyword.span()),
            ModuleExpr::Combinator { keyword, kind, args } => {
                let iterate = *kind == Combinator::NestedRepeat;
                let args = args.iter().enumerate().map(|(i, a)| self.factory_or_arg(a, iterate && i == 2)).collect();
                Build::Combinator { keyword: keyword.clone(), kind: *kind, args }
            }
            ModuleExpr::Call { callee, args } => {
                if let Some(name) = callee.get_ident() {
                    match self.scopes.find(name).map(|f| f.kind) {
                        Some(Kind::Value(ParamRole::Factory)) => return Build::CallFactory(name.clone()),
                        Some(Kind::Value(ParamRole::Combine)) => {
                            let arg = args
                                .first()
                                .map(|a| self.arg(a))
                                .unwrap_or_else(|| ArgPlan::Verbatim(syn::parse_quote!(1)));
                            return Build::CallCombine(name.clone(), Box::new(arg));
                        }
                        _ => {}
                    }
                }
                Build::Place { callee: callee.clone(), args: args.iter().map(|a| self.arg(a)).collect() }
            }
        }
    }

    fn factory_or_arg(&mut self, arg: &Arg, iterate: bool) -> ArgPlan {
        match (arg, iterate) {
            (Arg::Factory(factory), true) => {
                self.scopes.push(true);
                let mut steps = Vec::new();
                if let Some(prev) = &factory.param {
                    self.scopes.bind(prev, Kind::Module(Ports::Siso, 0));
                    steps.push(Step::BindPrevious(prev.clone()));
                }
                let body = match &factory.body {
                    FactoryBody::Block(body) => FactoryPlanBody::Block(self.body(body, steps)),
                    FactoryBody::Module(module) => FactoryPlanBody::Module(Box::new(self.module(module))),
                };
                self.scopes.pop();
                ArgPlan::Factory(FactoryPlan {
                    captures: self.captures.clone(),
                    iterate: true,
                    param: factory.param.clone(),
                    body,
                })
            }
            _ => self.arg(arg),
        }
    }

    fn arg(&mut self, arg: &Arg) -> ArgPlan {
        match arg {
            Arg::Choice(domain) => ArgPlan::Choice(domain.values.clone()),
            Arg::Expr(expr) => {
                if let Expr::Path(path) = expr
                    && let Some(name) = path.path.get_ident()
                {
                    match self.scopes.find(name).map(|f| f.kind) {
                        Some(Kind::Hyper(_)) => return ArgPlan::Hyper(name.clone()),
                        Some(Kind::Value(_)) => return ArgPlan::Clone(name.clone()),
                        _ => {}
                    }
                }
                ArgPlan::Verbatim(expr.clone())
            }
            Arg::Factory(factory) => {
                self.scopes.push(true);
                if let Some(param) = &factory.param {
                    self.scopes.bind(param, Kind::Local);
                }
                let body = match &factory.body {
                    FactoryBody::Module(module) => FactoryPlanBody::Module(Box::new(self.module(module))),
                    FactoryBody::Block(body) => {
                        self.scopes.push(true);
                        let plan = self.body(body, Vec::new());
                        self.scopes.pop();
                        FactoryPlanBody::Block(plan)
                    }
                };
                self.scopes.pop();
                ArgPlan::Factory(FactoryPlan {
                    captures: self.captures.clone(),
                    iterate: false,
                    param: factory.param.clone(),
                    body,
                })
            }
        }
    }
}

/// `a.port` → `a.port()`; `None` for a bare module.
fn port_ref(end: &crate::ast::Endpoint) -> Option<PortRef> {
    let port = end.port.as_ref()?;
    Some(PortRef { module: end.module.clone(), method: port_method(port) })
}

/// A port's method: a raw identifier where the name is a keyword (`in`).
pub fn port_method(port: &Ident) -> Ident {
    let name = unraw(port);
    const RAW_OK: &[&str] = &[
        "as", "break", "const", "continue", "else", "enum", "extern", "false", "fn", "for", "if", "impl", "in", "let",
        "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "static", "struct", "trait", "true", "type",
        "unsafe", "use", "where", "while", "async", "await", "dyn", "abstract", "become", "box", "do", "final",
        "macro", "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
    ];
    if RAW_OK.contains(&name.as_str()) { Ident::new_raw(&name, port.span()) } else { port.clone() }
}

/// The name without a leading `r#`.
pub fn unraw(ident: &Ident) -> String {
    let text = ident.to_string();
    text.strip_prefix("r#").map(str::to_owned).unwrap_or(text)
}
