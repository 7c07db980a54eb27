//! Stage 2, connections: ports, fan-in and fan-out, exposure, dangling
//! ports and cycles among the modules of one body.

use std::collections::{HashMap, HashSet};

use proc_macro2::Span;
use syn::Ident;

use crate::ast::{Connect, Endpoint, Expose};
use crate::ctxt::{Ctxt, did_you_mean};
use crate::scope::{Kind, Ports, Scopes};

/// Connection bookkeeping of one body.
#[derive(Default)]
pub struct Graph {
    /// Module names in order of binding, with what is known of their ports.
    pub modules: Vec<(Ident, Ports)>,
    /// Connected inputs: (module, port) → where.
    targets: HashMap<(usize, String), Span>,
    /// Used outputs.
    used: HashSet<(usize, String)>,
    /// Modules mentioned by a connection or an exposure.
    touched: HashSet<usize>,
    /// Edges between modules, with the span of the target.
    edges: Vec<(usize, usize, Span)>,
    /// Modules already reported: no follow-on errors about them.
    pub erred: HashSet<usize>,
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

pub fn check_connect(cx: &mut Ctxt, scopes: &Scopes, graph: &mut Graph, connect: &Connect) {
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

pub fn check_expose(cx: &mut Ctxt, scopes: &Scopes, graph: &mut Graph, expose: &Expose) {
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

pub fn check_dangling(cx: &mut Ctxt, graph: &Graph, expose: Option<&Expose>) {
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
pub fn check_cycles(cx: &mut Ctxt, graph: &Graph) {
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
