//! The NASNet-A space (Zoph et al. 2018), as DeepArchitect encodes it: a
//! normal and a reduction cell, each shared by every cell of its kind. A
//! cell reads the two previous cells' outputs (`h[i-2]`, `h[i-1]`, each
//! preprocessed by ReLU → conv 1×1 → batch norm); each of its 5 nodes
//! selects two inputs among the cell's states (the two inputs and the
//! earlier nodes), applies an operation to each and adds them; the nodes no
//! other node selected are concatenated into the cell's output. That is 20
//! decisions per cell kind (10 selections, 10 operations), 40 in all.
//!
//! Operations: separable convolutions 3×3, 5×5, 7×7 (each ReLU → separable
//! → batch norm, twice), average and max pools 3×3, a dilated 3×3
//! convolution (normal cells only, as in DeepArchitect), a 1×7 then 7×1
//! convolution, and identity. In a reduction cell the operations reading the
//! cell's inputs have stride 2 (identity becomes a factorized reduction).
//!
//! The network: a conv 3×3 stem, then `N` normal cells, a reduction cell,
//! `N` normal cells, a reduction cell, `N` normal cells, and a global-pool
//! head; filters double at each reduction. Cells pass on two states: the
//! previous cell's output (reduced spatially after a reduction cell, so
//! that every normal cell reads states of one size) and their own.

use archspace::{Param, search_space};

use super::blocks::{add2, avg_pool, conv, dilated3x3, factorized7, max_pool, pool_head, relu_conv_bn, separable};
use crate::ops;

/// The sizes of a NASNet space.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NasnetSize {
    /// Filters of the first stage (doubled at each reduction; the paper: 36).
    pub filters: i64,
    /// Normal cells per stage (the paper: 6, for 18 in all).
    pub cells: usize,
    /// Classes.
    pub classes: i64,
    /// The stem convolution's stride (the paper: 1).
    pub stem_stride: i64,
}

impl NasnetSize {
    /// The paper's sizes (DeepArchitect's `generate_search_space(5, 18, 2, 36, 3.0)`).
    pub const PAPER: NasnetSize = NasnetSize { filters: 36, cells: 6, classes: 10, stem_stride: 1 };
    /// Sizes for a minute or two of training per trial on the full
    /// Fashion-MNIST on a 2-core CPU: one normal cell per stage, after a
    /// stem that quarters the resolution (the cells' many small operations
    /// cost more than their arithmetic).
    pub const CPU: NasnetSize = NasnetSize { filters: 8, cells: 1, classes: 10, stem_stride: 4 };
}

/// ReLU → separable `k×k` (stride `stride`) → batch norm, then the same at stride 1.
#[search_space]
pub fn separable_stack(filters: i64, kernel: i64, stride: Param) -> Space {
    let act1 = ops::relu();
    let sep1 = separable(filters, kernel, stride);
    let bn1 = ops::batch_norm();
    let act2 = ops::relu();
    let sep2 = separable(filters, kernel, 1);
    let bn2 = ops::batch_norm();
    connect!(act1.out -> sep1.in);
    connect!(sep1.out -> bn1.in);
    connect!(bn1.out -> act2.in);
    connect!(act2.out -> sep2.in);
    connect!(sep2.out -> bn2.in);
    expose!(act1.in -> bn2.out)
}

/// ReLU → convolution (a dilated 3×3, or 1×7 then 7×1) → batch norm.
#[search_space]
pub fn relu_conv(filters: i64, factorized: bool, stride: Param) -> Space {
    let act = ops::relu();
    let c = or_with(if factorized { 1 } else { 0 }, || dilated3x3(filters, stride), || factorized7(filters, stride));
    let bn = ops::batch_norm();
    connect!(act.out -> c.in);
    connect!(c.out -> bn.in);
    expose!(act.in -> bn.out)
}

/// A wire at stride 1, a factorized reduction at stride 2.
#[search_space]
pub fn identity_or_reduce(filters: i64, stride: Param) -> Space {
    let reduces = stride.map(|s: i64| s == 2);
    let op = optional(reduces, || ops::factorized_reduce(filters));
    expose!(op.in -> op.out)
}

/// One operation of a node, at stride `stride`.
#[search_space]
pub fn nasnet_op(filters: i64, stride: Param) -> Space {
    let op = or_named(
        separable3x3 = || separable_stack(filters, 3, stride),
        separable5x5 = || separable_stack(filters, 5, stride),
        separable7x7 = || separable_stack(filters, 7, stride),
        avg3x3 = || avg_pool(3, stride),
        max3x3 = || max_pool(3, stride),
        dilated3x3 = || relu_conv(filters, false, stride),
        conv1x7_7x1 = || relu_conv(filters, true, stride),
        identity = || identity_or_reduce(filters, stride),
    );
    expose!(op.in -> op.out)
}

