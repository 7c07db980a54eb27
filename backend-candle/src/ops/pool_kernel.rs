//! Pooling forward and backward for any kernel, stride and padding.
//!
//! candle's own pooling backward only handles `kernel == stride` without
//! padding. On the CPU, [`PoolOp`] is a `CustomOp1` with explicit loops for
//! both passes; on other devices [`pool_composed`] builds the same result
//! from differentiable slicing ops.

use candle_core::{CpuStorage, CustomOp1, CustomOp2, CustomOp3, DType, Layout, Shape, Tensor};
use rayon::prelude::*;

use super::conv2d::ConvGeometry;
use crate::kernels::{Sink, par_written};

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

    /// Visits the in-input positions of output `(i, j)`'s window.
    fn window(&self, d: &Dims, i: usize, j: usize, mut visit: impl FnMut(usize)) {
        let g = &self.geometry;
        let top = (i * g.stride) as isize - g.pads[0] as isize;
        let left = (j * g.stride) as isize - g.pads[2] as isize;
        for u in 0..g.kernel.0 as isize {
            let y = top + u;
            if y < 0 || y >= d.h as isize {
                continue;
            }
            for v in 0..g.kernel.1 as isize {
                let x = left + v;
                if x >= 0 && x < d.w as isize {
                    visit(y as usize * d.w + x as usize);
                }
            }
        }
    }

    /// For each output of one plane: the input position of the max, or the window positions.
    fn forward_plane(&self, d: &Dims, input: &[f32], out: &mut [f32]) {
        for i in 0..d.oh {
            for j in 0..d.ow {
                let value = match self.kind {
                    PoolKind::Max => {
                        let mut best = f32::NEG_INFINITY;
                        self.window(d, i, j, |p| best = best.max(input[p]));
                        best
                    }
                    PoolKind::Average => {
                        let (mut sum, mut n) = (0f32, 0usize);
                        self.window(d, i, j, |p| {
                            sum += input[p];
                            n += 1;
                        });
                        if n == 0 { 0.0 } else { sum / n as f32 }
                    }
                };
                out[i * d.ow + j] = value;
            }
        }
    }

    /// Whether this is a max pool whose windows tile the input (no padding,
    /// kernel = stride, at most 32 values a window): each input value is in
    /// at most one window.
    fn tiled_max(&self) -> bool {
        let g = &self.geometry;
        self.kind == PoolKind::Max && g.pads == [0; 4] && g.kernel == (g.stride, g.stride) && g.stride * g.stride <= 32
    }

    /// [`backward_plane`](Self::backward_plane) for a [tiled max](Self::tiled_max)
    /// pool, from the pool's output: a window's gradient goes to its first
    /// value equal to the window's maximum (or to its first value if that is
    /// NaN), the one the search of `backward_plane` picks, found without
    /// branches on the data; each input gradient is written once, in order.
    fn backward_plane_tiled_max(
        &self,
        d: &Dims,
        (input, output, grad_out): (&[f32], &[f32], &[f32]),
        sink: &mut Sink<'_>,
    ) {
        let s = self.geometry.stride;
        // Each window value's offset from the window's top-left corner.
        let offsets: Vec<usize> = (0..s * s).map(|k| k / s * d.w + k % s).collect();
        // The `s` input rows of one row of windows (the columns past the last window stay 0).
        let mut rows_out = vec![0f32; s * d.w];
        for i in 0..d.oh {
            rows_out.fill(0.0);
            let rows = &input[i * s * d.w..][..s * d.w];
            let (maxima, grads) = (&output[i * d.ow..][..d.ow], &grad_out[i * d.ow..][..d.ow]);
            for (j, (&m, &g)) in maxima.iter().zip(grads).enumerate() {
                let corner = j * s;
                let mut hits = u32::from(rows[corner].is_nan());
                for (k, &offset) in offsets.iter().enumerate() {
                    hits |= u32::from(rows[corner + offset] == m) << k;
                }
                if let Some(&offset) = offsets.get(hits.trailing_zeros() as usize) {
                    rows_out[corner + offset] = g;
                }
            }
            sink.map_from(&rows_out, |v| v);
        }
        sink.fill((d.h - d.oh * s) * d.w, 0.0);
    }

    fn backward_plane(&self, d: &Dims, input: &[f32], grad_out: &[f32], grad_in: &mut [f32]) {
        for i in 0..d.oh {
            for j in 0..d.ow {
                let g = grad_out[i * d.ow + j];
                match self.kind {
                    PoolKind::Max => {
                        let mut best: Option<(usize, f32)> = None;
                        self.window(d, i, j, |p| {
                            if best.is_none_or(|(_, v)| input[p] > v) {
                                best = Some((p, input[p]));
                            }
                        });
                        if let Some((p, _)) = best {
                            grad_in[p] += g;
                        }
                    }
                    PoolKind::Average => {
                        let mut n = 0usize;
                        self.window(d, i, j, |_| n += 1);
                        let share = if n == 0 { 0.0 } else { g / n as f32 };
                        self.window(d, i, j, |p| grad_in[p] += share);
                    }
                }
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
        out.par_chunks_mut(d.oh * d.ow)
            .zip(input.par_chunks(d.h * d.w))
            .for_each(|(o, x)| self.forward_plane(&d, x, o));
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
        let mut grad_in = vec![0f32; input.len()];
        grad_in
            .par_chunks_mut(d.h * d.w)
            .zip(input.par_chunks(d.h * d.w).zip(grad_out.par_chunks(d.oh * d.ow)))
            .for_each(|(gi, (x, go))| self.0.backward_plane(&d, x, go, gi));
        Ok((CpuStorage::F32(grad_in), l1.shape().clone()))
    }
}

/// The input gradient of a [tiled max](PoolOp::tiled_max) pool, applied to
/// `(input, output, output gradient)`.
struct TiledMaxGrad(PoolOp);

impl CustomOp3 for TiledMaxGrad {
    fn name(&self) -> &'static str {
        "archspace-max-pool2d-tiled-grad"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
        s3: &CpuStorage,
        l3: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let (d, out_shape) = self.0.dims(l1.shape())?;
        if l2.shape() != &out_shape || l3.shape() != &out_shape {
            candle_core::bail!("max pool output or gradient does not fit the output {out_shape:?}");
        }
        let (input, output, grad_out) = (contiguous_f32(s1, l1)?, contiguous_f32(s2, l2)?, contiguous_f32(s3, l3)?);
        let (plane, out_plane) = (d.h * d.w, d.oh * d.ow);
        let grad_in = par_written(input.len(), plane.max(1), |k, sink| {
            let outs = k * out_plane..(k + 1) * out_plane;
            let planes = (&input[k * plane..][..plane], &output[outs.clone()], &grad_out[outs]);
            self.0.backward_plane_tiled_max(&d, planes, sink);
        });
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
        PoolKind::Max => stacked.max(0),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The tiled max pool's gradient against the search of the general
    /// pass, value for value: uncovered rows and columns, ties (the first
    /// maximum wins), infinities and NaN included.
    #[test]
    fn tiled_max_gradients_equal_the_general_ones() {
        for (stride, (h, w)) in [(2, (7, 7)), (2, (6, 5)), (3, (7, 8)), (1, (3, 4))] {
            let geometry = ConvGeometry { kernel: (stride, stride), stride, dilation: 1, pads: [0; 4] };
            let op = PoolOp { kind: PoolKind::Max, geometry };
            assert!(op.tiled_max());
            let (d, _) = op.dims(&Shape::from((1, 1, h, w))).expect("dims");
            // Few distinct values, so windows hold ties; infinities, -0 and NaN
            // (first in the first window, later in others).
            let special = [f32::NAN, f32::NEG_INFINITY, f32::INFINITY, -0.0];
            let input: Vec<f32> =
                (0..h * w).map(|i| if i % 11 == 3 || i == 0 { special[i % 4] } else { ((i * 7) % 5) as f32 }).collect();
            let mut output = vec![0f32; d.oh * d.ow];
            op.forward_plane(&d, &input, &mut output);
            let grad_out: Vec<f32> = (0..d.oh * d.ow).map(|i| 1.0 + i as f32 * 0.37).collect();
            let mut general = vec![0f32; h * w];
            op.backward_plane(&d, &input, &grad_out, &mut general);
            let tiled = crate::kernels::written(h * w, |sink| {
                op.backward_plane_tiled_max(&d, (&input, &output, &grad_out), sink)
            });
            assert_eq!(tiled, general, "stride {stride} on {h}x{w}");
        }
        let padded = ConvGeometry { kernel: (2, 2), stride: 2, dilation: 1, pads: [1, 0, 1, 0] };
        assert!(!PoolOp { kind: PoolKind::Max, geometry: padded }.tiled_max());
        let average = ConvGeometry { kernel: (2, 2), stride: 2, dilation: 1, pads: [0; 4] };
        assert!(!PoolOp { kind: PoolKind::Average, geometry: average }.tiled_max());
    }
}
