//! The wiring rules of a [`DagCell`](super::DagCell): from which edges are
//! present to the live nodes and what each reads. Pure, so that building,
//! brute-force tests and the counter's rules can be checked against each other.

use super::{Boundary, OffPath};
use crate::error::Invalid;

/// The pairs `(i, j)`, `i < j`, of `vertices` vertices in edge order.
pub(crate) fn edge_pairs(vertices: usize) -> Vec<(usize, usize)> {
    let mut pairs = Vec::with_capacity(vertices * vertices.saturating_sub(1) / 2);
    for i in 0..vertices {
        for j in i + 1..vertices {
            pairs.push((i, j));
        }
    }
    pairs
}

/// Where an input of a node or of the output comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Feed {
    /// Edge number `edge`, from vertex `from` (vertex 0 of an explicit cell
    /// is the cell's input).
    Edge { edge: usize, from: usize },
    /// A default wire from the cell's input (implicit boundary).
    CellInput,
    /// A default wire from node `from` (implicit boundary: a sink feeds the output).
    Node { from: usize },
}

/// A cell's wiring: which vertices are built and what each reads, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Wiring {
    /// Per vertex: what it reads, if it is built (a live node), else `None`.
    /// The input vertex of an explicit cell and the output vertex read as `None`.
    pub(crate) nodes: Vec<Option<Vec<Feed>>>,
    /// What the output reads.
    pub(crate) output: Vec<Feed>,
    /// Edges that survive pruning.
    pub(crate) edges: usize,
}

/// The rules of a cell, without its builders.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Rules {
    pub(crate) nodes: usize,
    pub(crate) boundary: Boundary,
    pub(crate) off_path: OffPath,
    pub(crate) max_edges: Option<usize>,
}

impl Rules {
    /// Vertices the edges connect.
    pub(crate) fn vertices(&self) -> usize {
        match self.boundary {
            Boundary::Explicit => self.nodes + 2,
            Boundary::Implicit => self.nodes,
        }
    }

    /// Whether vertex `v` is a node (has a body).
    pub(crate) fn is_node(&self, v: usize) -> bool {
        match self.boundary {
            Boundary::Explicit => (1..=self.nodes).contains(&v),
            Boundary::Implicit => v < self.nodes,
        }
    }

    /// The wiring for the edges marked `present` (in edge order).
    pub(crate) fn wiring(&self, present: &[bool]) -> Result<Wiring, Invalid> {
        let wiring = match self.boundary {
            Boundary::Explicit => self.explicit(present)?,
            Boundary::Implicit => self.implicit(present)?,
        };
        if let Some(max) = self.max_edges
            && wiring.edges > max
        {
            return Err(Invalid::new(format!("{} edges after pruning; at most {max} are allowed", wiring.edges)));
        }
        Ok(wiring)
    }

    fn explicit(&self, present: &[bool]) -> Result<Wiring, Invalid> {
        let n = self.vertices();
        let out = n - 1;
        let pairs = edge_pairs(n);
        let mut reached = vec![false; n];
        reached[0] = true;
        for (e, &(i, j)) in pairs.iter().enumerate() {
            if present[e] && reached[i] {
                reached[j] = true;
            }
        }
        let mut reaches = vec![false; n];
        reaches[out] = true;
        for (e, &(i, j)) in pairs.iter().enumerate().rev() {
            if present[e] && reaches[j] {
                reaches[i] = true;
            }
        }
        if !reached[out] {
            return Err(Invalid::new("no path from the input to the output"));
        }
        let live = |v: usize| reached[v] && reaches[v];
        let has_edge = |v: usize| pairs.iter().enumerate().any(|(e, &(i, j))| present[e] && (i == v || j == v));
        if self.off_path == OffPath::Invalid
            && let Some(v) = (1..out).find(|&v| !live(v) && has_edge(v))
        {
            return Err(Invalid::new(format!("node {v} has edges but is on no path from the input to the output")));
        }
        let mut nodes: Vec<Option<Vec<Feed>>> = (0..n).map(|v| (self.is_node(v) && live(v)).then(Vec::new)).collect();
        let mut output = Vec::new();
        let mut edges = 0;
        for (e, &(i, j)) in pairs.iter().enumerate() {
            if !(present[e] && live(i) && live(j)) {
                continue;
            }
            edges += 1;
            let feed = Feed::Edge { edge: e, from: i };
            match nodes[j].as_mut() {
                Some(inputs) => inputs.push(feed),
                None => output.push(feed),
            }
        }
        Ok(Wiring { nodes, output, edges })
    }

