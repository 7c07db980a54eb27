//! [`Architecture`]: a frozen, fully specified DAG of basic modules.
//!
//! Produced by [`Space::freeze`](crate::Space::freeze); plain data that a
//! backend compiles into a network, with serde JSON round-trip, DOT export, a
//! text summary and a canonical hash.
//!
//! ```
//! use archspace_core::{Architecture, Op, Space};
//! let mut space = Space::build(|s| s.basic(Op::new("relu")))?;
//! let arch = space.freeze()?;
//! let json = serde_json::to_string(&arch).unwrap();
//! let back: Architecture = serde_json::from_str(&json).unwrap();
//! assert_eq!(arch, back);
//! assert_eq!(arch.canonical_hash(), back.canonical_hash());
//! # Ok::<(), archspace_core::SpecError>(())
//! ```

mod dot;
mod frame;
mod hash;
mod path;
mod plain;
mod summary;
#[cfg(feature = "plots")]
mod svg;

use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};
use smallvec::SmallVec;

use crate::op::Name;
use crate::value::Value;

pub(crate) use frame::{Frame, Site};
pub use hash::ArchitectureHash;
pub(crate) use hash::{EncodingTemplate, KnownHash, ValueSite};
pub use path::SpacePath;

/// Where a module input (or an architecture output) reads from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Input number `index` of the architecture.
    Input {
        /// Position among the architecture's inputs.
        index: usize,
    },
    /// Output number `output` of module number `module` (an earlier module).
    Module {
        /// Position in [`Architecture::modules`].
        module: usize,
        /// Position among that module's outputs.
        output: usize,
    },
}

/// A basic module of a frozen architecture.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub struct ArchModule {
    /// Its path in the space, e.g. `left/1/conv2d`; stable across runs.
    pub path: SpacePath,
    /// The op name, e.g. `conv2d`.
    pub op: Name,
    /// The op's parameters with their values, in declaration order (inline
    /// up to two).
    pub params: SmallVec<[(Name, Value); 2]>,
    /// Its inputs, in order, with their sources (inline up to two).
    pub inputs: SmallVec<[(Name, Source); 2]>,
    /// Its output names, in order (inline for one).
    pub outputs: SmallVec<[Name; 1]>,
}

/// Copies a short list element by element: several times cheaper than
/// `SmallVec`'s own `clone`, which goes through its generic `extend`.
fn clone_small<A: smallvec::Array>(items: &SmallVec<A>) -> SmallVec<A>
where
    A::Item: Clone,
{
    let mut copy = SmallVec::with_capacity(items.len());
    for item in items {
        copy.push(item.clone());
    }
    copy
}

impl Clone for ArchModule {
    fn clone(&self) -> Self {
        ArchModule {
            path: self.path.clone(),
            op: self.op.clone(),
            params: clone_small(&self.params),
            inputs: clone_small(&self.inputs),
            outputs: clone_small(&self.outputs),
        }
    }
}

impl ArchModule {
    /// The value of parameter `name`.
    pub fn param(&self, name: &str) -> Option<&Value> {
        self.params.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }
}

/// One decision: the path of an independent hyperparameter and its value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// The hyperparameter's path, e.g. `right/3/conv2d/filters`.
    pub path: SpacePath,
    /// The value chosen.
    pub value: Value,
}

/// A fully specified architecture: basic modules in topological order, the
/// decisions that produced it, and the carried global hyperparameters.
///
/// Architectures frozen from the same graph share its structure (inputs,
/// outputs, modules with their paths and connections, decision paths) and
/// each keeps only its values. [`modules`](Architecture::modules),
/// [`decisions`](Architecture::decisions) and [`globals`](Architecture::globals)
/// put the values into place the first time they are called (a copy of the
/// shared modules, one allocation each) and return that after; sampling,
/// hashing, dropping and comparing two architectures of one structure copy
/// none of it. The sharing is invisible otherwise: `==`, `Debug` and serde
/// see the plain data.
#[derive(Clone)]
pub struct Architecture {
    /// The structure, shared with architectures of the same graph.
    frame: Arc<Frame>,
    /// Its values: one per decision, in order, then those the frame's sites
    /// and globals read that are not decisions.
    values: Vec<Value>,
    /// `frame.modules` with the values at its sites (unused when the frame
    /// has no sites: its modules are complete).
    modules: OnceLock<Vec<ArchModule>>,
    decisions: OnceLock<Vec<Decision>>,
    globals: OnceLock<Vec<(String, Value)>>,
    /// Set where the hash was computed as the architecture was made.
    pub(crate) known_hash: KnownHash,
}

impl Architecture {
    /// Names of the architecture's inputs.
    pub fn inputs(&self) -> &[Name] {
        &self.frame.inputs
    }

    /// The architecture's outputs and where they read from.
    pub fn outputs(&self) -> &[(Name, Source)] {
        &self.frame.outputs
    }

    /// Basic modules in a topological order (every source comes first).
    ///
    /// The order is canonical: a depth-first walk back from the outputs,
    /// visiting inputs in port order, listing each module after its sources.
    /// On an architecture that shares its structure, the first call copies
    /// the shared modules with this architecture's values (about a
    /// microsecond for the seed space); later calls return that copy.
    pub fn modules(&self) -> &[ArchModule] {
        if self.frame.sites.is_empty() {
            return &self.frame.modules;
        }
        self.modules.get_or_init(|| self.frame.filled_modules(&self.values))
    }

    /// The decisions, in the order they were made.
    pub fn decisions(&self) -> &[Decision] {
        self.decisions.get_or_init(|| self.frame.decisions_with(&self.values))
    }

    /// Carried hyperparameters (learning rate, …) by path, sorted by path.
    pub fn globals(&self) -> &[(String, Value)] {
        self.globals.get_or_init(|| self.frame.globals_with(&self.values))
    }

    /// The value of the carried hyperparameter at `path`.
    pub fn global(&self, path: &str) -> Option<&Value> {
        self.globals().iter().find(|(p, _)| p == path).map(|(_, v)| v)
    }

    /// Checks the invariants a frozen architecture keeps: every source points
    /// to an earlier module or an existing input, ports exist. Used in tests;
    /// also useful on architectures read back from JSON written by others.
    pub fn verify(&self) -> Result<(), String> {
        // Connections are part of the shared structure: no values needed.
        let modules = &self.frame.modules;
        let check = |src: &Source, before: usize, what: &str| -> Result<(), String> {
            match *src {
                Source::Input { index } if index < self.frame.inputs.len() => Ok(()),
                Source::Module { module, output } if module < before && output < modules[module].outputs.len() => {
                    Ok(())
                }
                _ => Err(format!("{what} reads from {src:?}, which does not exist before it")),
            }
        };
        for (i, m) in modules.iter().enumerate() {
            for (name, src) in &m.inputs {
                check(src, i, &format!("`{}/{name}`", m.path))?;
            }
        }
        for (name, src) in &self.frame.outputs {
            check(src, modules.len(), &format!("output `{name}`"))?;
        }
        let mut graph = petgraph::graph::DiGraph::<(), ()>::with_capacity(modules.len(), 0);
        let nodes: Vec<_> = modules.iter().map(|_| graph.add_node(())).collect();
        for (i, m) in modules.iter().enumerate() {
            for (_, src) in &m.inputs {
                if let Source::Module { module, .. } = src {
                    graph.add_edge(nodes[*module], nodes[i], ());
                }
            }
        }
        petgraph::algo::toposort(&graph, None)
            .map(|_| ())
            .map_err(|c| format!("cycle through module {}", c.node_id().index()))
    }
}
