//! What the checks decided about each statement: whether it goes into the
//! expansion, and whether its module gets the typed wiring check.
//!
//! After a mistake the macro still emits every statement that type-checks,
//! so that rustc reports the mistakes only it can see (ports of typed
//! modules, arities, value types) in the same build. A statement is left
//! out when the macro already reported it, or when it names something left
//! out; a module keeps its wiring check only when nothing about its wiring
//! was left out or reported.
//!
//! Nodes are identified by address: the syntax tree does not move between
//! the checks and lowering.

use std::collections::HashSet;

/// The identity of a node of the syntax tree.
pub fn key<T>(node: &T) -> usize {
    std::ptr::from_ref(node).addr()
}

/// The verdicts of one invocation.
#[derive(Default)]
pub struct Verdicts {
    dropped: HashSet<usize>,
    unwired: HashSet<usize>,
}

impl Verdicts {
    /// Leaves `node` (a statement or an exposed port) out of the expansion.
    pub fn drop<T>(&mut self, node: &T) {
        self.dropped.insert(key(node));
    }

    /// True when `node` is left out.
    pub fn is_dropped<T>(&self, node: &T) -> bool {
        !self.dropped.is_empty() && self.dropped.contains(&key(node))
    }

    /// The module bound by the node with this key gets no wiring check.
    pub fn unwire(&mut self, node: usize) {
        self.unwired.insert(node);
    }

    /// True when the module bound by `node` gets no wiring check.
    pub fn is_unwired<T>(&self, node: &T) -> bool {
        !self.unwired.is_empty() && self.unwired.contains(&key(node))
    }
}