    fn implicit(&self, present: &[bool]) -> Result<Wiring, Invalid> {
        let n = self.nodes;
        let pairs = edge_pairs(n);
        let (mut has_in, mut has_out) = (vec![false; n], vec![false; n]);
        for (e, &(i, j)) in pairs.iter().enumerate() {
            if present[e] {
                has_out[i] = true;
                has_in[j] = true;
            }
        }
        let mut nodes: Vec<Option<Vec<Feed>>> = (0..n).map(|v| (has_in[v] || has_out[v]).then(Vec::new)).collect();
        for (e, &(i, j)) in pairs.iter().enumerate() {
            if present[e]
                && let Some(inputs) = nodes[j].as_mut()
            {
                inputs.push(Feed::Edge { edge: e, from: i });
            }
        }
        let mut output = Vec::new();
        for (v, inputs) in nodes.iter_mut().enumerate() {
            if let Some(inputs) = inputs {
                if inputs.is_empty() {
                    inputs.push(Feed::CellInput);
                }
                if !has_out[v] {
                    output.push(Feed::Node { from: v });
                }
            }
        }
        if output.is_empty() {
            output.push(Feed::CellInput);
        }
        let edges = present.iter().filter(|p| **p).count();
        Ok(Wiring { nodes, output, edges })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(nodes: usize, boundary: Boundary, off_path: OffPath, max_edges: Option<usize>) -> Rules {
        Rules { nodes, boundary, off_path, max_edges }
    }

    #[test]
    fn edges_are_ordered_row_by_row() {
        assert_eq!(edge_pairs(4), [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)]);
        assert_eq!(edge_pairs(7).len(), 21);
    }

    #[test]
    fn explicit_cells_prune_nodes_off_every_path() {
        // 0 -> 1 -> 3 (output), and 0 -> 2 with nothing after it.
        let r = rules(2, Boundary::Explicit, OffPath::Prune, None);
        let present = [true, true, false, false, true, false];
        let w = r.wiring(&present).unwrap();
        assert_eq!(w.nodes[1], Some(vec![Feed::Edge { edge: 0, from: 0 }]));
        assert_eq!(w.nodes[2], None);
        assert_eq!(w.output, [Feed::Edge { edge: 4, from: 1 }]);
        assert_eq!(w.edges, 2);
        let strict = rules(2, Boundary::Explicit, OffPath::Invalid, None);
        assert!(strict.wiring(&present).unwrap_err().reason.contains("node 2"));
        // A node without any edge is dropped, even by the strict rule.
        assert!(strict.wiring(&[false, false, true, false, false, false]).is_ok());
        assert!(r.wiring(&[true, true, false, false, false, false]).unwrap_err().reason.contains("no path"));
        let tight = rules(2, Boundary::Explicit, OffPath::Prune, Some(1));
        assert!(tight.wiring(&present).unwrap_err().reason.contains("2 edges"));
    }

    #[test]
    fn implicit_cells_wire_sources_and_sinks_by_default() {
        // Nodes 0 -> 2, node 1 isolated.
        let r = rules(3, Boundary::Implicit, OffPath::Prune, None);
        let w = r.wiring(&[false, true, false]).unwrap();
        assert_eq!(w.nodes[0], Some(vec![Feed::CellInput]));
        assert_eq!(w.nodes[1], None);
        assert_eq!(w.nodes[2], Some(vec![Feed::Edge { edge: 1, from: 0 }]));
        assert_eq!(w.output, [Feed::Node { from: 2 }]);
        let empty = r.wiring(&[false, false, false]).unwrap();
        assert_eq!(empty.output, [Feed::CellInput]);
        assert!(empty.nodes.iter().all(Option::is_none));
    }
}
