//! The backward passes of [`Conv2dOp`](super::Conv2dOp): input gradient
//! `dx = col2im(Wᵀ · dy)` per image and group, weight gradient
//! `dW = Σ dy · colᵀ` in partial sums over fixed blocks of images, and the
//! bias gradient (a sum per channel).

use candle_core::{CpuStorage, CustomOp1, CustomOp2, Layout, Shape};
use rayon::prelude::*;

use super::conv::{Conv2dOp, contiguous_f32, for_each_image, with_scratch};
use super::im2col::{col2im_rows_add, im2col_rows};
use super::matmul::{MatMut, MatRef, matmul};
use super::reduce;
use super::shifted;
use super::winograd;

/// Sums an NCHW tensor over batch and positions: one value per channel.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ChannelSum;

impl CustomOp1 for ChannelSum {
    fn name(&self) -> &'static str {
        "archspace-channel-sum"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> candle_core::Result<(CpuStorage, Shape)> {
        let (batch, channels, h, w) = layout.shape().dims4()?;
        let data = contiguous_f32(storage, layout)?;
        let plane = h * w;
        let sums = (0..channels)
            .into_par_iter()
            .map(|c| (0..batch).map(|b| reduce::sum(&data[(b * channels + c) * plane..][..plane])).sum::<f32>())
            .collect();
        Ok((CpuStorage::F32(sums), Shape::from(channels)))
    }
}

/// The input gradient of [`Conv2dOp`], applied to `(grad, weight)`; the
/// input's height and width cannot be told from the gradient when the stride exceeds one.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Conv2dInputGrad {
    pub(crate) conv: Conv2dOp,
    pub(crate) h: usize,
    pub(crate) w: usize,
}

impl CustomOp2 for Conv2dInputGrad {
    fn name(&self) -> &'static str {
        "archspace-conv2d-input-grad"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let (batch, filters, oh, ow) = l1.shape().dims4()?;
        let (_, per_group, _, _) = l2.shape().dims4()?;
        let channels = per_group * self.conv.groups;
        let d = self.conv.dims(&Shape::from((batch, channels, self.h, self.w)), l2.shape())?;
        if (d.filters, d.oh, d.ow) != (filters, oh, ow) {
            candle_core::bail!("conv2d gradient {:?} does not fit the convolution", l1.shape());
        }
        let (dy, weight) = (contiguous_f32(s1, l1)?, contiguous_f32(s2, l2)?);
        let shape = Shape::from((batch, channels, self.h, self.w));
        if let Some(wg) = self.conv.winograd_input_grad(&d) {
            return Ok((CpuStorage::F32(winograd::input_grad(&wg, &d, dy, weight)), shape));
        }
        if let Some(dx) = self.conv.shifted(&d).and_then(|s| shifted::input_grad(&self.conv, &s, &d, dy, weight)) {
            return Ok((CpuStorage::F32(dx), shape));
        }
        let (g, depth, p) = (self.conv.groups, self.conv.depth(&d), d.positions());
        let (cg, fg, plane) = (d.channels / g, d.filters / g, self.h * self.w);
        let pointwise = d.window.is_pointwise();
        let mut dx = vec![0f32; batch * d.image()];
        let rows = self.conv.block_rows(&d);
        let scratch = if pointwise { 0 } else { depth * rows * d.ow };
        for_each_image(&mut dx, d.image(), scratch, |b, dxb, col, parallel| {
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
        Ok((CpuStorage::F32(dx), shape))
    }
}

/// How many partial sums the weight gradient splits a batch into (enough
/// to keep a few threads busy, few enough that adding them up is cheap).
const WEIGHT_GRAD_BLOCKS: usize = 8;

/// The weight gradient of [`Conv2dOp`], applied to `(x, grad)`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Conv2dWeightGrad {
    pub(crate) conv: Conv2dOp,
}

