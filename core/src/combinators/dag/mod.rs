//! `dag`: a cell whose wiring is chosen edge by edge (NAS-Bench-101's
//! adjacency matrix, Genetic CNN's connection bits, the motifs of Liu et
//! al.'s hierarchical representations).

mod build;
mod count;
mod parts;
mod weights;
mod wiring;

use std::sync::Arc;

use crate::combinators::{CombineFactory, Factory};
use crate::error::SpecError;
use crate::io::Io;
use crate::op::{Name, Param};
use crate::space::Space;
use crate::space::records::Counting;
use crate::value::{Domain, Value};

pub(crate) use weights::{count_dag_group, feasible_values, measure_dag_group, read_by_a_cell};
use wiring::edge_pairs;

/// Builds the body of a node, given its vertex index.
pub type NodeFactory = Arc<dyn Fn(&mut Space, usize) -> Result<Io, SpecError> + Send + Sync>;

/// Builds the module on a present edge `from → to`, given the edge's value.
pub type EdgeFactory = Arc<dyn Fn(&mut Space, usize, usize, &Value) -> Result<Io, SpecError> + Send + Sync>;

/// How the vertices of a [`DagCell`] meet the cell's input and output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Boundary {
    /// Vertex 0 is the cell's input and vertex `nodes + 1` its output; the
    /// nodes are vertices `1 ..= nodes`. Edges from the input and into the
    /// output are decided like the others: `(nodes + 2)(nodes + 1) / 2`
    /// edges (21 for NAS-Bench-101's 5 nodes).
    Explicit,
    /// The nodes are vertices `0 .. nodes`, and only edges between nodes
    /// are decided: `nodes (nodes - 1) / 2` of them (Genetic CNN). A node
    /// with out-edges but no in-edge reads the cell's input, a node with
    /// in-edges but no out-edge feeds the output; with no edge at all the
    /// input feeds the output directly.
    Implicit,
}

/// What happens to a node that lies on no path from the input to the output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OffPath {
    /// It is pruned: it is not built, so the decisions it would make do not
    /// exist, and its edges do not count (NAS-Bench-101's `ModelSpec`
    /// pruning; Genetic CNN's dropping of isolated nodes).
    Prune,
    /// The cell is [`Invalid`](crate::Invalid) if such a node has any edge;
    /// a node with no edge at all is dropped, as with `Prune`
    /// (DeepArchitect's encoding of NAS-Bench-101: it rejects 99.3% of cells
    /// drawn bit by bit). With an implicit boundary every node with an edge
    /// is on a path, so this is `Prune`.
    Invalid,
}

/// An edge-flag DAG cell: one decision per pair of vertices `i < j` says
/// whether (and, for edges with more than one present value, with what)
/// `i` feeds `j`. Build it with [`Space::dag`].
///
/// Each live node merges its inputs with `combine(k)` (`k ≥ 2` inputs on
/// `in0 .. in{k-1}`; a single input goes straight in) and then runs its
/// body `node(v)`; the output merges its inputs with the output combine
/// (by default `combine`) and then runs the optional output body. A present
/// edge carries `edge(from, to, value)` if given, a plain wire otherwise.
///
/// Edges are decided in the order `(0,1), (0,2), …, (0,n), (1,2), …`; a
/// cell with no path from the input to the output, or with more surviving
/// edges than [`max_edges`](Self::max_edges), is [`Invalid`](crate::Invalid).
/// Edges are read only once every edge has a value; the counter counts a
/// cell by dynamic programming over its edges, and per-decision sampling
/// never draws a value that leaves no valid cell (see
/// [`SpaceDef::sample_random`](crate::SpaceDef::sample_random)).
#[derive(Clone)]
pub struct DagCell {
    pub(crate) nodes: usize,
    pub(crate) boundary: Boundary,
    pub(crate) off_path: OffPath,
    pub(crate) max_edges: Option<usize>,
    pub(crate) absent: Value,
    pub(crate) edges: Option<Vec<Param>>,
    /// Fresh edges over these values; chain edges without `absent` when set.
    pub(crate) edge_values: Option<(Vec<Value>, bool)>,
    pub(crate) node: NodeFactory,
    pub(crate) combine: CombineFactory,
    pub(crate) output_combine: Option<CombineFactory>,
    pub(crate) output_node: Option<Factory>,
    pub(crate) edge: Option<EdgeFactory>,
}

