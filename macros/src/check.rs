//! Stage 2: the checks that need no types, each anchored on the user's token.
//! Every error of an invocation is recorded; nothing stops at the first.

use std::collections::{HashMap, HashSet};

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Expr, Ident};

use crate::ast::{
    Arg, Binding, Body, Closure, Combinator, Connect, DomainLit, Endpoint, Expose, Factory, FactoryBody, ModuleExpr,
    ParamRole, SpaceFn, Stmt,
};
use crate::ctxt::{Ctxt, did_you_mean};
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
    check_statements(cx, &mut scopes, &f.body);
}

fn check_body(cx: &mut Ctxt, scopes: &mut Scopes, body: &Body) {
    scopes.push(true);
    check_statements(cx, scopes, body);
    scopes.pop();
}

/// Connection bookkeeping of one body.
#[derive(Default)]
struct Graph {
    /// Module names in order of binding, with what is known of their ports.
    modules: Vec<(Ident, Ports)>,
    /// Connected inputs: (module, port) → where.
    targets: HashMap<(usize, String), Span>,
    /// Used outputs.
    used: HashSet<(usize, String)>,
    /// Modules mentioned by a connection or an exposure.
    touched: HashSet<usize>,
    /// Edges between modules, with the span of the target.
    edges: Vec<(usize, usize, Span)>,
    /// Modules already reported: no follow-on errors about them.
    erred: HashSet<usize>,
}

