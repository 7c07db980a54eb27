//! Stage 3: a checked syntax tree → a [`Plan`]: the builder calls to make,
//! with every name resolved (hyperparameter, module, parameter, value type).

use std::collections::HashSet;

use quote::quote;
use syn::{Expr, Ident};

use crate::ast::{Arg, Binding, Body, Closure, Combinator, FactoryBody, ModuleExpr, ParamRole, SpaceFn, Stmt, unraw};
use crate::domain::domain_type;
use crate::lower_wiring::Wiring;
use crate::plan::{ArgPlan, Build, Exposure, FactoryPlan, FactoryPlanBody, Plan, PortRef, Read, Step};
use crate::scope::{Kind, Ports, Scopes, ValueType};
use crate::verdict::Verdicts;

pub(crate) struct Lowerer<'v> {
    pub(crate) scopes: Scopes<'static>,
    /// Sub-space parameters that are not hyperparameters: cloned into closures.
    pub(crate) captures: Vec<Ident>,
    verdicts: &'v Verdicts,
}

/// Lowers the body of `search_space! { .. }`, leaving out what `verdicts` drop.
pub fn lower_inline(body: &Body, verdicts: &Verdicts) -> Plan {
    let mut lowerer = Lowerer { scopes: Scopes::default(), captures: Vec::new(), verdicts };
    lowerer.scopes.push(true);
    lowerer.body(body, Vec::new())
}

/// Lowers a `#[search_space]` function's body, leaving out what `verdicts` drop.
pub fn lower_fn(f: &SpaceFn, verdicts: &Verdicts) -> Plan {
    let mut lowerer = Lowerer { scopes: Scopes::default(), captures: Vec::new(), verdicts };
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

impl Lowerer<'_> {
    fn body(&mut self, body: &Body, mut steps: Vec<Step>) -> Plan {
        let mut wiring = Wiring::default();
        for stmt in &body.stmts {
            match stmt {
                Stmt::Let(binding) if !self.verdicts.is_dropped(&**binding) => {
                    let name = binding.name.clone();
                    wiring.forget(&name);
                    let (step, kind) = match &binding.value {
                        Binding::Choice(domain) => {
                            let ty = domain_type(domain);
                            (
                                Step::Choice {
                                    name: name.clone(),
                                    keyword: domain.keyword.clone(),
                                    kind: domain.kind,
                                    values: domain.values.clone(),
                                },
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
                        Binding::Module(module) => {
                            let build = self.module(module);
                            if let Build::Select { sources: listed, .. } | Build::Unused { states: listed, .. } = &build
                            {
                                for source in listed {
                                    wiring.port(source, true);
                                }
                            }
                            let typed = build.is_typed();
                            if typed && !self.verdicts.is_unwired(&**binding) {
                                wiring.track(&name);
                            }
                            (Step::Module { name: name.clone(), build }, Kind::Module(Ports::Typed, 0))
                        }
                    };
                    steps.push(step);
                    self.scopes.bind(&name, kind);
                }
                Stmt::Reject(reject) if !self.verdicts.is_dropped(&**reject) => {
                    steps.push(Step::Reject { condition: reject.condition.clone(), reason: reject.reason.clone() });
                }
                Stmt::Connect(connect) if !self.verdicts.is_dropped(connect) => {
                    let fan_in = connect.from.len() > 1 || connect.to.iter().any(|t| t.port.is_none());
                    let from: Vec<PortRef> = connect.from.iter().filter_map(port_ref).collect();
                    for source in &from {
                        wiring.port(source, true);
                    }
                    if fan_in {
                        if let Some(target) = connect.to.first() {
                            wiring.fan_in(&target.module);
                            steps.push(Step::FanIn { from, to: target.module.clone() });
                        }
                    } else {
                        for target in connect.to.iter().filter_map(port_ref) {
                            wiring.port(&target, false);
                            for source in &from {
                                steps.push(Step::Connect {
                                    at: connect.keyword.span(),
                                    from: source.clone(),
                                    to: target.clone(),
                                });
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        let mut names: HashSet<String> = HashSet::new();
        let mut exposed = |list: &[crate::ast::Exposed], used: bool, wiring: &mut Wiring| -> Vec<Exposure> {
            list.iter()
                .filter_map(|e| {
                    let name = e.name()?;
                    let port = port_ref(&e.end)?;
                    let in_border = !self.verdicts.is_dropped(e);
                    if in_border {
                        wiring.port(&port, used);
                    }
                    let text = unraw(name);
                    let in_port_set = names.insert(text.clone());
                    Some(Exposure { name: text, method: port_method(name), port, in_border, in_port_set })
                })
                .collect()
        };
        let (inputs, outputs) = match &body.expose {
            Some(expose) => (exposed(&expose.inputs, false, &mut wiring), exposed(&expose.outputs, true, &mut wiring)),
            None => (Vec::new(), Vec::new()),
        };
        steps.extend(wiring.steps());
        Plan { steps, inputs, outputs }
    }

    fn reads(&self, closure: &Closure) -> (Vec<Ident>, Vec<Read>) {
        let deps: Vec<Ident> = match &closure.receiver {
            Some(receiver) => vec![receiver.clone()],
            None => closure.params.iter().map(|p| p.name.clone()).collect(),
        };
        (deps.clone(), self.typed_reads(&closure.params, &deps))
    }

    /// How each of `params` reads the value of its hyperparameter in `deps`.
    pub(crate) fn typed_reads(&self, params: &[crate::ast::ClosureParam], deps: &[Ident]) -> Vec<Read> {
        params
            .iter()
            .zip(deps)
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
            .collect()
    }

    pub(crate) fn module(&mut self, module: &ModuleExpr) -> Build {
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
            form => self.form(form),
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
                    bar: factory.bar,
                    captures: self.captures.clone(),
                    iterate: true,
                    param: factory.param.clone(),
                    more: Vec::new(),
                    body,
                })
            }
            _ => self.arg(arg),
        }
    }

    pub(crate) fn arg(&mut self, arg: &Arg) -> ArgPlan {
        match arg {
            Arg::Choice(domain) => ArgPlan::Choice(domain.keyword.span(), domain.values.clone()),
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
            Arg::Factory(factory) => ArgPlan::Factory(self.factory(factory)),
        }
    }
}

impl Lowerer<'_> {
    /// A factory closure: its parameters are Rust values inside.
    pub(crate) fn factory(&mut self, factory: &crate::ast::Factory) -> FactoryPlan {
        self.scopes.push(true);
        for param in factory.param.iter().chain(&factory.more) {
            self.scopes.bind(param, Kind::Local);
        }
        let body = self.factory_body(&factory.body);
        self.scopes.pop();
        FactoryPlan {
            bar: factory.bar,
            captures: self.captures.clone(),
            iterate: false,
            param: factory.param.clone(),
            more: factory.more.clone(),
            body,
        }
    }

    pub(crate) fn factory_body(&mut self, body: &FactoryBody) -> FactoryPlanBody {
        match body {
            FactoryBody::Module(module) => FactoryPlanBody::Module(Box::new(self.module(module))),
            FactoryBody::Block(body) => {
                self.scopes.push(true);
                let plan = self.body(body, Vec::new());
                self.scopes.pop();
                FactoryPlanBody::Block(plan)
            }
        }
    }
}

/// `a.port` → `a.port()`; `None` for a bare module.
pub(crate) fn port_ref(end: &crate::ast::Endpoint) -> Option<PortRef> {
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