impl std::fmt::Debug for DagCell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DagCell")
            .field("nodes", &self.nodes)
            .field("boundary", &self.boundary)
            .field("off_path", &self.off_path)
            .field("max_edges", &self.max_edges)
            .field("absent", &self.absent)
            .finish_non_exhaustive()
    }
}

impl DagCell {
    /// A cell of `nodes` nodes with [`Boundary::Explicit`] vertices,
    /// [`OffPath::Prune`], one fresh boolean flag per edge (`false` means no
    /// edge) and no limit on edges; each node runs `node(v)` after
    /// `combine(k)` merges its `k ≥ 2` inputs.
    pub fn new(
        nodes: usize,
        node: impl Fn(&mut Space, usize) -> Result<Io, SpecError> + Send + Sync + 'static,
        combine: impl Fn(&mut Space, usize) -> Result<Io, SpecError> + Send + Sync + 'static,
    ) -> Self {
        DagCell {
            nodes,
            boundary: Boundary::Explicit,
            off_path: OffPath::Prune,
            max_edges: None,
            absent: Value::Bool(false),
            edges: None,
            edge_values: None,
            node: Arc::new(node),
            combine: Arc::new(combine),
            output_combine: None,
            output_node: None,
            edge: None,
        }
    }

    /// How the vertices meet the input and output (default [`Boundary::Explicit`]).
    pub fn boundary(mut self, boundary: Boundary) -> Self {
        self.boundary = boundary;
        self
    }

    /// What happens to nodes on no input→output path (default [`OffPath::Prune`]).
    pub fn off_path(mut self, off_path: OffPath) -> Self {
        self.off_path = off_path;
        self
    }

    /// At most `max` edges survive pruning; more is [`Invalid`](crate::Invalid).
    pub fn max_edges(mut self, max: usize) -> Self {
        self.max_edges = Some(max);
        self
    }

    /// The edges' hyperparameters, one per pair in order (shared, dependent
    /// or with domains of their own), and the value that means "no edge"
    /// (`false` for flags; `0` for the motifs of Liu et al., whose edges
    /// choose among primitives 1 ..= M). An edge whose domain lacks
    /// `absent` is always present.
    pub fn edges(mut self, edges: Vec<Param>, absent: impl Into<Value>) -> Self {
        self.edges = Some(edges);
        self.absent = absent.into();
        self
    }

    /// Every edge a fresh decision over `values`, of which `absent` means no
    /// edge; with `chain_present`, the chain edges `i → i + 1` leave
    /// `absent` out and are always present (Liu et al.'s flat motif: chain
    /// edges choose among primitives `1 ..= 6`, the others among `0 ..= 6`).
    pub fn edge_values<V: Into<Value>>(
        mut self,
        values: impl IntoIterator<Item = V>,
        absent: impl Into<Value>,
        chain_present: bool,
    ) -> Self {
        self.edge_values = Some((values.into_iter().map(Into::into).collect(), chain_present));
        self.absent = absent.into();
        self
    }

    /// The module a present edge `from → to` carries, built from its value
    /// (a projection on edges from the input, an operation chosen by the
    /// edge's value).
    pub fn edge(
        mut self,
        edge: impl Fn(&mut Space, usize, usize, &Value) -> Result<Io, SpecError> + Send + Sync + 'static,
    ) -> Self {
        self.edge = Some(Arc::new(edge));
        self
    }

    /// How the output merges `k ≥ 2` inputs (default: the nodes' `combine`).
    pub fn output_combine(
        mut self,
        combine: impl Fn(&mut Space, usize) -> Result<Io, SpecError> + Send + Sync + 'static,
    ) -> Self {
        self.output_combine = Some(Arc::new(combine));
        self
    }

    /// A body the output runs after merging its inputs (default: none).
    pub fn output_node(mut self, node: impl Fn(&mut Space) -> Result<Io, SpecError> + Send + Sync + 'static) -> Self {
        self.output_node = Some(Arc::new(node));
        self
    }

