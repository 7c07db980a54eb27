//! Stage 2: the checks that need no types, each anchored on the user's token.
//! Every error of an invocation is recorded; nothing stops at the first.

use syn::spanned::Spanned;
use syn::{Expr, Ident};

use proc_macro2::Span;

use crate::ast::{
    Arg, Binding, Body, Closure, Combinator, DomainLit, Factory, FactoryBody, ModuleExpr, ParamRole, SpaceFn, Stmt,
};
use crate::ctxt::{Ctxt, did_you_mean};
use crate::graph::{Graph, check_connect, check_cycles, check_dangling, check_expose};
use crate::scope::{Kind, Ports, Scopes, ValueType};

/// Checks the body of `search_space! { .. }`.
pub fn check_inline(cx: &mut Ctxt, body: &Body) {
    let mut scopes = Scopes::default();
    scopes.push(true);
    check_body(cx, &mut scopes, body);
}

/// Checks a `#[search_space]` function: its signature, then its body.
pub fn check_fn(cx: &mut Ctxt, attr: &proc_macro2::TokenStream, f: &SpaceFn) {
    if let Some(first) = attr.clone().into_iter().next() {
        cx.error(first.span(), "`#[search_space]` takes no arguments");
    }
    let sig = &f.sig;
    if let Some(token) = &sig.asyncness {
        cx.error(token.span, "a search space function cannot be `async`");
    }
    if let Some(token) = &sig.constness {
        cx.error(token.span, "a search space function cannot be `const`");
    }
    if !sig.generics.params.is_empty() {
        cx.error(sig.generics.span(), "a search space function cannot be generic");
    }
    if let syn::ReturnType::Type(_, ty) = &sig.output {
        let is_space = matches!(&**ty, syn::Type::Path(p) if p.path.is_ident("Space"));
        if !is_space {
            cx.error(ty.span(), "expected `-> Space`: a search space function returns a sub-space");
        }
    }
    let mut scopes = Scopes::default();
    scopes.push(true);
    for param in &f.params {
        let kind = match param.role {
            ParamRole::Hyper => Kind::Hyper(None),
            role => Kind::Value(role),
        };
        if scopes.bind(&param.name, kind).is_some() {
            cx.error(param.name.span(), format!("duplicate name `{}`", param.name));
        }
    }
    check_statements(cx, &mut scopes, &f.body, None);
}

fn check_body(cx: &mut Ctxt, scopes: &mut Scopes, body: &Body) {
    scopes.push(true);
    check_statements(cx, scopes, body, None);
    scopes.pop();
}

/// Checks the statements of a body; `seed` is a module bound before them
/// (the `prev` of `nested_repeat`'s iterate factory).
fn check_statements(cx: &mut Ctxt, scopes: &mut Scopes, body: &Body, seed: Option<&Ident>) {
    let mut graph = Graph::default();
    if let Some(seed) = seed {
        graph.modules.push((seed.clone(), Ports::Siso));
        scopes.bind(seed, Kind::Module(Ports::Siso, 0));
    }
    for stmt in &body.stmts {
        match stmt {
            Stmt::Let(binding) => {
                let kind = match &binding.value {
                    Binding::Choice(domain) => Kind::Hyper(check_domain(cx, domain)),
                    Binding::Dependent(closure) => {
                        check_closure(cx, scopes, closure);
                        Kind::Hyper(None)
                    }
                    Binding::Constraint(closure) => {
                        check_closure(cx, scopes, closure);
                        Kind::Constraint
                    }
                    Binding::Module(module) => {
                        let ports = check_module(cx, scopes, module);
                        graph.modules.push((binding.name.clone(), ports));
                        Kind::Module(ports, graph.modules.len() - 1)
                    }
                };
                if let Some(earlier) = scopes.bind(&binding.name, kind) {
                    cx.error(binding.name.span(), format!("duplicate name `{}`", binding.name));
                    let both = graph.modules.iter().enumerate().filter(|(_, (n, _))| *n == earlier);
                    let indices: Vec<usize> = both.map(|(i, _)| i).collect();
                    graph.erred.extend(indices);
                }
            }
            Stmt::Connect(connect) => check_connect(cx, scopes, &mut graph, connect),
        }
    }
    match &body.expose {
        Some(expose) => check_expose(cx, scopes, &mut graph, expose),
        None => cx.error(body.end, "missing `expose!(inputs -> outputs)` at the end of the space"),
    }
    check_dangling(cx, &graph, body.expose.as_ref());
    check_cycles(cx, &graph);
}

