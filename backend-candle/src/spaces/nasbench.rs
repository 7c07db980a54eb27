//! The NAS-Bench-101 space (Ying et al. 2019), as DeepArchitect encodes it:
//! a cell of 7 vertices (input, 5 nodes, output) whose 21 edges are bits, an
//! operation per node (conv 1×1, conv 3×3, max pool 3×3, each with batch
//! norm and ReLU for the convolutions), and one cell shared by every cell
//! of the network: 3 stacks of cells with a 2×2 max pool between them,
//! filters doubling, a conv 3×3 stem and a global-pool head.
//!
//! A cell with a node on no path from the input to the output, with no such
//! path, or with more than 9 edges is [`Invalid`](archspace::Invalid), as in
//! DeepArchitect (NAS-Bench-101's own `ModelSpec` prunes such nodes
//! instead: [`DagCell`](archspace::combinators::DagCell)'s `off_path =
//! prune`). Nodes sum their inputs (channels truncated to the smallest
//! count, as NAS-Bench-101 does); edges from the cell's input carry a 1×1
//! projection; the output concatenates its inputs. Unlike NAS-Bench-101,
//! every node has the stack's filter count, and an input→output edge is one
//! more concatenated input rather than a projection added to the concatenation.

use archspace::search_space;

use super::blocks::{conv_bn_relu, max_pool, pool_head};
use crate::ops;

/// The sizes of a NAS-Bench space.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NasbenchSize {
    /// Filters of the first stack (doubled for each next one; the paper: 128).
    pub filters: i64,
    /// Cells per stack (the paper: 3).
    pub cells: usize,
    /// Classes.
    pub classes: i64,
}

impl NasbenchSize {
    /// The paper's sizes.
    pub const PAPER: NasbenchSize = NasbenchSize { filters: 128, cells: 3, classes: 10 };
    /// Sizes for a minute of training per trial on a 2-core CPU (Fashion-MNIST).
    pub const CPU: NasbenchSize = NasbenchSize { filters: 8, cells: 1, classes: 10 };
}

/// A node's operation, chosen once for every cell sharing it.
#[search_space]
pub fn nasbench_op(filters: i64) -> Space {
    let op = or_named(
        conv1x1 = || conv_bn_relu(filters, 1),
        conv3x3 = || conv_bn_relu(filters, 3),
        maxpool3x3 = || max_pool(3, 1),
    );
    expose!(op.in -> op.out)
}

/// A 1×1 projection on an edge from the cell's input, a wire otherwise.
#[search_space]
pub fn nasbench_edge(from_input: bool, filters: i64) -> Space {
    let edge = optional(from_input, || conv_bn_relu(filters, 1));
    expose!(edge.in -> edge.out)
}

/// The cell: 5 nodes over 21 edge bits, at most 9 edges.
#[search_space]
pub fn nasbench_cell(filters: i64) -> Space {
    let cell = dag(
        nodes = 5,
        node = |v| nasbench_op(filters),
        combine = |k| ops::add(k),
        output_combine = |k| ops::concat(k),
        edge = |from, to, value| nasbench_edge(from == 0, filters),
        off_path = invalid,
        max_edges = 9,
    );
    expose!(cell.in -> cell.out)
}

/// The network: stem, 3 stacks of shared cells, the head.
#[search_space]
pub fn nasbench(size: NasbenchSize) -> Space {
    let stem = conv_bn_relu(size.filters, 3);
    let stack1 = repeat(size.cells, || sharing("cell", || nasbench_cell(size.filters)));
    let down1 = max_pool(2, 2);
    let stack2 = repeat(size.cells, || sharing("cell", || nasbench_cell(2 * size.filters)));
    let down2 = max_pool(2, 2);
    let stack3 = repeat(size.cells, || sharing("cell", || nasbench_cell(4 * size.filters)));
    let head = pool_head(size.classes);
    connect!(stem.out -> stack1.in);
    connect!(stack1.out -> down1.in);
    connect!(down1.out -> stack2.in);
    connect!(stack2.out -> down2.in);
    connect!(down2.out -> stack3.in);
    connect!(stack3.out -> head.in);
    expose!(stem.in -> head.out)
}
