//! Stage 2, right-hand sides: module expressions, combinator arguments and
//! the values they consume, closures over hyperparameters, factories.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Expr, Ident};

use crate::ast::{Arg, Closure, Combinator, Factory, FactoryBody, ModuleExpr, ParamRole};
use crate::check::Checker;
use crate::ctxt::did_you_mean;
use crate::domain::{Accepts, Consumer, check_consumer, check_domain};
use crate::scope::{Kind, Ports};

/// What a value argument of a combinator is to it.
pub struct Need {
    pub role: &'static str,
    pub accepts: Accepts,
    pub fix: &'static str,
}

/// What each argument of a combinator must be.
pub enum Slot {
    /// A hyperparameter or a value, checked against what it feeds when known.
    Param(Option<Need>),
    Factory,
    /// `|k| ..`
    Combine,
    /// `|prev| ..`
    Iterate,
}

const COUNT_FIX: &str = "use whole numbers from 1 up, e.g. `choice([1, 2, 4])`";
const FLAG_FIX: &str = "a flag's domain is `choice([false, true])`, or one of them";

fn count(role: &'static str, fix: &'static str) -> Slot {
    Slot::Param(Some(Need { role, accepts: Accepts::IntegersFrom(1), fix }))
}

fn flag(role: &'static str, fix: &'static str) -> Slot {
    Slot::Param(Some(Need { role, accepts: Accepts::Booleans, fix }))
}

/// The slots of combinator `kind` given `n` arguments, and its usage.
fn signature(kind: Combinator, n: usize) -> (Vec<Slot>, &'static str) {
    use Slot::{Combine, Factory, Iterate};
    let factories = |k: usize| (0..k).map(|_| Factory).collect::<Vec<_>>();
    match kind {
        Combinator::Repeat => (
            vec![
                count(
                    "the count of `repeat`",
                    "`repeat` makes at least one copy: use counts from 1 up, and `optional(|| ..)` for none or one",
                ),
                Factory,
            ],
            "(num_reps, || module)",
        ),
        Combinator::Optional if n >= 2 => {
            (vec![flag("the flag of `optional`", FLAG_FIX), Factory], "(|| module) or (flag, || module)")
        }
        Combinator::Optional => (vec![Factory], "(|| module) or (flag, || module)"),
        Combinator::Or => (factories(n.max(1)), "(|| first, || second, ..)"),
        Combinator::OrWith => {
            let alternatives = n.saturating_sub(1).max(1);
            let need = Need {
                role: "the index of `or_with`",
                accepts: Accepts::IndicesBelow(alternatives),
                fix: "`or_with` picks its alternatives by position, 0 for the first `|| ..`; `or(..)` makes the decision itself",
            };
            let mut slots = vec![Slot::Param(Some(need))];
            slots.extend(factories(alternatives));
            (slots, "(idx, || first, || second, ..)")
        }
        Combinator::Permutation => (factories(n.clamp(1, 8)), "(|| first, || second, ..) with 1 to 8 fragments"),
        Combinator::SplitCombine => (
            vec![count("the number of splits of `split_combine`", COUNT_FIX), Factory, Combine],
            "(num_splits, || module, |k| combine)",
        ),
        Combinator::Residual => (vec![Factory, Factory, Factory], "(|| main, || residual, || combine)"),
        Combinator::Sequential => (factories(n.max(1)), "(|| first, || second, ..)"),
        Combinator::DenseBlock => (
            vec![
                count("the count of `dense_block`", COUNT_FIX),
                flag("the `end_in_combine` flag of `dense_block`", FLAG_FIX),
                Factory,
                Combine,
            ],
            "(num_applies, end_in_combine, || apply, |k| combine)",
        ),
        Combinator::NestedRepeat => (
            vec![count("the count of `nested_repeat`", COUNT_FIX), Factory, Iterate],
            "(num_reps, || first, |prev| iterate)",
        ),
    }
}

pub fn arg_span(arg: &Arg) -> Span {
    match arg {
        Arg::Factory(f) => f.bar,
        Arg::Choice(d) => d.keyword.span(),
        Arg::Expr(e) => e.span(),
    }
}