/// Checks a literal domain; returns its value type when the text shows one.
pub fn check_domain(cx: &mut Ctxt, domain: &DomainLit) -> Option<ValueType> {
    if domain.values.is_empty() {
        cx.error(domain.bracket, format!("empty domain: `{}` needs at least one value", domain.keyword));
        return None;
    }
    let mut first: Option<ValueType> = None;
    for value in &domain.values {
        let Some(ty) = literal_type(value) else { continue };
        match first {
            None => first = Some(ty),
            Some(expected) if expected != ty => {
                let text = quote::ToTokens::to_token_stream(value).to_string();
                cx.error(
                    value.span(),
                    format!(
                        "mixed value types in one domain: `{text}` is not like the {} before it",
                        expected.describe()
                    ),
                );
            }
            Some(_) => {}
        }
    }
    first
}

fn literal_type(expr: &Expr) -> Option<ValueType> {
    match expr {
        Expr::Lit(lit) => match &lit.lit {
            syn::Lit::Int(_) => Some(ValueType::Int),
            syn::Lit::Float(_) => Some(ValueType::Float),
            syn::Lit::Bool(_) => Some(ValueType::Bool),
            syn::Lit::Str(_) => Some(ValueType::Str),
            _ => None,
        },
        Expr::Unary(unary) if matches!(unary.op, syn::UnOp::Neg(_)) => literal_type(&unary.expr),
        Expr::Group(group) => literal_type(&group.expr),
        _ => None,
    }
}

fn check_closure(cx: &mut Ctxt, scopes: &Scopes, closure: &Closure) {
    let hypers = || scopes.names_where(|k| matches!(k, Kind::Hyper(_)));
    if let Some(receiver) = &closure.receiver {
        expect_hyper(cx, scopes, receiver, &hypers());
        if closure.params.len() != 1 {
            cx.error(closure.keyword.span(), "`.map` takes a closure of one value: `.map(|v: i64| ..)`");
        }
        return;
    }
    if closure.params.is_empty() {
        cx.error(
            closure.keyword.span(),
            format!("`{}` needs the hyperparameters it reads: `|a, b| ..`", closure.keyword),
        );
    }
    for param in &closure.params {
        expect_hyper(cx, scopes, &param.name, &hypers());
    }
}

fn expect_hyper(cx: &mut Ctxt, scopes: &Scopes, name: &Ident, candidates: &[String]) {
    match scopes.find(name).map(|f| f.kind) {
        Some(Kind::Hyper(_)) => {}
        Some(_) => cx.error(name.span(), format!("`{name}` is not a hyperparameter")),
        None => {
            let hint = did_you_mean(&name.to_string(), candidates.iter().map(String::as_str));
            cx.error(name.span(), format!("unknown hyperparameter `{name}`{hint}"));
        }
    }
}

/// What each argument of a combinator must be.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Slot {
    Param,
    Factory,
    /// `|k| ..`
    Combine,
    /// `|prev| ..`
    Iterate,
}

fn signature(kind: Combinator, n: usize) -> (Vec<Slot>, &'static str) {
    use Slot::{Combine, Factory, Iterate, Param};
    match kind {
        Combinator::Repeat => (vec![Param, Factory], "(num_reps, || module)"),
        Combinator::Optional if n >= 2 => (vec![Param, Factory], "(|| module) or (flag, || module)"),
        Combinator::Optional => (vec![Factory], "(|| module) or (flag, || module)"),
        Combinator::Or => (vec![Factory; n.max(1)], "(|| first, || second, ..)"),
        Combinator::OrWith => {
            let mut slots = vec![Param];
            slots.extend(std::iter::repeat_n(Factory, n.saturating_sub(1).max(1)));
            (slots, "(idx, || first, || second, ..)")
        }
        Combinator::Permutation => (vec![Factory; n.clamp(1, 8)], "(|| first, || second, ..) with 1 to 8 fragments"),
        Combinator::SplitCombine => (vec![Param, Factory, Combine], "(num_splits, || module, |k| combine)"),
        Combinator::Residual => (vec![Factory, Factory, Factory], "(|| main, || residual, || combine)"),
        Combinator::Sequential => (vec![Factory; n.max(1)], "(|| first, || second, ..)"),
        Combinator::DenseBlock => {
            (vec![Param, Param, Factory, Combine], "(num_applies, end_in_combine, || apply, |k| combine)")
        }
        Combinator::NestedRepeat => (vec![Param, Factory, Iterate], "(num_reps, || first, |prev| iterate)"),
    }
}