    /// The number of vertices edges connect: `nodes + 2` (explicit) or `nodes` (implicit).
    pub fn vertices(&self) -> usize {
        match self.boundary {
            Boundary::Explicit => self.nodes + 2,
            Boundary::Implicit => self.nodes,
        }
    }

    /// The number of edges, one decision each.
    pub fn edge_count(&self) -> usize {
        let v = self.vertices();
        v * v.saturating_sub(1) / 2
    }
}

/// What the counter and the sampler need of a cell: its rules and builders.
pub(crate) struct DagSpec {
    pub(crate) cell: DagCell,
}

impl DagSpec {
    /// Whether two cells follow the same rules (so that one count serves both).
    pub(crate) fn same_rules(&self, other: &DagSpec) -> bool {
        let (a, b) = (&self.cell, &other.cell);
        a.nodes == b.nodes
            && a.boundary == b.boundary
            && a.off_path == b.off_path
            && a.max_edges == b.max_edges
            && a.absent == b.absent
    }
}

impl Space {
    /// An edge-flag DAG cell ([`DagCell`]): a single-input (`in`),
    /// single-output (`out`) substitution module, named `dag` by default,
    /// whose edge decisions are named `edge_<i>_<j>` (vertex indices). Once
    /// every edge has a value it builds the live nodes (in scopes
    /// `node<v>`), the edges (`edge_<i>_<j>`) and the output (`output`).
    ///
    /// ```
    /// use archspace_core::combinators::{Boundary, DagCell};
    /// use archspace_core::{choice, Op, Space, SpaceDef};
    /// // NAS-Bench-101's cell, small: 2 nodes, each an op choice; at most 4 edges.
    /// let def = SpaceDef::new(|s| {
    ///     let cell = DagCell::new(
    ///         2,
    ///         |s, _v| s.basic(Op::new("conv").param("kernel", choice([1, 3]))),
    ///         |s, k| s.basic(Op::new("add").inputs_indexed(k)),
    ///     )
    ///     .output_combine(|s, k| s.basic(Op::new("concat").inputs_indexed(k)))
    ///     .max_edges(4);
    ///     s.dag(cell)
    /// });
    /// // 6 flags; brute force over them gives the same number.
    /// assert_eq!(def.count()?, 77u32.into());
    /// let arch = def.sample_random(&mut archspace_core::rng(1))?;
    /// assert!(arch.decisions().iter().take(6).all(|d| d.path.starts_with("dag/edge_")));
    /// # Ok::<(), archspace_core::SpecError>(())
    /// ```
    pub fn dag(&mut self, cell: DagCell) -> Result<Io, SpecError> {
        let path = || self.scope_path();
        if cell.vertices() < 2 {
            return Err(SpecError::BadCombinator {
                combinator: "dag",
                path: path(),
                reason: "needs at least two vertices (one node, for an implicit boundary, is a chain)".to_owned(),
            });
        }
        let pairs = edge_pairs(cell.vertices());
        let params = match &cell.edges {
            Some(edges) if edges.len() != pairs.len() => {
                return Err(SpecError::BadCombinator {
                    combinator: "dag",
                    path: path(),
                    reason: format!(
                        "{} edges given; {} vertices have {} pairs",
                        edges.len(),
                        cell.vertices(),
                        pairs.len()
                    ),
                });
            }
            Some(edges) => edges.clone(),
            None => match &cell.edge_values {
                Some((values, chain_present)) => pairs
                    .iter()
                    .map(|&(i, j)| {
                        let keep = |v: &&Value| !(*chain_present && j == i + 1 && **v == cell.absent);
                        Param::Choice(Domain::new(values.iter().filter(keep).cloned()))
                    })
                    .collect(),
                None => pairs.iter().map(|_| Param::Choice(Ok(Domain::bool()))).collect(),
            },
        };
        let hypers: Vec<(Name, Param)> =
            pairs.iter().zip(params).map(|((i, j), p)| (Name::Owned(format!("edge_{i}_{j}")), p)).collect();
        let spec = Arc::new(DagSpec { cell });
        let decl = build::substitution(Arc::clone(&spec), hypers);
        self.substitution_counted(decl, Counting::Dag(spec))
    }
}

#[cfg(test)]
mod tests;