/// A cell. Inputs: `in0` = h[i-2], `in1` = h[i-1]; outputs: `out0` = h[i-1]
/// passed on (reduced spatially by a reduction cell), `out1` = the cell's own.
#[search_space]
pub fn nasnet_cell(filters: i64, reduction: bool) -> Space {
    let h1 = identity();
    let p0 = relu_conv_bn(filters);
    let p1 = relu_conv_bn(filters);
    let pass = optional(reduction, || ops::factorized_reduce(filters));
    connect!(h1.out -> p1.in, pass.in);

    let x00 = choice([0, 1]);
    let x01 = choice([0, 1]);
    let a00 = select(x00, [p0.out, p1.out]);
    let a01 = select(x01, [p0.out, p1.out]);
    let s00 = x00.map(|i: i64| if reduction && i < 2 { 2 } else { 1 });
    let o00 = nasnet_op(filters, s00);
    let s01 = x01.map(|i: i64| if reduction && i < 2 { 2 } else { 1 });
    let o01 = nasnet_op(filters, s01);
    let n0 = add2();
    connect!(a00.out -> o00.in);
    connect!(a01.out -> o01.in);
    connect!(o00.out, o01.out -> n0);

    let x10 = choice([0, 1, 2]);
    let x11 = choice([0, 1, 2]);
    let a10 = select(x10, [p0.out, p1.out, n0.out]);
    let a11 = select(x11, [p0.out, p1.out, n0.out]);
    let s10 = x10.map(|i: i64| if reduction && i < 2 { 2 } else { 1 });
    let o10 = nasnet_op(filters, s10);
    let s11 = x11.map(|i: i64| if reduction && i < 2 { 2 } else { 1 });
    let o11 = nasnet_op(filters, s11);
    let n1 = add2();
    connect!(a10.out -> o10.in);
    connect!(a11.out -> o11.in);
    connect!(o10.out, o11.out -> n1);

    let x20 = choice([0, 1, 2, 3]);
    let x21 = choice([0, 1, 2, 3]);
    let a20 = select(x20, [p0.out, p1.out, n0.out, n1.out]);
    let a21 = select(x21, [p0.out, p1.out, n0.out, n1.out]);
    let s20 = x20.map(|i: i64| if reduction && i < 2 { 2 } else { 1 });
    let o20 = nasnet_op(filters, s20);
    let s21 = x21.map(|i: i64| if reduction && i < 2 { 2 } else { 1 });
    let o21 = nasnet_op(filters, s21);
    let n2 = add2();
    connect!(a20.out -> o20.in);
    connect!(a21.out -> o21.in);
    connect!(o20.out, o21.out -> n2);

    let x30 = choice([0, 1, 2, 3, 4]);
    let x31 = choice([0, 1, 2, 3, 4]);
    let a30 = select(x30, [p0.out, p1.out, n0.out, n1.out, n2.out]);
    let a31 = select(x31, [p0.out, p1.out, n0.out, n1.out, n2.out]);
    let s30 = x30.map(|i: i64| if reduction && i < 2 { 2 } else { 1 });
    let o30 = nasnet_op(filters, s30);
    let s31 = x31.map(|i: i64| if reduction && i < 2 { 2 } else { 1 });
    let o31 = nasnet_op(filters, s31);
    let n3 = add2();
    connect!(a30.out -> o30.in);
    connect!(a31.out -> o31.in);
    connect!(o30.out, o31.out -> n3);

    let x40 = choice([0, 1, 2, 3, 4, 5]);
    let x41 = choice([0, 1, 2, 3, 4, 5]);
    let a40 = select(x40, [p0.out, p1.out, n0.out, n1.out, n2.out, n3.out]);
    let a41 = select(x41, [p0.out, p1.out, n0.out, n1.out, n2.out, n3.out]);
    let s40 = x40.map(|i: i64| if reduction && i < 2 { 2 } else { 1 });
    let o40 = nasnet_op(filters, s40);
    let s41 = x41.map(|i: i64| if reduction && i < 2 { 2 } else { 1 });
    let o41 = nasnet_op(filters, s41);
    let n4 = add2();
    connect!(a40.out -> o40.in);
    connect!(a41.out -> o41.in);
    connect!(o40.out, o41.out -> n4);

    let cat = unused(|k| ops::concat(k), [n0.out, n1.out, n2.out, n3.out, n4.out]);
    expose!(in0 = p0.in, in1 = h1.in -> out0 = pass.out, out1 = cat.out)
}

/// The network: stem, three stages of normal cells with a reduction cell
/// between stages, the head. Every normal cell shares one set of
/// decisions, every reduction cell another.
#[search_space]
pub fn nasnet(size: NasnetSize) -> Space {
    let stem = conv(3 * size.filters, 3, size.stem_stride);
    let stem_bn = ops::batch_norm();
    let stage1 = stack(size.cells, || sharing("normal", || nasnet_cell(size.filters, false)));
    let reduce1 = sharing("reduction", || nasnet_cell(2 * size.filters, true));
    let stage2 = stack(size.cells, || sharing("normal", || nasnet_cell(2 * size.filters, false)));
    let reduce2 = sharing("reduction", || nasnet_cell(4 * size.filters, true));
    let stage3 = stack(size.cells, || sharing("normal", || nasnet_cell(4 * size.filters, false)));
    let last = select(1, [stage3.out0, stage3.out1]);
    let head = pool_head(size.classes);
    connect!(stem.out -> stem_bn.in);
    connect!(stem_bn.out -> stage1.in0, stage1.in1);
    connect!(stage1.out0 -> reduce1.in0);
    connect!(stage1.out1 -> reduce1.in1);
    connect!(reduce1.out0 -> stage2.in0);
    connect!(reduce1.out1 -> stage2.in1);
    connect!(stage2.out0 -> reduce2.in0);
    connect!(stage2.out1 -> reduce2.in1);
    connect!(reduce2.out0 -> stage3.in0);
    connect!(reduce2.out1 -> stage3.in1);
    connect!(last.out -> head.in);
    expose!(stem.in -> head.out)
}
