//! The general algorithm: any kernel, stride, dilation, padding and groups,
//! as gemm over `im2col` columns, per image and channel group, with `col =
//! im2col(x)` (`K × P`, `K = channels/groups · kh · kw`, `P = oh · ow`):
//! forward `y = W · col`; input gradient `dx = col2im(Wᵀ · dy)`; weight
//! gradient `dW += dy · colᵀ`. A pointwise convolution (1×1, stride 1, no
//! padding) reads the input as its column matrix. The columns of a large
//! image are made in blocks of output rows ([`COLUMN_BLOCK`]).

use std::ops::Range;

use super::super::im2col::{col2im_rows_add, im2col_rows};
use super::super::matmul::{MatMut, MatRef, matmul};
use super::geometry::Dims;
use super::scratch::{for_each_image, with_scratch_unless_parallel};

/// Floats per block of the column matrix: 16 MiB, which bounds the scratch
/// memory of large layers. Measured on the reference nets (seed, 1 thread):
/// blocks of 64 KiB and 256 KiB, sized for the L2 cache, trained 5–20% slower
/// than whole images (smaller gemms), so ordinary layers are not split.
/// Unit tests use small blocks so that the splitting is exercised.
const COLUMN_BLOCK: usize = if cfg!(test) { 1 << 10 } else { 1 << 22 };

/// Output rows per block of the column matrix (at most about
/// [`COLUMN_BLOCK`] floats).
pub(super) fn block_rows(d: &Dims) -> usize {
    (COLUMN_BLOCK / (d.depth() * d.ow).max(1)).clamp(1, d.oh.max(1))
}

/// Scratch floats for the column blocks of one image (none for a pointwise
/// convolution).
fn scratch(d: &Dims) -> usize {
    if d.window.is_pointwise() { 0 } else { d.depth() * block_rows(d) * d.ow }
}

/// The forward pass; `bias` (one value per filter) seeds each output row;
/// with `relu`, each image's output is clamped at 0 while in cache.
pub(super) fn forward(d: &Dims, x: &[f32], weight: &[f32], bias: Option<&[f32]>, relu: bool) -> Vec<f32> {
    let (g, depth, p) = (d.groups, d.depth(), d.positions());
    let (cg, fg) = (d.channels_per_group(), d.filters_per_group());
    let pointwise = d.window.is_pointwise();
    let mut out = vec![0f32; d.batch * d.out_image()];
    let rows = block_rows(d);
    for_each_image(&mut out, d.out_image(), scratch(d), |b, y, col, parallel| {
        if let Some(bias) = bias {
            for (row, value) in y.chunks_mut(p).zip(bias) {
                row.fill(*value);
            }
        }
        let image = &x[b * d.image()..(b + 1) * d.image()];
        for group in 0..g {
            let input = &image[group * cg * d.window.h * d.window.w..];
            let w = MatRef::rows(&weight[group * fg * depth..], fg, depth);
            let yg = &mut y[group * fg * p..(group + 1) * fg * p];
            if pointwise {
                matmul(MatMut::rows(yg, fg, p), bias.is_some(), w, MatRef::rows(input, depth, p), parallel);
                continue;
            }
            for start in (0..d.oh).step_by(rows) {
                let block = start..(start + rows).min(d.oh);
                let n = block.len() * d.ow;
                im2col_rows(&d.window, input, cg, block, col);
                let dst = MatMut::new(&mut yg[start * d.ow..], fg, n, p, 1);
                matmul(dst, bias.is_some(), w, MatRef::rows(col, depth, n), parallel);
            }
        }
        if relu {
            y.iter_mut().for_each(|v| *v = if *v > 0.0 { *v } else { 0.0 });
        }
    });
    out
}

/// The input gradient: `col2im(Wᵀ · dy)` per image and group.
pub(super) fn input_grad(d: &Dims, dy: &[f32], weight: &[f32]) -> Vec<f32> {
    let (g, depth, p) = (d.groups, d.depth(), d.positions());
    let (cg, fg, plane) = (d.channels_per_group(), d.filters_per_group(), d.window.h * d.window.w);
    let pointwise = d.window.is_pointwise();
    let mut dx = vec![0f32; d.batch * d.image()];
    let rows = block_rows(d);
    for_each_image(&mut dx, d.image(), scratch(d), |b, dxb, col, parallel| {
        let dyb = &dy[b * d.out_image()..(b + 1) * d.out_image()];
        for group in 0..g {
            let wt = MatRef::rows(&weight[group * fg * depth..], fg, depth).t();
            let dyg = &dyb[group * fg * p..(group + 1) * fg * p];
            let dxg = &mut dxb[group * cg * plane..(group + 1) * cg * plane];
            if pointwise {
                matmul(MatMut::rows(dxg, depth, p), false, wt, MatRef::rows(dyg, fg, p), parallel);
                continue;
            }
            for start in (0..d.oh).step_by(rows) {
                let block = start..(start + rows).min(d.oh);
                let n = block.len() * d.ow;
                let dy_block = MatRef::new(&dyg[start * d.ow..], fg, n, p, 1);
                matmul(MatMut::rows(col, depth, n), false, wt, dy_block, parallel);
                col2im_rows_add(&d.window, col, cg, block, dxg);
            }
        }
    });
    dx
}

/// The weight gradient `Σ dy · colᵀ`, summed over `images` in order
/// (`parallel`: gemm may split the products).
pub(super) fn weight_grad_sum(d: &Dims, x: &[f32], dy: &[f32], images: Range<usize>, parallel: bool) -> Vec<f32> {
    let (g, depth, p) = (d.groups, d.depth(), d.positions());
    let (cg, fg, plane) = (d.channels_per_group(), d.filters_per_group(), d.window.h * d.window.w);
    let pointwise = d.window.is_pointwise();
    let mut dw = vec![0f32; d.filters * depth];
    let rows = block_rows(d);
    let accumulate = |col: &mut [f32]| {
        for b in images {
            for group in 0..g {
                let input = &x[b * d.image() + group * cg * plane..];
                let dyg = &dy[b * d.out_image() + group * fg * p..][..fg * p];
                let dwg = &mut dw[group * fg * depth..(group + 1) * fg * depth];
                if pointwise {
                    let columns = MatRef::rows(input, depth, p).t();
                    matmul(MatMut::rows(dwg, fg, depth), true, MatRef::rows(dyg, fg, p), columns, parallel);
                    continue;
                }
                for start in (0..d.oh).step_by(rows) {
                    let range = start..(start + rows).min(d.oh);
                    let n = range.len() * d.ow;
                    im2col_rows(&d.window, input, cg, range, col);
                    let dy_block = MatRef::new(&dyg[start * d.ow..], fg, n, p, 1);
                    let columns = MatRef::rows(col, depth, n).t();
                    matmul(MatMut::rows(dwg, fg, depth), true, dy_block, columns, parallel);
                }
            }
        }
    };
    with_scratch_unless_parallel(scratch(d), parallel, accumulate);
    dw
}
