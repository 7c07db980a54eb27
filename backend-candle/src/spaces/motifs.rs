//! The flat and hierarchical spaces of Liu et al. 2018 ("Hierarchical
//! representations for efficient architecture search"), as DeepArchitect
//! encodes them.
//!
//! Six primitives (level 1): conv 1×1 (batch norm, conv, ReLU), depthwise
//! conv 3×3, separable conv 3×3, max pool 3×3, average pool 3×3, identity.
//! A *motif* is a DAG whose every pair of vertices `i < j` has an edge
//! decision: chain edges (`j = i + 1`) choose one of the motifs of the level
//! below (`1 ..= M`), the others choose one or none (`0`). Each vertex
//! concatenates what its edges carry and runs a conv 1×1 cell; a motif of
//! level 2 ends with one more conv 1×1 cell. A motif's decisions are
//! shared by every use of that motif.
//!
//! - **Flat**: one motif of 11 vertices over the primitives: 10 chain
//!   edges (6 values) and 45 others (7 values), 55 decisions.
//! - **Hierarchical**: six motifs of 4 vertices over the primitives, and
//!   one motif of 5 vertices over those six; a level-2 motif's decisions
//!   exist only where a level-3 edge uses it.
//!
//! Both sit in the same skeleton: conv 3×3 (stride 1; 2 at the CPU size)
//! → motif → separable (stride 1) → motif → separable (stride 2) → …,
//! three reductions, a global-pool head.

use archspace::{Value, search_space};

use super::blocks::{avg_pool, conv, max_pool, pool_head, separable};
use crate::ops;

/// The sizes of a flat or hierarchical space.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MotifSize {
    /// The skeleton's base filter count (the paper: 64; 128, 256, 512 after reductions).
    pub filters: i64,
    /// Classes.
    pub classes: i64,
    /// The stem convolution's stride: 2 runs every motif at a quarter of
    /// the input's pixels (the CPU size), 1 at all of them (the paper).
    pub stem_stride: i64,
}

impl MotifSize {
    /// The paper's sizes.
    pub const PAPER: MotifSize = MotifSize { filters: 64, classes: 10, stem_stride: 1 };
    /// Sizes for about a minute of training per trial on a 2-core CPU
    /// (the Fashion-MNIST subset): the motifs' 55 (flat) or up to 100
    /// (hierarchical) small operations per use cost more than their
    /// arithmetic, so the stem halves the resolution first.
    pub const CPU: MotifSize = MotifSize { filters: 8, classes: 10, stem_stride: 2 };
}

/// The index, from 0, of the motif of the level below that an edge value `1 ..= M` names.
pub fn below(value: &Value) -> i64 {
    value.as_int().map_or(0, |v| v - 1)
}

/// The share key of level-2 motif `m`.
pub fn motif_key(m: i64) -> String {
    format!("motif{m}")
}

/// batch norm → conv 1×1 → ReLU.
#[search_space]
pub fn conv1x1_cell(filters: i64) -> Space {
    let bn = ops::batch_norm();
    let c = ops::conv2d(filters, 1);
    let act = ops::relu();
    connect!(bn.out -> c.in);
    connect!(c.out -> act.in);
    expose!(bn.in -> act.out)
}

/// Primitive `index` (0 to 5).
#[search_space]
pub fn primitive(index: i64, filters: i64) -> Space {
    let op = or_with(
        index,
        || conv1x1_cell(filters),
        || ops::depthwise_conv2d(3),
        || separable(filters, 3, 1),
        || max_pool(3, 1),
        || avg_pool(3, 1),
        || identity(),
    );
    expose!(op.in -> op.out)
}

/// The end of a level-2 motif: its last vertex's conv cell, then one more.
#[search_space]
pub fn motif_end(filters: i64) -> Space {
    let last = conv1x1_cell(filters);
    let extra = conv1x1_cell(filters);
    connect!(last.out -> extra.in);
    expose!(last.in -> extra.out)
}