fn check_statements(cx: &mut Ctxt, scopes: &mut Scopes, body: &Body) {
    let mut graph = Graph::default();
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
        (Slot::Combine | Slot::Iterate, Arg::Factory(f)) if f.param.is_some() => check_factory(cx, scopes, f),
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

/// Resolves `end.module` to a module of this body.
fn module_of(cx: &mut Ctxt, scopes: &Scopes, end: &Endpoint) -> Option<(usize, Ports)> {
    let name = &end.module;
    match scopes.find(name) {
        Some(found) => match found.kind {
            Kind::Module(ports, index) if found.local => return Some((index, ports)),
            Kind::Module(..) => cx.error(
                name.span(),
                format!("`{name}` belongs to the enclosing space; a factory builds a sub-graph of its own"),
            ),
            Kind::Local if found.local => {
                cx.error(name.span(), format!("`{name}` is the factory's parameter, not a module"));
            }
            Kind::Hyper(_) => cx.error(name.span(), format!("`{name}` is a hyperparameter, not a module")),
            Kind::Constraint => cx.error(name.span(), format!("`{name}` is a constraint, not a module")),
            _ => cx.error(name.span(), format!("`{name}` is not a module")),
        },
        None => {
            let modules = scopes.local_modules();
            let hint = did_you_mean(&name.to_string(), modules.iter().map(String::as_str));
            cx.error(name.span(), format!("unknown module `{name}`{hint}"));
        }
    }
    None
}

/// Checks `end.port` against known ports; `want_input` says which side.
fn check_port(cx: &mut Ctxt, end: &Endpoint, ports: Ports, want_input: bool) -> Option<String> {
    let Some(port) = &end.port else {
        cx.error(
            end.module.span(),
            format!("expected a port: `{}.{}`", end.module, if want_input { "in" } else { "out" }),
        );
        return None;
    };
    let text = port.to_string();
    let (Some(inputs), Some(outputs)) = (ports.inputs(), ports.outputs()) else { return Some(text) };
    let (wanted, other, side, other_side) = if want_input {
        (inputs, outputs, "an input", "an output")
    } else {
        (outputs, inputs, "an output", "an input")
    };
    if wanted.contains(&text.as_str()) {
        return Some(text);
    }
    let module = &end.module;
    if other.contains(&text.as_str()) {
        cx.error(port.span(), format!("`{text}` is {other_side} of `{module}`; expected {side}"));
    } else {
        let hint = did_you_mean(&text, inputs.iter().chain(outputs).copied());
        cx.error(port.span(), format!("unknown port `{text}` on `{module}`{hint}"));
    }
    None
}

fn mark_target(cx: &mut Ctxt, graph: &mut Graph, module: usize, port: String, span: Span) {
    let name = graph.modules.get(module).map(|(n, _)| n.to_string()).unwrap_or_default();
    if graph.targets.contains_key(&(module, port.clone())) {
        cx.error(span, format!("input `{port}` of `{name}` is already connected"));
    } else {
        graph.targets.insert((module, port), span);
    }
}

fn check_connect(cx: &mut Ctxt, scopes: &Scopes, graph: &mut Graph, connect: &Connect) {
    let mut sources = Vec::new();
    for end in &connect.from {
        if let Some((index, ports)) = module_of(cx, scopes, end) {
            graph.touched.insert(index);
            match check_port(cx, end, ports, false) {
                Some(port) => {
                    graph.used.insert((index, port));
                }
                None => {
                    graph.erred.insert(index);
                }
            }
            sources.push(index);
        }
    }
    let fan_in = connect.from.len() > 1 || connect.to.iter().any(|t| t.port.is_none());
    if fan_in {
        if let [target] = connect.to.as_slice()
            && target.port.is_none()
        {
            let Some((index, ports)) = module_of(cx, scopes, target) else { return };
            graph.touched.insert(index);
            let k = connect.from.len();
            if let Some(inputs) = ports.inputs()
                && inputs.len() != k
            {
                cx.error(
                    target.module.span(),
                    format!("arity mismatch: `{}` takes {} input(s), fed {k}", target.module, inputs.len()),
                );
                graph.erred.insert(index);
                return;
            }
            let names: Vec<String> = match ports.inputs() {
                Some(known) => known.iter().map(|s| (*s).to_owned()).collect(),
                None if k > 1 => (0..k).map(|i| format!("in{i}")).collect(),
                None => vec!["in".to_owned()],
            };
            for port in names {
                mark_target(cx, graph, index, port, target.module.span());
            }
            for s in &sources {
                graph.edges.push((*s, index, target.module.span()));
            }
        } else {
            let span = connect.to.first().map(|t| t.module.span()).unwrap_or_else(|| connect.keyword.span());
            cx.error(span, "several outputs feed one module's inputs in order: `connect!(a.out, b.out -> cat)`");
        }
        return;
    }
    for end in &connect.to {
        let Some((index, ports)) = module_of(cx, scopes, end) else { continue };
        graph.touched.insert(index);
        match (check_port(cx, end, ports, true), &end.port) {
            (Some(port), Some(port_ident)) => mark_target(cx, graph, index, port, port_ident.span()),
            _ => {
                graph.erred.insert(index);
            }
        }
        for s in &sources {
            graph.edges.push((*s, index, end.port.as_ref().map_or(end.module.span(), Ident::span)));
        }
    }
}

fn check_expose(cx: &mut Ctxt, scopes: &Scopes, graph: &mut Graph, expose: &Expose) {
    for (list, want_input) in [(&expose.inputs, true), (&expose.outputs, false)] {
        let mut names: Vec<String> = Vec::new();
        for exposed in list {
            let Some((index, ports)) = module_of(cx, scopes, &exposed.end) else { continue };
            graph.touched.insert(index);
            let Some(port) = check_port(cx, &exposed.end, ports, want_input) else {
                graph.erred.insert(index);
                continue;
            };
            if let Some(name) = exposed.name() {
                let text = name.to_string();
                if names.contains(&text) {
                    let side = if want_input { "input" } else { "output" };
                    cx.error(
                        name.span(),
                        format!("duplicate exposed {side} name `{text}`; rename it: `name = module.port`"),
                    );
                }
                names.push(text);
            }
            let key = (index, port.clone());
            if want_input {
                if graph.targets.contains_key(&key) {
                    let span = exposed.end.port.as_ref().map_or(exposed.end.module.span(), Ident::span);
                    cx.error(span, format!("input `{port}` of `{}` is both connected and exposed", exposed.end.module));
                }
                graph.targets.insert(key, exposed.end.module.span());
            } else {
                graph.used.insert(key);
            }
        }
    }
}

fn check_dangling(cx: &mut Ctxt, graph: &Graph, expose: Option<&Expose>) {
    if expose.is_none() {
        return;
    }
    for (index, (name, ports)) in graph.modules.iter().enumerate() {
        if graph.erred.contains(&index) {
            continue;
        }
        if !graph.touched.contains(&index) {
            cx.error(name.span(), format!("module `{name}` is neither connected nor exposed"));
            continue;
        }
        for input in ports.inputs().unwrap_or_default() {
            if !graph.targets.contains_key(&(index, (*input).to_owned())) {
                cx.error(name.span(), format!("input `{input}` of `{name}` is neither connected nor exposed"));
            }
        }
        for output in ports.outputs().unwrap_or_default() {
            if !graph.used.contains(&(index, (*output).to_owned())) {
                cx.error(name.span(), format!("output `{output}` of `{name}` is neither used nor exposed"));
            }
        }
    }
}

/// Reports each connection that closes a cycle among the modules.
fn check_cycles(cx: &mut Ctxt, graph: &Graph) {
    let n = graph.modules.len();
    let mut next: Vec<Vec<(usize, Span)>> = vec![Vec::new(); n];
    for (from, to, span) in &graph.edges {
        if let Some(list) = next.get_mut(*from) {
            list.push((*to, *span));
        }
    }
    // 0 = unseen, 1 = on the current path, 2 = done.
    let mut state = vec![0u8; n];
    for root in 0..n {
        if state[root] != 0 {
            continue;
        }
        let mut path: Vec<(usize, usize)> = vec![(root, 0)];
        state[root] = 1;
        while let Some(&mut (node, ref mut cursor)) = path.last_mut() {
            let Some(&(succ, span)) = next[node].get(*cursor) else {
                state[node] = 2;
                path.pop();
                continue;
            };
            *cursor += 1;
            match state.get(succ).copied() {
                Some(0) => {
                    state[succ] = 1;
                    path.push((succ, 0));
                }
                Some(1) => {
                    let start = path.iter().position(|(m, _)| *m == succ).unwrap_or(0);
                    let names: Vec<String> = path[start..]
                        .iter()
                        .chain(std::iter::once(&(succ, 0)))
                        .filter_map(|(m, _)| graph.modules.get(*m).map(|(name, _)| format!("`{name}`")))
                        .collect();
                    cx.error(span, format!("cycle among modules: {}", names.join(" -> ")));
                }
                _ => {}
            }
        }
    }
}
