//! Stage 2, the forms whose wiring a hyperparameter chooses and the forms
//! with named arguments: each argument checked on its own token against
//! what the form takes.

use std::collections::HashSet;

use syn::{Expr, Ident};

use crate::ast::{Arg, Endpoint, Factory, FactoryBody, ModuleExpr, NamedArg, unraw};
use crate::check::Checker;
use crate::check_module::{Need, Slot, arg_span};
use crate::ctxt::did_you_mean;
use crate::domain::Accepts;
use crate::graph::Graph;
use crate::scope::{Kind, Ports};

/// The options of `dag`: name, what it takes, an example, whether required.
const DAG_OPTIONS: &[(&str, &str, &str, bool)] = &[
    ("nodes", "the number of nodes", "`nodes = 5`", true),
    ("node", "a factory of a node's body from its vertex", "`node = |v| op()`", true),
    ("combine", "a combine factory: how a node merges `k` inputs", "`combine = |k| add(k)`", true),
    (
        "output_combine",
        "a combine factory: how the output merges `k` inputs",
        "`output_combine = |k| concat(k)`",
        false,
    ),
    ("output_node", "a factory of the body after the output's merge", "`output_node = || op()`", false),
    ("edge", "a factory of three parameters: what a present edge carries", "`edge = |from, to, value| op()`", false),
    ("boundary", "`explicit` or `implicit`", "`boundary = implicit`", false),
    ("off_path", "`prune` or `invalid`", "`off_path = invalid`", false),
    ("max_edges", "the most edges that survive pruning", "`max_edges = 9`", false),
    ("values", "the values of every edge, a list", "`values = [0, 1, 2]`", false),
    ("absent", "the value of `values` that means no edge", "`absent = 0`", false),
    ("chain", "whether chain edges `i -> i + 1` are always present", "`chain = true`", false),
];

const DAG_USAGE: &str = "`dag(nodes = 5, node = |v| op(), combine = |k| add(k), ..)`";