/// Checks a module expression; returns what is known of its ports.
fn check_module(cx: &mut Ctxt, scopes: &mut Scopes, module: &ModuleExpr) -> Ports {
    match module {
        ModuleExpr::Identity(_) => Ports::Siso,
        ModuleExpr::Combinator { keyword, kind, args } => {
            let (slots, usage) = signature(*kind, args.len());
            if slots.len() != args.len() {
                cx.error(keyword.span(), format!("`{keyword}` takes `{usage}`, got {} arguments", args.len()));
            }
            for (slot, arg) in slots.iter().zip(args) {
                check_arg(cx, scopes, arg, *slot, keyword, usage);
            }
            Ports::Siso
        }
        ModuleExpr::Call { callee, args } => {
            if let Some(name) = callee.get_ident() {
                match scopes.find(name).map(|f| f.kind) {
                    Some(Kind::Value(ParamRole::Factory)) => {
                        if let Some(first) = args.first() {
                            cx.error(arg_span(first), format!("the factory `{name}` takes no arguments"));
                        }
                        return Ports::Siso;
                    }
                    Some(Kind::Value(ParamRole::Combine)) => {
                        if args.len() != 1 {
                            cx.error(
                                name.span(),
                                format!("the combine factory `{name}` takes one argument: `{name}(k)`"),
                            );
                        }
                        return Ports::Typed;
                    }
                    Some(Kind::Module(..)) => {
                        cx.error(name.span(), format!("`{name}` is a module; call an op constructor or a sub-space"));
                    }
                    Some(Kind::Hyper(_) | Kind::Constraint) => {
                        cx.error(name.span(), format!("`{name}` is not an op constructor"));
                    }
                    _ => {}
                }
            }
            for arg in args {
                match arg {
                    Arg::Factory(factory) => check_factory(cx, scopes, factory),
                    Arg::Choice(domain) => {
                        check_domain(cx, domain);
                    }
                    Arg::Expr(expr) => check_value_expr(cx, scopes, expr),
                }
            }
            Ports::Typed
        }
    }
}

fn arg_span(arg: &Arg) -> Span {
    match arg {
        Arg::Factory(f) => f.bar,
        Arg::Choice(d) => d.keyword.span(),
        Arg::Expr(e) => e.span(),
    }
}

fn check_arg(cx: &mut Ctxt, scopes: &mut Scopes, arg: &Arg, slot: Slot, keyword: &Ident, usage: &str) {
    match (slot, arg) {
        (Slot::Param, Arg::Choice(domain)) => {
            check_domain(cx, domain);
        }
        (Slot::Param, Arg::Expr(expr)) => check_value_expr(cx, scopes, expr),
        (Slot::Factory, Arg::Factory(f)) if f.param.is_none() => check_factory(cx, scopes, f),
        (Slot::Combine, Arg::Factory(f)) if f.param.is_some() => check_factory(cx, scopes, f),
        (Slot::Iterate, Arg::Factory(f)) if f.param.is_some() => check_iterate(cx, scopes, f),
        (_, arg) => {
            let expected = match slot {
                Slot::Param => "a hyperparameter or a value",
                Slot::Factory => "a factory `|| module`",
                Slot::Combine => "a combine factory `|k| module`",
                Slot::Iterate => "an iterate factory `|prev| module`",
            };
            cx.error(arg_span(arg), format!("expected {expected} here: `{keyword}` takes `{usage}`"));
        }
    }
}

/// A value argument must not name a module.
fn check_value_expr(cx: &mut Ctxt, scopes: &Scopes, expr: &Expr) {
    if let Expr::Path(path) = expr
        && let Some(name) = path.path.get_ident()
        && let Some(found) = scopes.find(name)
    {
        match found.kind {
            Kind::Module(..) => {
                cx.error(name.span(), format!("`{name}` is a module; expected a hyperparameter or a value"))
            }
            Kind::Constraint => {
                cx.error(name.span(), format!("`{name}` is a constraint; expected a hyperparameter or a value"))
            }
            _ => {}
        }
    }
}

/// `|prev| { ..; expose!(..) }`: a block in which `prev` is a module.
fn check_iterate(cx: &mut Ctxt, scopes: &mut Scopes, factory: &Factory) {
    let (Some(prev), FactoryBody::Block(body)) = (&factory.param, &factory.body) else {
        cx.error(factory.bar, "the iterate factory wires `prev`: `|prev| { ..; expose!(..) }`");
        return;
    };
    scopes.push(true);
    check_statements(cx, scopes, body, Some(prev));
    scopes.pop();
}

fn check_factory(cx: &mut Ctxt, scopes: &mut Scopes, factory: &Factory) {
    scopes.push(true);
    if let Some(param) = &factory.param {
        scopes.bind(param, Kind::Local);
    }
    match &factory.body {
        FactoryBody::Module(module) => {
            check_module(cx, scopes, module);
        }
        FactoryBody::Block(body) => check_body(cx, scopes, body),
    }
    scopes.pop();
}
