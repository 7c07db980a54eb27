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
//! Both sit in the same skeleton: conv 3×3 (stride 1 at the paper's size)
//! → motif → separable (stride 1) → motif → separable (stride 2) → …,
//! three reductions, a global-pool head. The CPU size keeps one motif per
//! stage (motif → separable, stride 2) after a stride-4 stem.

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
    /// The stem convolution's stride: 4 runs the first motifs at a
    /// sixteenth of the input's pixels (the CPU size), 1 at all of them
    /// (the paper).
    pub stem_stride: i64,
    /// Motif uses per stage, at least 1 (the paper: 2, with a stride-1
    /// separable convolution between them). Building with 0 is an error.
    pub motifs_per_stage: usize,
}

impl MotifSize {
    /// The paper's sizes.
    pub const PAPER: MotifSize = MotifSize { filters: 64, classes: 10, stem_stride: 1, motifs_per_stage: 2 };
    /// Sizes for a minute or two of training per trial on the full
    /// Fashion-MNIST on a 2-core CPU: the motifs' 55 (flat) or up to 100
    /// (hierarchical) small operations per use cost more than their
    /// arithmetic, so the stem quarters the resolution first and each
    /// stage uses its motif once.
    pub const CPU: MotifSize = MotifSize { filters: 8, classes: 10, stem_stride: 4, motifs_per_stage: 1 };
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

/// A motif, then a separable 3×3 convolution to `filters` at `stride`.
#[search_space]
pub fn motif_then_separable(motif_filters: i64, hierarchical: bool, filters: i64, stride: i64) -> Space {
    let m = motif(motif_filters, hierarchical);
    let s = separable(filters, 3, stride);
    connect!(m.out -> s.in);
    expose!(m.in -> s.out)
}

/// A stage of the skeleton: `size.motifs_per_stage` motifs at
/// `motif_filters`, a stride-1 separable convolution (to `size.filters`)
/// between two of them, and a stride-2 one to `out_filters` at the end.
#[search_space]
pub fn motif_stage(size: MotifSize, hierarchical: bool, motif_filters: i64, out_filters: i64) -> Space {
    let first = or_with(
        if size.motifs_per_stage == 1 { 0 } else { 1 },
        || identity(),
        || {
            stack(size.motifs_per_stage.saturating_sub(1), || {
                motif_then_separable(motif_filters, hierarchical, size.filters, 1)
            })
        },
    );
    let last = motif_then_separable(motif_filters, hierarchical, out_filters, 2);
    connect!(first.out -> last.in);
    expose!(first.in -> last.out)
}

/// The skeleton around the motifs (both spaces): three stages of motifs
/// (two each at the paper's size) between separable convolutions, each
/// stage ending with one that halves the resolution.
#[search_space]
pub fn motif_net(size: MotifSize, hierarchical: bool) -> Space {
    let stem = conv(size.filters, 3, size.stem_stride);
    let stem_bn = ops::batch_norm();
    let stage1 = motif_stage(size, hierarchical, size.filters, 2 * size.filters);
    let stage2 = motif_stage(size, hierarchical, 2 * size.filters, 4 * size.filters);
    let stage3 = motif_stage(size, hierarchical, 4 * size.filters, 8 * size.filters);
    let head = pool_head(size.classes);
    connect!(stem.out -> stem_bn.in);
    connect!(stem_bn.out -> stage1.in);
    connect!(stage1.out -> stage2.in);
    connect!(stage2.out -> stage3.in);
    connect!(stage3.out -> head.in);
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
