//! Pooling forward and backward for any kernel, stride and padding.
//!
//! candle's own pooling backward only handles `kernel == stride` without
//! padding. On the CPU, [`PoolOp`] is a `CustomOp1` with explicit loops for
//! both passes; on other devices [`pool_composed`] builds the same result
//! from differentiable slicing ops.

use candle_core::{CpuStorage, CustomOp1, CustomOp2, DType, Layout, Shape, Tensor};
use rayon::prelude::*;

use super::geometry::ConvGeometry;
use crate::kernels::spans::{axpy, scatter};
use crate::kernels::{Window, par_written};
use tiled::TiledMaxGrad;

mod tiled;

/// Maximum or average.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PoolKind {
    /// Maximum over the window (padding never wins).
    Max,
    /// Mean over the window's positions inside the input (padding not counted).
    Average,
}

/// Pooling as a candle custom op (CPU, f32).
#[derive(Clone, Copy, Debug)]
pub(crate) struct PoolOp {
    pub(crate) kind: PoolKind,
    pub(crate) geometry: ConvGeometry,
}

/// Input dims `(planes, h, w)` and output `(oh, ow)`.
struct Dims {
    planes: usize,
    h: usize,
    w: usize,
    oh: usize,
    ow: usize,
}

impl PoolOp {
    fn dims(&self, shape: &Shape) -> candle_core::Result<(Dims, Shape)> {
        let (b, c, h, w) = shape.dims4()?;
        let g = &self.geometry;
        let (ph, pw) = (h + g.pads[0] + g.pads[1], w + g.pads[2] + g.pads[3]);
        if ph < g.kernel.0 || pw < g.kernel.1 {
            candle_core::bail!("pooling window {:?} larger than padded input {ph}x{pw}", g.kernel);
        }
        let (oh, ow) = ((ph - g.kernel.0) / g.stride + 1, (pw - g.kernel.1) / g.stride + 1);
        Ok((Dims { planes: b * c, h, w, oh, ow }, Shape::from((b, c, oh, ow))))
    }

    /// The window over one plane, for [`Window::spans`].
    fn plane_window(&self, d: &Dims) -> Window {
        let g = &self.geometry;
        Window { h: d.h, w: d.w, kernel: g.kernel, stride: g.stride, dilation: 1, pads: g.pads }
    }

    /// In-input positions per output of one plane (the average's divisor).
    fn counts(&self, d: &Dims) -> Vec<f32> {
        let mut n = vec![0f32; d.oh * d.ow];
        self.plane_window(d).spans(|s| n[s.out..][..s.len].iter_mut().for_each(|n| *n += 1.0));
        n
    }

    /// Each output of one plane: the maximum or the mean of its window's
    /// in-input values (a window with none gives `-inf` or 0).
    fn forward_plane(&self, d: &Dims, input: &[f32], out: &mut [f32]) {
        let stride = self.geometry.stride;
        let window = self.plane_window(d);
        match self.kind {
            PoolKind::Max => {
                out.fill(f32::NEG_INFINITY);
                window.spans(|s| {
                    let x = input[s.input..].iter().step_by(stride);
                    out[s.out..][..s.len].iter_mut().zip(x).for_each(|(y, x)| *y = y.max(*x));
                });
            }
            PoolKind::Average => {
                out.fill(0.0);
                window.spans(|s| axpy(&mut out[s.out..][..s.len], 1.0, &input[s.input..], stride));
                out.iter_mut().zip(self.counts(d)).for_each(|(y, n)| *y = if n == 0.0 { 0.0 } else { *y / n });
            }
        }
    }

