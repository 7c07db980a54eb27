//! The Genetic CNN space (Xie & Yuille 2017), as DeepArchitect encodes it:
//! three stages of 3, 4 and 5 nodes; in each stage one bit per pair of
//! nodes `i < j` says whether `i` feeds `j` (3 + 6 + 10 = 19 bits). A node
//! sums its inputs and runs conv 3×3 → batch norm → ReLU; the stage's input
//! node (conv `k×k`) feeds the nodes with out-edges and no in-edge, the
//! nodes with in-edges and no out-edge feed the output node (a sum and a
//! conv 3×3), isolated nodes are dropped. Stages are separated by a 3×3 max
//! pool of stride 2; the head is flatten → dense → dropout 0.5 → dense.

use archspace::search_space;

use super::blocks::{conv_bn_relu, max_pool};
use crate::ops;

/// The sizes of a Genetic space.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GeneticSize {
    /// Filters of the three stages (the paper: 64, 128, 256).
    pub filters: [i64; 3],
    /// Kernel of each stage's input node (the paper: 5).
    pub input_kernel: i64,
    /// Units of the hidden dense layer of the head (the paper: 1024).
    pub hidden: i64,
    /// Classes.
    pub classes: i64,
}

impl GeneticSize {
    /// The paper's sizes.
    pub const PAPER: GeneticSize = GeneticSize { filters: [64, 128, 256], input_kernel: 5, hidden: 1024, classes: 10 };
    /// Sizes for a minute of training per trial on a 2-core CPU (Fashion-MNIST).
    pub const CPU: GeneticSize = GeneticSize { filters: [8, 16, 32], input_kernel: 5, hidden: 64, classes: 10 };
}

/// One stage: its input node, then a cell of `nodes` nodes over connection bits.
#[search_space]
pub fn genetic_stage(nodes: usize, filters: i64, input_kernel: i64) -> Space {
    let input = conv_bn_relu(filters, input_kernel);
    let stage = dag(
        nodes = nodes,
        boundary = implicit,
        node = |v| conv_bn_relu(filters, 3),
        combine = |k| ops::add(k),
        output_node = || conv_bn_relu(filters, 3),
    );
    connect!(input.out -> stage.in);
    expose!(input.in -> stage.out)
}

/// The whole network: three stages, pools between them, the head.
#[search_space]
pub fn genetic(size: GeneticSize) -> Space {
    let stage1 = genetic_stage(3, size.filters[0], size.input_kernel);
    let pool1 = max_pool(3, 2);
    let stage2 = genetic_stage(4, size.filters[1], size.input_kernel);
    let pool2 = max_pool(3, 2);
    let stage3 = genetic_stage(5, size.filters[2], size.input_kernel);
    let flat = ops::flatten();
    let hidden = ops::dense(size.hidden);
    let act = ops::relu();
    let drop = ops::dropout(0.5);
    let logits = ops::dense(size.classes);
    connect!(stage1.out -> pool1.in);
    connect!(pool1.out -> stage2.in);
    connect!(stage2.out -> pool2.in);
    connect!(pool2.out -> stage3.in);
    connect!(stage3.out -> flat.in);
    connect!(flat.out -> hidden.in);
    connect!(hidden.out -> act.in);
    connect!(act.out -> drop.in);
    connect!(drop.out -> logits.in);
    expose!(stage1.in -> logits.out)
}