impl<'a> Checker<'_, 'a> {
    /// Checks one of the forms of this module; returns its ports.
    pub fn form(&mut self, module: &'a ModuleExpr) -> Ports {
        match module {
            ModuleExpr::Select { keyword, idx, sources, bracket } => {
                if sources.is_empty() {
                    self.cx.error_note(
                        *bracket,
                        "`select` needs at least one source",
                        "list the outputs to choose from: `select([a.out, b.out])`",
                    );
                }
                if let Some(idx) = idx {
                    let need = Need {
                        role: "the index of `select`",
                        accepts: Accepts::IndicesBelow(sources.len()),
                        fix: "`select` picks its sources by position, 0 for the first output listed",
                    };
                    self.combinator_arg(idx, &Slot::Param(Some(need)), keyword, "(idx, [a.out, b.out])");
                }
                Ports::OutputOnly
            }
            ModuleExpr::Unused { keyword, combine, states, bracket } => {
                if states.is_empty() {
                    self.cx.error_note(
                        *bracket,
                        "`unused` needs at least one state",
                        "list the outputs to combine: `unused(|k| concat(k), [a.out, b.out])`",
                    );
                }
                self.factory_of(combine, &Slot::Combine, keyword, "(|k| combine, [a.out, b.out])");
                Ports::OutputOnly
            }
            ModuleExpr::Dag { keyword, options } => {
                self.dag(keyword, options);
                Ports::Siso
            }
            ModuleExpr::OrNamed { keyword, idx, alternatives } => {
                self.or_named(keyword, idx.as_ref(), alternatives);
                Ports::Siso
            }
            ModuleExpr::Substitution { keyword, params, body } => {
                let hypers = self.scopes.names_where(|k| matches!(k, Kind::Hyper(_)));
                if params.is_empty() {
                    self.cx.error_note(
                        keyword.span(),
                        "`substitution` needs the hyperparameters it reads: `|a, b| ..`",
                        "its parameters name hyperparameters of this space; it fires once they all have values",
                    );
                }
                for param in params {
                    self.expect_hyper(&param.name, &hypers);
                }
                // Inside, the parameters are their values.
                self.scopes.push(true);
                for param in params {
                    self.scopes.bind(&param.name, Kind::Local);
                }
                let outer = std::mem::replace(&mut self.rejects, true);
                match &**body {
                    FactoryBody::Module(module) => {
                        self.module(module);
                    }
                    FactoryBody::Block(body) => self.body(body),
                }
                self.rejects = outer;
                self.scopes.pop();
                Ports::Siso
            }
            ModuleExpr::Sharing { key, factory, .. } | ModuleExpr::Stack { count: key, factory, .. } => {
                self.value_expr(key, None);
                self.scopes.push(true);
                let ports = match &factory.body {
                    FactoryBody::Module(inner) => self.module(inner),
                    FactoryBody::Block(_) => Ports::Typed,
                };
                self.scopes.pop();
                ports
            }
            ModuleExpr::Combinator { .. } | ModuleExpr::Identity(_) | ModuleExpr::Call { .. } => Ports::Typed,
        }
    }

    /// A factory argument that must fit `slot`.
    fn factory_of(&mut self, factory: &'a Factory, slot: &Slot, keyword: &Ident, usage: &str) {
        let fits = match slot {
            Slot::Factory => factory.param.is_none(),
            _ => factory.param.is_some() && factory.more.is_empty(),
        };
        if fits {
            self.factory(factory);
        } else {
            let (expected, note) = match slot {
                Slot::Factory => ("a factory `|| module`", "a factory without parameters builds a module: `|| relu()`"),
                _ => (
                    "a factory of one parameter `|k| module`",
                    "give it the parameter it is called with: `|k| concat(k)`",
                ),
            };
            self.cx.error_note(factory.bar, format!("expected {expected} here: `{keyword}` takes `{usage}`"), note);
        }
    }

    fn dag(&mut self, keyword: &Ident, options: &'a [NamedArg]) {
        let mut seen: HashSet<String> = HashSet::new();
        for option in options {
            let name = unraw(&option.name);
            let Some((_, what, example, _)) = DAG_OPTIONS.iter().find(|(n, _, _, _)| *n == name) else {
                let hint = did_you_mean(&name, DAG_OPTIONS.iter().map(|(n, _, _, _)| *n));
                self.cx.error_note(option.name.span(), format!("`dag` has no option `{name}`{hint}"), DAG_USAGE);
                continue;
            };
            if !seen.insert(name.clone()) {
                self.cx.error_note(
                    option.name.span(),
                    format!("`{name}` is given twice"),
                    "give each option of `dag` once",
                );
                continue;
            }
            self.dag_option(keyword, &name, (what, example), &option.value);
        }
        for (name, what, example, required) in DAG_OPTIONS {
            if *required && !seen.contains(*name) {
                self.cx.error_note(
                    keyword.span(),
                    format!("`dag` needs `{name}`: {what}"),
                    format!("add {example}; {DAG_USAGE}"),
                );
            }
        }
    }

    fn dag_option(&mut self, keyword: &Ident, name: &str, (what, example): (&str, &str), value: &'a Arg) {
        let wrong = |this: &mut Self| {
            this.cx.error_note(arg_span(value), format!("`{name}` of `dag` takes {what}"), format!("e.g. {example}"));
        };
        match (name, value) {
            ("node" | "combine" | "output_combine", Arg::Factory(f)) => {
                self.factory_of(f, &Slot::Combine, keyword, example);
            }
            ("output_node", Arg::Factory(f)) => self.factory_of(f, &Slot::Factory, keyword, example),
            ("edge", Arg::Factory(f)) if f.param.is_some() && f.more.len() == 2 => self.factory(f),
            ("boundary", Arg::Expr(e)) if is_word(e, &["explicit", "implicit"]) => {}
            ("off_path", Arg::Expr(e)) if is_word(e, &["prune", "invalid"]) => {}
            ("nodes" | "max_edges", Arg::Expr(e)) => {
                let need = Need {
                    role: if name == "nodes" { "the number of nodes of `dag`" } else { "`max_edges` of `dag`" },
                    accepts: Accepts::IntegersFrom(if name == "nodes" { 0 } else { 1 }),
                    fix: "give a whole number",
                };
                self.value_expr(e, Some(&need));
            }
            ("values", Arg::Expr(Expr::Array(_))) | ("absent" | "chain", Arg::Expr(_)) => {
                if let Arg::Expr(e) = value {
                    self.value_expr(e, None);
                }
            }
            _ => wrong(self),
        }
    }

    fn or_named(&mut self, keyword: &Ident, idx: Option<&'a Arg>, alternatives: &'a [NamedArg]) {
        let usage = "(relu = || relu(), tanh = || tanh())";
        if alternatives.is_empty() {
            self.cx.error_note(
                keyword.span(),
                "`or_named` needs at least one alternative",
                "`or_named(relu = || relu(), tanh = || tanh())`",
            );
        }
        let mut names: Vec<String> = Vec::new();
        for alternative in alternatives {
            let name = unraw(&alternative.name);
            if names.contains(&name) {
                self.cx.error_note(
                    alternative.name.span(),
                    format!("alternative `{name}` is named twice"),
                    "each alternative of `or_named` has a name of its own",
                );
            } else {
                names.push(name);
            }
            match &alternative.value {
                Arg::Factory(f) => self.factory_of(f, &Slot::Factory, keyword, usage),
                other => self.cx.error(
                    arg_span(other),
                    format!("expected a factory `|| module` here: `{keyword}` takes `{usage}`"),
                ),
            }
        }
        if let Some(idx) = idx {
            let need = Need {
                role: "the choice of `or_named`",
                accepts: Accepts::Names(names),
                fix: "the values of `or_named`'s choice are the names of its alternatives, as strings",
            };
            self.combinator_arg(idx, &Slot::Param(Some(need)), keyword, "(kind, relu = || relu(), ..)");
        }
    }

    /// The outputs a `select` or `unused` bound at `index` reads: used
    /// outputs of this body, and edges into it (for cycles). Returns the
    /// modules they belong to.
    pub fn listed_outputs(&mut self, graph: &mut Graph, index: usize, module: &ModuleExpr) -> Vec<usize> {
        let ends: &[Endpoint] = match module {
            ModuleExpr::Select { sources, .. } => sources,
            ModuleExpr::Unused { states, .. } => states,
            _ => return Vec::new(),
        };
        ends.iter().filter_map(|end| self.source_into(graph, end, index)).collect()
    }
}

/// Whether `expr` is one of the bare words `words`.
fn is_word(expr: &Expr, words: &[&str]) -> bool {
    matches!(expr, Expr::Path(p) if p.path.get_ident().is_some_and(|i| words.contains(&unraw(i).as_str())))
}
