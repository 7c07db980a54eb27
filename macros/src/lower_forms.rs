//! Stage 3, the forms whose wiring a hyperparameter chooses and the forms
//! with named arguments.

use crate::ast::{Arg, ModuleExpr, unraw};
use crate::lower::{Lowerer, port_ref};
use crate::plan::{ArgPlan, Build};
use crate::scope::Kind;

impl Lowerer<'_> {
    /// Lowers one of these forms (the other module expressions never reach here).
    pub(crate) fn form(&mut self, module: &ModuleExpr) -> Build {
        match module {
            ModuleExpr::Select { keyword, idx, sources, .. } => Build::Select {
                keyword: keyword.clone(),
                idx: idx.as_ref().map(|a| self.arg(a)),
                sources: sources.iter().filter_map(port_ref).collect(),
            },
            ModuleExpr::Unused { keyword, combine, states, .. } => Build::Unused {
                keyword: keyword.clone(),
                combine: self.factory(combine),
                states: states.iter().filter_map(port_ref).collect(),
            },
            ModuleExpr::Dag { keyword, options } => Build::Dag {
                keyword: keyword.clone(),
                options: options
                    .iter()
                    .map(|o| {
                        let value = match &o.value {
                            Arg::Factory(f) => ArgPlan::Factory(self.factory(f)),
                            other => self.arg(other),
                        };
                        (unraw(&o.name), value)
                    })
                    .collect(),
            },
            ModuleExpr::OrNamed { keyword, idx, alternatives } => Build::OrNamed {
                keyword: keyword.clone(),
                idx: idx.as_ref().map(|a| self.arg(a)),
                alternatives: alternatives
                    .iter()
                    .filter_map(|a| match &a.value {
                        Arg::Factory(f) => Some((unraw(&a.name), self.factory(f))),
                        _ => None,
                    })
                    .collect(),
            },
            ModuleExpr::Substitution { keyword, params, body } => {
                let deps: Vec<_> = params.iter().map(|p| p.name.clone()).collect();
                let reads = self.typed_reads(params, &deps);
                self.scopes.push(true);
                for param in params {
                    self.scopes.bind(&param.name, Kind::Local);
                }
                let body = self.factory_body(body);
                self.scopes.pop();
                let body = crate::plan::FactoryPlan {
                    bar: keyword.span(),
                    captures: self.captures.clone(),
                    iterate: false,
                    param: None,
                    more: Vec::new(),
                    body,
                };
                Build::Substitution { keyword: keyword.clone(), deps, reads, body }
            }
            ModuleExpr::Sharing { keyword, key, factory } => Build::Sharing {
                keyword: keyword.clone(),
                key: key.clone(),
                inner: Box::new(self.inner(&factory.body)),
            },
            ModuleExpr::Stack { keyword, count, factory } => Build::Stack {
                keyword: keyword.clone(),
                count: count.clone(),
                inner: Box::new(self.inner(&factory.body)),
            },
            ModuleExpr::Combinator { .. } | ModuleExpr::Identity(_) | ModuleExpr::Call { .. } => self.module(module),
        }
    }

    /// The module a `sharing` or `stack` factory builds, lowered in place.
    fn inner(&mut self, body: &crate::ast::FactoryBody) -> Build {
        match body {
            crate::ast::FactoryBody::Module(module) => self.module(module),
            crate::ast::FactoryBody::Block(_) => Build::Identity(proc_macro2::Span::call_site()),
        }
    }
}
