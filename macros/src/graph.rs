//! Stage 2, connections: ports, fan-in and fan-out, exposure, dangling
//! ports and cycles among the modules of one body.
//!
//! A connection or exposure with a mistake wires nothing: its other ports
//! are excused from the dangling checks instead, so that one mistake gives
//! one error (not a second about the port it meant to wire).

use std::collections::{HashMap, HashSet};

use proc_macro2::Span;
use syn::Ident;

use crate::ast::{Connect, Endpoint, Expose, unraw};
use crate::check::Checker;
use crate::ctxt::{closest, did_you_mean};
use crate::scope::{Kind, Ports};

/// A module of a body.
pub struct ModuleEntry {
    pub name: Ident,
    pub ports: Ports,
    /// Its `let` (see [`crate::verdict::key`]); `None` for `prev`.
    pub node: Option<usize>,
}

/// How an input got its source.
enum Source {
    Connected,
    /// Exposed under this name.
    Exposed(String),
}

/// Connection bookkeeping of one body.
#[derive(Default)]
pub struct Graph {
    /// Modules in order of binding.
    pub modules: Vec<ModuleEntry>,
    /// Inputs given a source: (module, port) → how.
    targets: HashMap<(usize, String), Source>,
    /// Used outputs.
    used: HashSet<(usize, String)>,
    /// Ports a rejected connection meant to wire: not reported as dangling.
    excused: HashSet<(usize, String)>,
    /// Modules mentioned by a connection or an exposure.
    touched: HashSet<usize>,
    /// Edges between modules, with the span of the target.
    pub edges: Vec<(usize, usize, Span)>,
    /// Modules already reported: no follow-on errors about them.
    pub erred: HashSet<usize>,
    /// Modules wired by a statement left out of the expansion.
    pub unwired: HashSet<usize>,
    /// Names a mistake may have meant (a misspelled or later module, the
    /// words of a statement that did not parse): spared follow-on errors
    /// once the body is read.
    spared: HashSet<String>,
    /// A name that means nothing close: every module is spared.
    spare_all: bool,
}

impl Graph {
    /// Marks every module named `name`, bound now or later in the body, as
    /// reported: a mistake may have meant it.
    pub fn spare(&mut self, name: &Ident) {
        self.spared.insert(unraw(name));
    }

    /// Marks every module as reported (a mistake may have meant any).
    pub fn spare_all(&mut self) {
        self.spare_all = true;
    }

    /// Once the body is read: the spared modules join the reported ones.
    pub fn settle(&mut self) {
        for (i, m) in self.modules.iter().enumerate() {
            if self.spare_all || self.spared.contains(&unraw(&m.name)) {
                self.erred.insert(i);
            }
        }
    }

    /// The `let`s of modules whose wiring rustc must not check: their
    /// wiring was reported, excused or partly left out.
    pub fn unchecked_nodes(&self) -> Vec<usize> {
        let excused: HashSet<usize> = self.excused.iter().map(|(m, _)| *m).collect();
        (0..self.modules.len())
            .filter(|i| {
                self.erred.contains(i) || self.unwired.contains(i) || excused.contains(i) || !self.touched.contains(i)
            })
            .filter_map(|i| self.modules[i].node)
            .collect()
    }

    /// The name of module `module`, for messages.
    pub fn name(&self, module: usize) -> String {
        self.modules.get(module).map(|m| m.name.to_string()).unwrap_or_default()
    }
}

impl Checker<'_, '_> {
    /// Resolves `end.module` to a module of this body; `None` (reported
    /// unless the name is a broken `let`) otherwise.
    fn module_of(&mut self, graph: &mut Graph, end: &Endpoint) -> Option<(usize, Ports)> {
        let name = &end.module;
        let Some(found) = self.scopes.find(name) else {
            if self.scopes.declared_below(name) {
                self.used_before_let(name);
                graph.spare(name);
            } else {
                let modules = self.scopes.local_modules();
                let meant = closest(&unraw(name), modules.iter().map(String::as_str));
                let hint = meant.map(|m| format!("; did you mean `{m}`?")).unwrap_or_default();
                self.cx.error(name.span(), format!("unknown module `{name}`{hint}"));
                match meant {
                    Some(meant) => {
                        graph.spared.insert(meant.to_owned());
                    }
                    None => graph.spare_all(),
                }
            }
            return None;
        };
        match found.kind {
            Kind::Module(ports, index) if found.local => return Some((index, ports)),
            Kind::Broken => {}
            Kind::Module(..) => self.cx.error(
                name.span(),
                format!("`{name}` belongs to the enclosing space; a factory builds a sub-graph of its own"),
            ),
            Kind::Local if found.local => {
                self.cx.error(name.span(), format!("`{name}` is the factory's parameter, not a module"));
            }
            Kind::Hyper(_) => self.cx.error(name.span(), format!("`{name}` is a hyperparameter, not a module")),
            Kind::Constraint => self.cx.error(name.span(), format!("`{name}` is a constraint, not a module")),
            _ => self.cx.error(name.span(), format!("`{name}` is not a module")),
        }
        None
    }