/// A level-2 motif of `vertices` vertices over the primitives.
#[search_space]
pub fn primitive_motif(vertices: usize, filters: i64) -> Space {
    let motif = dag(
        nodes = vertices - 2,
        node = |v| conv1x1_cell(filters),
        combine = |k| ops::concat(k),
        output_combine = |k| ops::concat(k),
        output_node = || motif_end(filters),
        values = [0, 1, 2, 3, 4, 5, 6],
        absent = 0,
        chain = true,
        edge = |from, to, value| primitive(below(value), filters),
    );
    expose!(motif.in -> motif.out)
}

/// Level-2 motif `m` of the hierarchical space, shared by every use.
#[search_space]
pub fn level2(m: i64, filters: i64) -> Space {
    let motif = sharing(motif_key(m), || primitive_motif(4, filters));
    expose!(motif.in -> motif.out)
}

/// The level-3 motif of the hierarchical space: 5 vertices over the six level-2 motifs.
#[search_space]
pub fn level3_motif(filters: i64) -> Space {
    let motif = dag(
        nodes = 3,
        node = |v| conv1x1_cell(filters),
        combine = |k| ops::concat(k),
        output_combine = |k| ops::concat(k),
        output_node = || conv1x1_cell(filters),
        values = [0, 1, 2, 3, 4, 5, 6],
        absent = 0,
        chain = true,
        edge = |from, to, value| level2(below(value), filters),
    );
    expose!(motif.in -> motif.out)
}

/// The flat motif, shared by every use.
#[search_space]
pub fn flat_motif(filters: i64) -> Space {
    let motif = sharing("flat", || primitive_motif(11, filters));
    expose!(motif.in -> motif.out)
}

/// The hierarchical motif, shared by every use.
#[search_space]
pub fn hierarchical_motif(filters: i64) -> Space {
    let motif = sharing("level3", || level3_motif(filters));
    expose!(motif.in -> motif.out)
}

/// The flat or the hierarchical motif.
#[search_space]
pub fn motif(filters: i64, hierarchical: bool) -> Space {
    let m = or_with(if hierarchical { 1 } else { 0 }, || flat_motif(filters), || hierarchical_motif(filters));
    expose!(m.in -> m.out)
}

/// The skeleton around the motifs (both spaces): six motif uses between
/// separable convolutions, three of which halve the resolution.
#[search_space]
pub fn motif_net(size: MotifSize, hierarchical: bool) -> Space {
    let stem = conv(size.filters, 3, size.stem_stride);
    let stem_bn = ops::batch_norm();
    let m1 = motif(size.filters, hierarchical);
    let s1 = separable(size.filters, 3, 1);
    let m2 = motif(size.filters, hierarchical);
    let s2 = separable(2 * size.filters, 3, 2);
    let m3 = motif(2 * size.filters, hierarchical);
    let s3 = separable(size.filters, 3, 1);
    let m4 = motif(2 * size.filters, hierarchical);
    let s4 = separable(4 * size.filters, 3, 2);
    let m5 = motif(4 * size.filters, hierarchical);
    let s5 = separable(size.filters, 3, 1);
    let m6 = motif(4 * size.filters, hierarchical);
    let s6 = separable(8 * size.filters, 3, 2);
    let head = pool_head(size.classes);
    connect!(stem.out -> stem_bn.in);
    connect!(stem_bn.out -> m1.in);
    connect!(m1.out -> s1.in);
    connect!(s1.out -> m2.in);
    connect!(m2.out -> s2.in);
    connect!(s2.out -> m3.in);
    connect!(m3.out -> s3.in);
    connect!(s3.out -> m4.in);
    connect!(m4.out -> s4.in);
    connect!(s4.out -> m5.in);
    connect!(m5.out -> s5.in);
    connect!(s5.out -> m6.in);
    connect!(m6.out -> s6.in);
    connect!(s6.out -> head.in);
    expose!(stem.in -> head.out)
}

/// The flat space.
pub fn flat(size: MotifSize) -> archspace::SubSpace<archspace::ports::Siso> {
    motif_net(size, false)
}

/// The hierarchical space.
pub fn hierarchical(size: MotifSize) -> archspace::SubSpace<archspace::ports::Siso> {
    motif_net(size, true)
}