impl<'a> Checker<'_, 'a> {
    /// Checks a module expression; returns what is known of its ports.
    pub fn module(&mut self, module: &'a ModuleExpr) -> Ports {
        match module {
            ModuleExpr::Identity(_) => Ports::Siso,
            ModuleExpr::Combinator { keyword, kind, args } => {
                let (slots, usage) = signature(*kind, args.len());
                if slots.len() != args.len() {
                    self.cx.error(keyword.span(), format!("`{keyword}` takes `{usage}`, got {} arguments", args.len()));
                }
                for (slot, arg) in slots.iter().zip(args) {
                    self.combinator_arg(arg, slot, keyword, usage);
                }
                Ports::Siso
            }
            ModuleExpr::Select { .. }
            | ModuleExpr::Unused { .. }
            | ModuleExpr::Dag { .. }
            | ModuleExpr::OrNamed { .. }
            | ModuleExpr::Substitution { .. }
            | ModuleExpr::Sharing { .. }
            | ModuleExpr::Stack { .. } => self.form(module),
            ModuleExpr::Call { callee, args } => {
                if let Some(ports) = self.callee(callee, args) {
                    return ports;
                }
                for arg in args {
                    match arg {
                        Arg::Factory(factory) => self.factory(factory),
                        Arg::Choice(domain) => {
                            check_domain(self.cx, domain);
                        }
                        Arg::Expr(expr) => self.value_expr(expr, None),
                    }
                }
                Ports::Typed
            }
        }
    }

    /// A callee that is a name of this space; `Some` when the call is settled.
    fn callee(&mut self, callee: &syn::Path, args: &[Arg]) -> Option<Ports> {
        let name = callee.get_ident()?;
        match self.scopes.find(name).map(|f| f.kind) {
            Some(Kind::Value(ParamRole::Factory)) => {
                if let Some(first) = args.first() {
                    self.cx.error(arg_span(first), format!("the factory `{name}` takes no arguments"));
                }
                Some(Ports::Siso)
            }
            Some(Kind::Value(ParamRole::Combine)) => {
                if args.len() != 1 {
                    self.cx.error(name.span(), format!("the combine factory `{name}` takes one argument: `{name}(k)`"));
                }
                Some(Ports::Typed)
            }
            Some(Kind::Module(..)) => {
                self.cx.error_note(
                    name.span(),
                    format!("`{name}` is a module; call an op constructor or a sub-space"),
                    "each `let` builds a new module; wire an existing one with `connect!`",
                );
                None
            }
            Some(Kind::Hyper(_) | Kind::Constraint) => {
                self.cx.error(name.span(), format!("`{name}` is not an op constructor"));
                None
            }
            _ => None,
        }
    }

    pub fn combinator_arg(&mut self, arg: &'a Arg, slot: &Slot, keyword: &Ident, usage: &str) {
        match (slot, arg) {
            (Slot::Param(need), Arg::Choice(domain)) => {
                check_domain(self.cx, domain);
                if let Some(need) = need {
                    check_consumer(self.cx, &domain.values, None, &consumer(need));
                }
            }
            (Slot::Param(need), Arg::Expr(expr)) => self.value_expr(expr, need.as_ref()),
            (Slot::Factory, Arg::Factory(f)) if f.param.is_none() => self.factory(f),
            (Slot::Combine | Slot::Iterate, Arg::Factory(f)) if !f.more.is_empty() => {
                self.cx.error_note(
                    f.more[0].span(),
                    "a factory takes at most one parameter",
                    "a combine factory takes the number of its inputs, `|k| concat(k)`; `nested_repeat`'s iterate takes the copy so far, `|prev| { .. }`",
                );
            }
            (Slot::Combine, Arg::Factory(f)) if f.param.is_some() => self.factory(f),
            (Slot::Iterate, Arg::Factory(f)) if f.param.is_some() => self.iterate(f),
            (_, arg) => {
                let expected = match slot {
                    Slot::Param(_) => "a hyperparameter or a value",
                    Slot::Factory => "a factory `|| module`",
                    Slot::Combine => "a combine factory `|k| module`",
                    Slot::Iterate => "an iterate factory `|prev| module`",
                };
                self.cx.error(arg_span(arg), format!("expected {expected} here: `{keyword}` takes `{usage}`"));
            }
        }
    }

    /// A value argument: not a module; checked against `need` when its
    /// values are literals, written here or in the `let` of its name.
    pub fn value_expr(&mut self, expr: &'a Expr, need: Option<&Need>) {
        let name = match expr {
            Expr::Path(path) => path.path.get_ident(),
            _ => None,
        };
        let Some(name) = name else {
            if let Some(need) = need {
                check_consumer(self.cx, std::slice::from_ref(expr), None, &consumer(need));
            }
            return;
        };
        match self.scopes.find(name) {
            Some(found) => match found.kind {
                Kind::Module(..) => {
                    self.cx.error(name.span(), format!("`{name}` is a module; expected a hyperparameter or a value"))
                }
                Kind::Constraint => self
                    .cx
                    .error(name.span(), format!("`{name}` is a constraint; expected a hyperparameter or a value")),
                Kind::Hyper(_) => {
                    if let (Some(domain), Some(need)) = (found.domain, need) {
                        check_consumer(self.cx, &domain.values, Some(name), &consumer(need));
                    }
                }
                _ => {}
            },
            None if self.scopes.declared_below(name) => self.used_before_let(name),
            None => {}
        }
    }

    /// `name` is bound by a later `let` of this body.
    pub fn used_before_let(&mut self, name: &Ident) {
        self.cx.error_note(
            name.span(),
            format!("`{name}` is used before its `let`"),
            format!("move `let {name} = ..;` above this line: a space is built in the order of its statements"),
        );
    }

    /// A dependent hyperparameter or a constraint.
    pub fn closure(&mut self, closure: &'a Closure) {
        let hypers = self.scopes.names_where(|k| matches!(k, Kind::Hyper(_)));
        if let Some(receiver) = &closure.receiver {
            self.expect_hyper(receiver, &hypers);
            if closure.params.len() != 1 {
                self.cx.error(closure.keyword.span(), "`.map` takes a closure of one value: `.map(|v: i64| ..)`");
            }
            return;
        }
        if closure.params.is_empty() {
            self.cx.error(
                closure.keyword.span(),
                format!("`{}` needs the hyperparameters it reads: `|a, b| ..`", closure.keyword),
            );
        }
        for param in &closure.params {
            self.expect_hyper(&param.name, &hypers);
        }
    }

    pub fn expect_hyper(&mut self, name: &Ident, candidates: &[String]) {
        match self.scopes.find(name).map(|f| f.kind) {
            Some(Kind::Hyper(_) | Kind::Broken) => {}
            Some(_) => self.cx.error(name.span(), format!("`{name}` is not a hyperparameter")),
            None if self.scopes.declared_below(name) => self.used_before_let(name),
            None => {
                let hint = did_you_mean(&crate::ast::unraw(name), candidates.iter().map(String::as_str));
                self.cx.error(name.span(), format!("unknown hyperparameter `{name}`{hint}"));
            }
        }
    }

    /// `|prev| { ..; expose!(..) }`: a block in which `prev` is a module.
    fn iterate(&mut self, factory: &'a Factory) {
        let (Some(prev), FactoryBody::Block(body)) = (&factory.param, &factory.body) else {
            self.cx.error(factory.bar, "the iterate factory wires `prev`: `|prev| { ..; expose!(..) }`");
            return;
        };
        self.scopes.push(true);
        self.statements(body, Some(prev));
        self.scopes.pop();
    }

    pub fn factory(&mut self, factory: &'a Factory) {
        self.scopes.push(true);
        for param in factory.param.iter().chain(&factory.more) {
            self.scopes.bind(param, Kind::Local);
        }
        match &factory.body {
            FactoryBody::Module(module) => {
                self.module(module);
            }
            FactoryBody::Block(body) => self.body(body),
        }
        self.scopes.pop();
    }
}

pub fn consumer(need: &Need) -> Consumer<'_> {
    Consumer { role: need.role, accepts: &need.accepts, fix: need.fix }
}