    /// Checks `end.port` against known ports; `want_input` says which side.
    fn port_of(&mut self, end: &Endpoint, ports: Ports, want_input: bool) -> Option<String> {
        let Some(port) = &end.port else {
            self.cx.error(
                end.module.span(),
                format!("expected a port: `{}.{}`", end.module, if want_input { "in" } else { "out" }),
            );
            return None;
        };
        let text = unraw(port);
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
            self.cx.error(port.span(), format!("`{text}` is {other_side} of `{module}`; expected {side}"));
        } else {
            let hint = did_you_mean(&text, inputs.iter().chain(outputs).copied());
            self.cx.error(port.span(), format!("unknown port `{text}` on `{module}`{hint}"));
        }
        None
    }

    /// Resolves one end: `Some((module, port))`, or `None` with the module
    /// (if resolved) marked as reported.
    fn end(&mut self, graph: &mut Graph, end: &Endpoint, want_input: bool) -> (Option<usize>, Option<String>) {
        let Some((index, ports)) = self.module_of(graph, end) else { return (None, None) };
        graph.touched.insert(index);
        let port = self.port_of(end, ports, want_input);
        if port.is_none() {
            graph.erred.insert(index);
        }
        (Some(index), port)
    }

    /// `end`, an output, feeds module `target` (bound next) through a list
    /// (`select`, `unused`): the output is used, and an edge is recorded.
    pub fn source_into(&mut self, graph: &mut Graph, end: &Endpoint, target: usize) -> Option<usize> {
        let (module, port) = self.end(graph, end, false);
        if let (Some(module), Some(port)) = (module, port) {
            let span = end.port.as_ref().map_or(end.module.span(), Ident::span);
            graph.used.insert((module, port));
            graph.edges.push((module, target, span));
        }
        module
    }

    /// Checks a `connect!`; returns the modules it names (for verdicts).
    pub fn connect(&mut self, graph: &mut Graph, connect: &Connect) -> Vec<usize> {
        let fan_in = connect.from.len() > 1 || connect.to.iter().any(|t| t.port.is_none());
        let mut ok = true;
        let mut named = Vec::new();
        let mut sources = Vec::new();
        for end in &connect.from {
            let (module, port) = self.end(graph, end, false);
            named.extend(module);
            match (module, port) {
                (Some(m), Some(p)) => sources.push((m, p)),
                _ => ok = false,
            }
        }
        let mut targets: Vec<(usize, String, Span)> = Vec::new();
        if fan_in {
            match connect.to.as_slice() {
                [target] if target.port.is_none() => match self.module_of(graph, target) {
                    Some((index, ports)) => {
                        graph.touched.insert(index);
                        named.push(index);
                        let k = connect.from.len();
                        match ports.inputs() {
                            Some(inputs) if inputs.len() != k => {
                                self.cx.error(
                                    target.module.span(),
                                    format!(
                                        "arity mismatch: `{}` takes {} input(s), fed {k}",
                                        target.module,
                                        inputs.len()
                                    ),
                                );
                                graph.erred.insert(index);
                                ok = false;
                            }
                            Some(inputs) => {
                                targets.extend(inputs.iter().map(|p| (index, (*p).to_owned(), target.module.span())))
                            }
                            None if k > 1 => {
                                targets.extend((0..k).map(|i| (index, format!("in{i}"), target.module.span())))
                            }
                            None => targets.push((index, "in".to_owned(), target.module.span())),
                        }
                    }
                    None => ok = false,
                },
                _ => {
                    for target in &connect.to {
                        graph.spare(&target.module);
                    }
                    let span = connect.to.first().map_or_else(|| connect.keyword.span(), |t| t.module.span());
                    self.cx.error(
                        span,
                        "several outputs feed one module's inputs in order: `connect!(a.out, b.out -> cat)`",
                    );
                    ok = false;
                }
            }
        } else {
            for end in &connect.to {
                let (module, port) = self.end(graph, end, true);
                named.extend(module);
                match (module, port, &end.port) {
                    (Some(m), Some(p), Some(at)) => targets.push((m, p, at.span())),
                    _ => ok = false,
                }
            }
        }
        if !ok {
            graph.excused.extend(sources.into_iter().chain(targets.into_iter().map(|(m, p, _)| (m, p))));
            return named;
        }
        for (target, port, span) in &targets {
            self.mark_target(graph, *target, port, *span);
            for (source, _) in &sources {
                graph.edges.push((*source, *target, *span));
            }
        }
        graph.used.extend(sources);
        named
    }

    fn mark_target(&mut self, graph: &mut Graph, module: usize, port: &str, span: Span) {
        let name = graph.name(module);
        match graph.targets.get(&(module, port.to_owned())) {
            Some(_) => self.cx.sound(
                span,
                format!("input `{port}` of `{name}` is already connected"),
                "an input takes one source: remove one of the connections, or join the sources in a module such as `add`",
            ),
            None => {
                graph.targets.insert((module, port.to_owned()), Source::Connected);
            }
        }
    }

    /// Checks `expose!(..)`; entries with mistakes are left out of the border.
    pub fn expose(&mut self, graph: &mut Graph, expose: &Expose) {
        let mut names: Vec<(String, bool)> = Vec::new();
        for (list, want_input) in [(&expose.inputs, true), (&expose.outputs, false)] {
            for exposed in list {
                let breaks = self.cx.breaks();
                self.scopes.take_taint();
                let (module, port) = self.end(graph, &exposed.end, want_input);
                let (Some(index), Some(port)) = (module, port) else {
                    self.verdicts.drop(exposed);
                    graph.unwired.extend(module);
                    continue;
                };
                if self.scopes.take_taint() || self.cx.breaks() > breaks {
                    self.verdicts.drop(exposed);
                    graph.unwired.insert(index);
                }
                if let Some(name) = exposed.name() {
                    self.exposed_name(&mut names, name, want_input);
                }
                if want_input {
                    self.expose_input(graph, index, &port, exposed);
                } else {
                    graph.used.insert((index, port));
                }
            }
        }
    }

    fn exposed_name(&mut self, names: &mut Vec<(String, bool)>, name: &Ident, input: bool) {
        let text = unraw(name);
        let side = if input { "input" } else { "output" };
        match names.iter().find(|(n, _)| *n == text) {
            Some((_, earlier)) if *earlier == input => self.cx.sound(
                name.span(),
                format!("duplicate exposed {side} name `{text}`"),
                "give each exposed port its own name: `name = module.port`",
            ),
            Some(_) => self.cx.sound(
                name.span(),
                format!("`{text}` is exposed both as an input and as an output"),
                "a sub-space's ports are methods of one type: give one of them another name, `name = module.port`",
            ),
            None => names.push((text, input)),
        }
    }

    fn expose_input(&mut self, graph: &mut Graph, index: usize, port: &str, exposed: &crate::ast::Exposed) {
        let module = &exposed.end.module;
        let span = exposed.end.port.as_ref().map_or(module.span(), Ident::span);
        let name = exposed.name().map(unraw).unwrap_or_default();
        match graph.targets.get(&(index, port.to_owned())) {
            Some(Source::Connected) => self.cx.sound(
                span,
                format!("input `{port}` of `{module}` is both connected and exposed"),
                "an input takes one source: remove the connection or the exposure",
            ),
            Some(Source::Exposed(first)) => self.cx.sound(
                span,
                format!("input `{port}` of `{module}` is already exposed as `{first}`"),
                "an input takes one source, so it is exposed once: keep one of the names",
            ),
            None => {
                graph.targets.insert((index, port.to_owned()), Source::Exposed(name));
            }
        }
    }

    /// Ports that nothing wires, modules that nothing names.
    pub fn dangling(&mut self, graph: &Graph, exposed: bool) {
        if !exposed {
            return;
        }
        for (index, module) in graph.modules.iter().enumerate() {
            if graph.erred.contains(&index) {
                continue;
            }
            let name = &module.name;
            if !graph.touched.contains(&index) {
                self.cx.sound(
                    name.span(),
                    format!("module `{name}` is neither connected nor exposed"),
                    "wire it with `connect!` or expose its ports, or remove it",
                );
                continue;
            }
            for input in module.ports.inputs().unwrap_or_default() {
                let key = (index, (*input).to_owned());
                if !graph.targets.contains_key(&key) && !graph.excused.contains(&key) {
                    self.cx.sound(
                        name.span(),
                        format!("input `{input}` of `{name}` is neither connected nor exposed"),
                        format!("connect it, `connect!(source.out -> {name}.{input})`, or expose it, `expose!({name}.{input} -> ..)`"),
                    );
                }
            }
            for output in module.ports.outputs().unwrap_or_default() {
                let key = (index, (*output).to_owned());
                if !graph.used.contains(&key) && !graph.excused.contains(&key) {
                    self.cx.sound(
                        name.span(),
                        format!("output `{output}` of `{name}` is neither used nor exposed"),
                        format!("use it, `connect!({name}.{output} -> target.in)`, or expose it, `expose!(.. -> {name}.{output})`"),
                    );
                }
            }
        }
    }
}
