//! Stage 2: the checks that need no types, each anchored on the user's token.
//! Every error of an invocation is recorded; nothing stops at the first.
//! Besides errors, the checks decide which statements still go into the
//! expansion ([`Verdicts`]).

use syn::Ident;
use syn::spanned::Spanned;

use crate::ast::{Binding, Body, BrokenKind, ParamRole, SpaceFn, Stmt, unraw};
use crate::ctxt::Ctxt;
use crate::domain::check_domain;
use crate::graph::{Graph, ModuleEntry};
use crate::scope::{Kind, Ports, Scopes};
use crate::verdict::{Verdicts, key};

/// Walks a body with its names in scope, recording errors and verdicts.
pub struct Checker<'c, 'a> {
    pub cx: &'c mut Ctxt,
    pub scopes: Scopes<'a>,
    pub verdicts: Verdicts,
    /// In the body of a `substitution`: `reject!` is allowed.
    pub rejects: bool,
}

/// Checks the body of `search_space! { .. }`.
pub fn check_inline(cx: &mut Ctxt, body: &Body) -> Verdicts {
    let mut checker = Checker { cx, scopes: Scopes::default(), verdicts: Verdicts::default(), rejects: false };
    checker.scopes.push(true);
    checker.body(body);
    checker.verdicts
}

/// Checks a `#[search_space]` function: its signature, then its body.
/// Returns the verdicts and whether the signature is usable.
pub fn check_fn(cx: &mut Ctxt, attr: &proc_macro2::TokenStream, f: &SpaceFn) -> (Verdicts, bool) {
    let before = cx.breaks();
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
    let mut checker = Checker { cx, scopes: Scopes::default(), verdicts: Verdicts::default(), rejects: false };
    checker.scopes.push(true);
    for param in &f.params {
        let kind = match param.role {
            ParamRole::Hyper => Kind::Hyper(None),
            role => Kind::Value(role),
        };
        if checker.scopes.bind(&param.name, kind).is_some() {
            checker.cx.error(param.name.span(), format!("duplicate name `{}`", param.name));
        }
    }
    let signature_ok = checker.cx.breaks() == before;
    checker.statements(&f.body, None);
    (checker.verdicts, signature_ok)
}