    /// The input gradient of one plane. A max sends each output's gradient
    /// to the first maximum of its window (row-major; a NaN first value
    /// keeps it), outputs in row-major order; an average shares it equally.
    fn backward_plane(&self, d: &Dims, input: &[f32], grad_out: &[f32], grad_in: &mut [f32]) {
        let stride = self.geometry.stride;
        let window = self.plane_window(d);
        match self.kind {
            PoolKind::Max => {
                let mut best = vec![(usize::MAX, 0f32); d.oh * d.ow];
                window.spans(|s| {
                    for (t, best) in best[s.out..][..s.len].iter_mut().enumerate() {
                        let p = s.input + t * stride;
                        if best.0 == usize::MAX || input[p] > best.1 {
                            *best = (p, input[p]);
                        }
                    }
                });
                for (&(p, _), g) in best.iter().zip(grad_out) {
                    if p != usize::MAX {
                        grad_in[p] += g;
                    }
                }
            }
            PoolKind::Average => {
                let shares: Vec<f32> =
                    grad_out.iter().zip(self.counts(d)).map(|(g, n)| if n == 0.0 { 0.0 } else { g / n }).collect();
                window.spans(|s| scatter(&mut grad_in[s.input..], 1.0, &shares[s.out..][..s.len], stride));
            }
        }
    }
}

fn contiguous_f32<'a>(storage: &'a CpuStorage, layout: &Layout) -> candle_core::Result<&'a [f32]> {
    let CpuStorage::F32(data) = storage else {
        candle_core::bail!("pooling supports f32 tensors only");
    };
    match layout.contiguous_offsets() {
        Some((start, end)) => Ok(&data[start..end]),
        None => candle_core::bail!("pooling needs a contiguous input"),
    }
}

impl CustomOp1 for PoolOp {
    fn name(&self) -> &'static str {
        match self.kind {
            PoolKind::Max => "archspace-max-pool2d",
            PoolKind::Average => "archspace-avg-pool2d",
        }
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> candle_core::Result<(CpuStorage, Shape)> {
        let input = contiguous_f32(storage, layout)?;
        let (d, shape) = self.dims(layout.shape())?;
        let mut out = vec![0f32; d.planes * d.oh * d.ow];
        out.par_chunks_mut(d.oh * d.ow).zip(input.par_chunks(d.h * d.w)).for_each(|(o, x)| {
            if self.geometry.stride == 2 && self.tiles() {
                self.forward_plane_2x2(&d, x, o)
            } else {
                self.forward_plane(&d, x, o)
            }
        });
        Ok((CpuStorage::F32(out), shape))
    }

    fn bwd(&self, arg: &Tensor, res: &Tensor, grad_res: &Tensor) -> candle_core::Result<Option<Tensor>> {
        if !arg.device().is_cpu() || arg.dtype() != DType::F32 {
            candle_core::bail!("the pooling custom op runs on the CPU with f32 only");
        }
        if self.tiled_max() {
            let (x, y) = (arg.contiguous()?, res.contiguous()?);
            return Ok(Some(x.apply_op3_no_bwd(&y, &grad_res.contiguous()?, &TiledMaxGrad(*self))?));
        }
        Ok(Some(arg.contiguous()?.apply_op2_no_bwd(&grad_res.contiguous()?, &PoolGrad(*self))?))
    }
}

/// The input gradient of [`PoolOp`], applied to `(input, output gradient)`
/// in place on candle's storage (no copies out and back).
struct PoolGrad(PoolOp);

impl CustomOp2 for PoolGrad {
    fn name(&self) -> &'static str {
        "archspace-pool2d-grad"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let (d, out_shape) = self.0.dims(l1.shape())?;
        if l2.shape() != &out_shape {
            candle_core::bail!("pooling gradient {:?} does not fit the output {out_shape:?}", l2.shape());
        }
        let (input, grad_out) = (contiguous_f32(s1, l1)?, contiguous_f32(s2, l2)?);
        if self.0.kind == PoolKind::Average && self.0.tiles() {
            let (plane, out_plane) = (d.h * d.w, d.oh * d.ow);
            let grad_in = par_written(input.len(), plane.max(1), |k, sink| {
                self.0.backward_plane_tiled_average(&d, &grad_out[k * out_plane..][..out_plane], sink);
            });
            return Ok((CpuStorage::F32(grad_in), l1.shape().clone()));
        }
        let mut grad_in = vec![0f32; input.len()];
        grad_in
            .par_chunks_mut(d.h * d.w)
            .zip(input.par_chunks(d.h * d.w).zip(grad_out.par_chunks(d.oh * d.ow)))
            .for_each(|(gi, (x, go))| self.0.backward_plane(&d, x, go, gi));
        Ok((CpuStorage::F32(grad_in), l1.shape().clone()))
    }
}