impl CustomOp2 for Conv2dWeightGrad {
    fn name(&self) -> &'static str {
        "archspace-conv2d-weight-grad"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let (batch, channels, _, _) = l1.shape().dims4()?;
        let (_, filters, _, _) = l2.shape().dims4()?;
        let g = self.conv.groups;
        let (kh, kw) = self.conv.kernel;
        let weight_shape = Shape::from((filters, channels / g.max(1), kh, kw));
        let d = self.conv.dims(l1.shape(), &weight_shape)?;
        if l2.shape().dims() != [batch, d.filters, d.oh, d.ow] {
            candle_core::bail!("conv2d gradient {:?} does not fit the convolution", l2.shape());
        }
        let (x, dy) = (contiguous_f32(s1, l1)?, contiguous_f32(s2, l2)?);
        let (depth, p) = (self.conv.depth(&d), d.positions());
        let (cg, fg, plane) = (d.channels / g, d.filters / g, d.window.h * d.window.w);
        let pointwise = d.window.is_pointwise();
        let size = d.filters * depth;
        // One partial sum per block of images, then their total in block
        // order. The blocks depend on the batch only, never on the thread
        // count, so 1 and N threads give bit-identical gradients.
        let blocks = batch.clamp(1, WEIGHT_GRAD_BLOCKS);
        let per_block = batch.div_ceil(blocks);
        let shifted = self.conv.shifted(&d);
        let tiled = self.conv.winograd(&d);
        let partials: Vec<Vec<f32>> = (0..blocks)
            .into_par_iter()
            .map(|block| {
                if let Some(wg) = &tiled {
                    let images = block * per_block..((block + 1) * per_block).min(batch);
                    return winograd::weight_grad_sum(wg, &d, x, dy, images, blocks == 1);
                }
                if let Some(s) = &shifted {
                    let images = block * per_block..((block + 1) * per_block).min(batch);
                    return shifted::weight_grad_sum(&self.conv, s, &d, x, dy, images, blocks == 1);
                }
                let mut dw = vec![0f32; size];
                let rows = self.conv.block_rows(&d);
                let scratch = if pointwise { 0 } else { depth * rows * d.ow };
                let mut accumulate = |col: &mut [f32]| {
                    for b in block * per_block..((block + 1) * per_block).min(batch) {
                        for group in 0..g {
                            let input = &x[b * d.image() + group * cg * plane..];
                            let dyg = &dy[b * d.out_image() + group * fg * p..][..fg * p];
                            let dwg = &mut dw[group * fg * depth..(group + 1) * fg * depth];
                            if pointwise {
                                let columns = MatRef::rows(input, depth, p).t();
                                matmul(
                                    MatMut::rows(dwg, fg, depth),
                                    true,
                                    MatRef::rows(dyg, fg, p),
                                    columns,
                                    blocks == 1,
                                );
                                continue;
                            }
                            for start in (0..d.oh).step_by(rows) {
                                let range = start..(start + rows).min(d.oh);
                                let n = range.len() * d.ow;
                                im2col_rows(&d.window, input, cg, range, col);
                                let dy_block = MatRef::new(&dyg[start * d.ow..], fg, n, p, 1);
                                let columns = MatRef::rows(col, depth, n).t();
                                matmul(MatMut::rows(dwg, fg, depth), true, dy_block, columns, blocks == 1);
                            }
                        }
                    }
                };
                // One block (batch of one): gemm runs in parallel and may run other jobs here.
                if blocks == 1 {
                    accumulate(&mut vec![0f32; scratch])
                } else {
                    with_scratch(scratch, accumulate)
                }
                dw
            })
            .collect();
        let mut total = partials.into_iter().reduce(|mut a, b| {
            a.iter_mut().zip(&b).for_each(|(x, y)| *x += y);
            a
        });
        let dw = total.take().unwrap_or_else(|| vec![0f32; size]);
        Ok((CpuStorage::F32(dw), weight_shape))
    }
}