impl<'a> Checker<'_, 'a> {
    /// A body in a frame of its own.
    pub fn body(&mut self, body: &'a Body) {
        self.scopes.push(true);
        self.statements(body, None);
        self.scopes.pop();
    }

    /// Checks the statements of a body; `seed` is a module bound before them
    /// (the `prev` of `nested_repeat`'s iterate factory). Mistakes inside
    /// are settled here, by leaving out the body's own statements: they do
    /// not leave out the statement that holds the body.
    pub fn statements(&mut self, body: &'a Body, seed: Option<&Ident>) {
        let outer_breaks = self.cx.breaks();
        let outer_taint = self.scopes.take_taint();
        let mut graph = Graph::default();
        self.scopes.expect_later(body.stmts.iter().filter_map(|s| let_name(s).map(unraw)));
        if let Some(seed) = seed {
            graph.modules.push(ModuleEntry { name: seed.clone(), ports: Ports::Siso, node: None });
            self.scopes.bind(seed, Kind::Module(Ports::Siso, 0));
        }
        let mut expose_broken = false;
        let mut broken_let = false;
        for stmt in &body.stmts {
            let breaks = self.cx.breaks();
            self.scopes.take_taint();
            match stmt {
                Stmt::Let(binding) => {
                    let mut listed = Vec::new();
                    let (kind, domain) = match &binding.value {
                        Binding::Choice(domain) => (Kind::Hyper(check_domain(self.cx, domain)), Some(domain)),
                        Binding::Dependent(closure) => {
                            self.closure(closure);
                            (Kind::Hyper(None), None)
                        }
                        Binding::Constraint(closure) => {
                            self.closure(closure);
                            (Kind::Constraint, None)
                        }
                        Binding::Module(module) => {
                            let ports = self.module(module);
                            let at = graph.modules.len();
                            listed = self.listed_outputs(&mut graph, at, module);
                            (Kind::Module(ports, graph.modules.len()), None)
                        }
                    };
                    let dropped = self.scopes.take_taint() || self.cx.breaks() > breaks;
                    if dropped {
                        self.verdicts.drop(&**binding);
                        // The outputs it lists are not wired after all.
                        graph.unwired.extend(listed);
                    }
                    if let Kind::Module(ports, _) = kind {
                        let node = Some(key(&**binding));
                        graph.modules.push(ModuleEntry { name: binding.name.clone(), ports, node });
                    }
                    if let Some(earlier) = self.scopes.bind_with(&binding.name, kind, !dropped, domain) {
                        self.cx.sound(
                            binding.name.span(),
                            format!("duplicate name `{}`", binding.name),
                            format!("each name is bound once: rename this `{}` or the one above", binding.name),
                        );
                        graph.spare(&earlier);
                    }
                }
                Stmt::Connect(connect) => {
                    let ends = self.connect(&mut graph, connect);
                    if self.scopes.take_taint() || self.cx.breaks() > breaks {
                        self.verdicts.drop(connect);
                        graph.unwired.extend(ends);
                    }
                }
                Stmt::Reject(reject) => {
                    if !self.rejects {
                        self.cx.error_note(
                            reject.keyword.span(),
                            "`reject!` is for the body of a `substitution(..)`",
                            "a substitution rejects the values it was given: `substitution(|a, b| { reject!(a > b, \"why\"); .. })`",
                        );
                        self.verdicts.drop(&**reject);
                    }
                }
                Stmt::Broken(broken) => {
                    self.cx.syn_error(broken.error.clone());
                    match &broken.kind {
                        BrokenKind::Let(Some(name)) => {
                            broken_let = true;
                            self.scopes.bind_with(name, Kind::Broken, false, None);
                        }
                        BrokenKind::Let(None) => broken_let = true,
                        BrokenKind::Expose => expose_broken = true,
                        BrokenKind::Other => {}
                    }
                    for name in &broken.mentions {
                        graph.spare(name);
                    }
                }
            }
        }
        match &body.expose {
            Some(expose) => self.expose(&mut graph, expose),
            None if expose_broken => {}
            None => self.cx.sound(
                body.end,
                "missing `expose!(inputs -> outputs)` at the end of the space",
                "end the space with its border, e.g. `expose!(first.in -> last.out)`",
            ),
        }
        if expose_broken {
            graph.spare_all();
        }
        if body.expose.is_none() {
            // Without a border, no port is known to be exposed.
            graph.unwired.extend(0..graph.modules.len());
        }
        graph.settle();
        if !broken_let {
            self.no_modules(body, &graph);
        }
        self.dangling(&graph, body.expose.is_some());
        self.cycles(&graph);
        for node in graph.unchecked_nodes() {
            self.verdicts.unwire(node);
        }
        self.cx.forget_breaks_since(outer_breaks);
        self.scopes.restore_taint(outer_taint);
    }

    /// A body without modules builds nothing: its hyperparameters decide
    /// nothing, and it counts a single, empty architecture.
    fn no_modules(&mut self, body: &Body, graph: &Graph) {
        if !graph.modules.is_empty() {
            return;
        }
        let span = body.expose.as_ref().map_or(body.end, |e| e.keyword.span());
        let hypers: Vec<String> = body
            .stmts
            .iter()
            .filter_map(|s| match s {
                Stmt::Let(l) if matches!(l.value, Binding::Choice(_) | Binding::Dependent(_)) => {
                    Some(format!("`{}`", l.name))
                }
                _ => None,
            })
            .collect();
        if hypers.is_empty() {
            self.cx.sound(
                span,
                "this space has no modules",
                "place modules, `let a = op(..);`, and expose their ports",
            );
        } else {
            let verb = if hypers.len() == 1 { "decides" } else { "decide" };
            self.cx.sound(
                span,
                format!("this space has no modules, so {} {verb} nothing", hypers.join(", ")),
                "a space's architectures are its modules: place modules that use its hyperparameters, e.g. `let a = repeat(n, || op());`",
            );
        }
    }
}

/// The name a statement binds, if any.
fn let_name(stmt: &Stmt) -> Option<&Ident> {
    match stmt {
        Stmt::Let(binding) => Some(&binding.name),
        Stmt::Broken(broken) => match &broken.kind {
            BrokenKind::Let(name) => name.as_ref(),
            _ => None,
        },
        Stmt::Connect(_) | Stmt::Reject(_) => None,
    }
}