/// Pads dimension `dim` with `value`.
fn pad_value(x: &Tensor, dim: usize, before: usize, after: usize, value: f32) -> candle_core::Result<Tensor> {
    if before == 0 && after == 0 {
        return Ok(x.clone());
    }
    let mut parts = Vec::with_capacity(3);
    let mut dims = x.dims().to_vec();
    if before > 0 {
        dims[dim] = before;
        parts.push(Tensor::full(value, dims.as_slice(), x.device())?.to_dtype(x.dtype())?);
    }
    parts.push(x.clone());
    if after > 0 {
        dims[dim] = after;
        parts.push(Tensor::full(value, dims.as_slice(), x.device())?.to_dtype(x.dtype())?);
    }
    Tensor::cat(&parts, dim)
}

/// Rows `start, start + stride, …` (`count` of them) of dimension `dim`, differentiably.
fn strided(x: &Tensor, dim: usize, start: usize, stride: usize, count: usize) -> candle_core::Result<Tensor> {
    let x = x.narrow(dim, start, stride * count)?;
    if stride == 1 {
        return Ok(x);
    }
    let mut dims = x.dims().to_vec();
    dims[dim] = count;
    dims.insert(dim + 1, stride);
    x.reshape(dims)?.narrow(dim + 1, 0, 1)?.squeeze(dim + 1)
}

/// Pooling composed from differentiable candle ops (any device).
pub(crate) fn pool_composed(x: &Tensor, kind: PoolKind, g: &ConvGeometry) -> candle_core::Result<Tensor> {
    let (_, _, h, w) = x.dims4()?;
    let (ph, pw) = (h + g.pads[0] + g.pads[1], w + g.pads[2] + g.pads[3]);
    let (oh, ow) = ((ph - g.kernel.0) / g.stride + 1, (pw - g.kernel.1) / g.stride + 1);
    // Extra rows/columns at the end so every strided slice has room; they are never read.
    let extra_h = (g.kernel.0 - 1 + g.stride * oh).saturating_sub(ph);
    let extra_w = (g.kernel.1 - 1 + g.stride * ow).saturating_sub(pw);
    let fill = if kind == PoolKind::Max { f32::NEG_INFINITY } else { 0.0 };
    let xp = pad_value(x, 2, g.pads[0], g.pads[1] + extra_h, fill)?;
    let xp = pad_value(&xp, 3, g.pads[2], g.pads[3] + extra_w, fill)?;
    let mut slices = Vec::with_capacity(g.kernel.0 * g.kernel.1);
    for u in 0..g.kernel.0 {
        let rows = strided(&xp, 2, u, g.stride, oh)?;
        for v in 0..g.kernel.1 {
            slices.push(strided(&rows, 3, v, g.stride, ow)?);
        }
    }
    let stacked = Tensor::stack(&slices, 0)?;
    match kind {
        // The first maximum of each window (row by row) takes the gradient,
        // as in `PoolOp` and PyTorch; `max(0)` would give it to every value
        // tied with the maximum (a window of zeros after a ReLU, say).
        PoolKind::Max => stacked.gather(&stacked.argmax_keepdim(0)?, 0)?.squeeze(0),
        PoolKind::Average => {
            let count = |n: usize, o: usize, k: usize, pad: usize| -> Vec<f32> {
                (0..o)
                    .map(|i| {
                        let start = (i * g.stride) as isize - pad as isize;
                        (0..k as isize).filter(|d| (0..n as isize).contains(&(start + d))).count() as f32
                    })
                    .collect()
            };
            let rows = Tensor::new(count(h, oh, g.kernel.0, g.pads[0]), x.device())?.reshape((oh, 1))?;
            let cols = Tensor::new(count(w, ow, g.kernel.1, g.pads[2]), x.device())?.reshape((1, ow))?;
            let counts = rows.broadcast_mul(&cols)?.to_dtype(x.dtype())?;
            stacked.sum(0)?.broadcast_div(&counts)
        }
    }
}
