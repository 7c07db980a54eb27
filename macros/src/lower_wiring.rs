//! Lowering, the typed wiring checks: which ports a body wires, per module
//! built by an op constructor or a sub-space.

use std::collections::HashMap;

use syn::Ident;

use crate::ast::unraw;
use crate::plan::{PortRef, PortUse, Step};

/// The ports a body wires, per module built by an op constructor or a
/// sub-space, in order of first use.
#[derive(Default)]
pub struct Wiring {
    /// Module, its uses, and whether it is still checked.
    modules: Vec<(Ident, Vec<PortUse>, bool)>,
    /// Tracked name → index in `modules`.
    index: HashMap<String, usize>,
}

impl Wiring {
    fn entry(&mut self, module: &Ident) -> Option<&mut Vec<PortUse>> {
        let at = *self.index.get(&unraw(module))?;
        self.modules.get_mut(at).map(|(_, uses, _)| uses)
    }

    /// `name` is a typed module: check its wiring.
    pub fn track(&mut self, name: &Ident) {
        self.index.insert(unraw(name), self.modules.len());
        self.modules.push((name.clone(), Vec::new(), true));
    }

    /// A new binding of `name` shadows the one tracked before: that one is
    /// not checked (a duplicate name, already reported).
    pub fn forget(&mut self, name: &Ident) {
        if let Some(at) = self.index.remove(&unraw(name))
            && let Some((_, _, live)) = self.modules.get_mut(at)
        {
            *live = false;
        }
    }

    /// `port` is used (a source) or fed (a target).
    pub fn port(&mut self, port: &PortRef, used: bool) {
        let Some(uses) = self.entry(&port.module) else { return };
        let method = unraw(&port.method);
        let seen = uses.iter().any(|u| match u {
            PortUse::Used(p) => used && unraw(&p.method) == method,
            PortUse::Fed(p) => !used && unraw(&p.method) == method,
            PortUse::FanIn => false,
        });
        if !seen {
            uses.push(if used { PortUse::Used(port.clone()) } else { PortUse::Fed(port.clone()) });
        }
    }

    pub fn fan_in(&mut self, module: &Ident) {
        if let Some(uses) = self.entry(module)
            && !uses.iter().any(|u| matches!(u, PortUse::FanIn))
        {
            uses.push(PortUse::FanIn);
        }
    }

    pub fn steps(self) -> impl Iterator<Item = Step> {
        self.modules.into_iter().filter(|(_, _, live)| *live).map(|(module, uses, _)| Step::Wired { module, uses })
    }
}
