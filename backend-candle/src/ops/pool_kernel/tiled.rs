//! Pooling passes for windows that tile the input (no padding, kernel =
//! stride: each input value in at most one window), the common 2×2 pool:
//! the forward pass in straight-line code, the backward passes writing each
//! input gradient once, in order, with no zeroed buffer and no branch on the
//! data. Each gives the general pass's values (tested value for value).

use candle_core::{CpuStorage, CustomOp3, Layout, Shape};

use super::{Dims, PoolKind, PoolOp, contiguous_f32};
use crate::kernels::{Sink, par_written};

impl PoolOp {
    /// Whether the windows tile the input: no padding, kernel = stride.
    pub(super) fn tiles(&self) -> bool {
        let g = &self.geometry;
        g.pads == [0; 4] && g.kernel == (g.stride, g.stride)
    }

    /// Whether this is a max pool whose windows tile the input (no padding,
    /// kernel = stride, at most 32 values a window): each input value is in
    /// at most one window.
    pub(super) fn tiled_max(&self) -> bool {
        let g = &self.geometry;
        self.kind == PoolKind::Max && self.tiles() && g.stride * g.stride <= 32
    }

    /// [`backward_plane`](Self::backward_plane) for a [tiled max](Self::tiled_max)
    /// pool, from the pool's output: a window's gradient goes to its first
    /// value equal to the window's maximum (or to its first value if that is
    /// NaN), the one the search of `backward_plane` picks, found without
    /// branches on the data; each input gradient is written once, in order.
    pub(super) fn backward_plane_tiled_max(
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

    /// [`backward_plane`](Self::backward_plane) for an average pool whose
    /// windows [tile](Self::tiles) the input: each value's share `g / n`
    /// written once, in order (the general pass adds it to a zero).
    pub(super) fn backward_plane_tiled_average(&self, d: &Dims, grad_out: &[f32], sink: &mut Sink<'_>) {
        let s = self.geometry.stride;
        let n = (s * s) as f32;
        // One input row (the columns past the last window stay 0).
        let mut line = vec![0f32; d.w];
        for row in grad_out.chunks_exact(d.ow.max(1)).take(d.oh) {
            for (cells, &g) in line.chunks_exact_mut(s).zip(row) {
                cells.fill(g / n);
            }
            for _ in 0..s {
                sink.map_from(&line, |v| v);
            }
        }
        sink.fill((d.h - d.oh * s) * d.w, 0.0);
    }

    /// [`forward_plane`](Self::forward_plane) for 2×2 windows that tile the
    /// input, in straight-line code: the same values, each window read in
    /// the same order (the maximum from negative infinity, the sum from 0).
    pub(super) fn forward_plane_2x2(&self, d: &Dims, input: &[f32], out: &mut [f32]) {
        for (i, row) in out.chunks_exact_mut(d.ow).enumerate() {
            let (top, bottom) = input[2 * i * d.w..][..2 * d.w].split_at(d.w);
            let windows = row.iter_mut().zip(top.chunks_exact(2).zip(bottom.chunks_exact(2)));
            match self.kind {
                PoolKind::Max => windows.for_each(|(o, (a, b))| {
                    *o = f32::NEG_INFINITY.max(a[0]).max(a[1]).max(b[0]).max(b[1]);
                }),
                PoolKind::Average => windows.for_each(|(o, (a, b))| *o = (0.0 + a[0] + a[1] + b[0] + b[1]) / 4.0),
            }
        }
    }
}

/// The input gradient of a [tiled max](PoolOp::tiled_max) pool, applied to
/// `(input, output, output gradient)`.
pub(super) struct TiledMaxGrad(pub(super) PoolOp);

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::ConvGeometry;

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
    }

    /// The tiled average pool's gradient against the general pass.
    #[test]
    fn tiled_average_gradients_equal_the_general_ones() {
        for (stride, (h, w)) in [(2, (7, 7)), (2, (6, 5)), (3, (7, 8))] {
            let geometry = ConvGeometry { kernel: (stride, stride), stride, dilation: 1, pads: [0; 4] };
            let op = PoolOp { kind: PoolKind::Average, geometry };
            let (d, _) = op.dims(&Shape::from((1, 1, h, w))).expect("dims");
            let grad_out: Vec<f32> = (0..d.oh * d.ow).map(|i| (i as f32 * 0.37).sin()).collect();
            let mut general = vec![0f32; h * w];
            op.backward_plane(&d, &vec![0.0; h * w], &grad_out, &mut general);
            let tiled = crate::kernels::written(h * w, |sink| op.backward_plane_tiled_average(&d, &grad_out, sink));
            assert_eq!(tiled, general, "stride {stride} on {h}x{w}");
        }
    }

    /// The 2×2 forward pass against the general one, value for value.
    #[test]
    fn forward_2x2_equals_the_general_one() {
        let geometry = ConvGeometry { kernel: (2, 2), stride: 2, dilation: 1, pads: [0; 4] };
        for (kind, (h, w)) in [(PoolKind::Max, (7, 7)), (PoolKind::Max, (6, 5)), (PoolKind::Average, (5, 8))] {
            let op = PoolOp { kind, geometry };
            let (d, _) = op.dims(&Shape::from((1, 1, h, w))).expect("dims");
            let special = [f32::NAN, f32::NEG_INFINITY, f32::INFINITY, -0.0];
            let input: Vec<f32> =
                (0..h * w).map(|i| if i % 11 == 3 { special[i % 4] } else { (i as f32 * 0.7).sin() }).collect();
            let (mut general, mut fast) = (vec![0f32; d.oh * d.ow], vec![0f32; d.oh * d.ow]);
            op.forward_plane(&d, &input, &mut general);
            op.forward_plane_2x2(&d, &input, &mut fast);
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&fast), bits(&general), "{kind:?} on {h}x{w}");
        }
        let padded = ConvGeometry { kernel: (2, 2), stride: 2, dilation: 1, pads: [1, 0, 1, 0] };
        assert!(!PoolOp { kind: PoolKind::Max, geometry: padded }.tiled_max());
        assert!(!PoolOp { kind: PoolKind::Max, geometry: padded }.tiles());
        let average = ConvGeometry { kernel: (2, 2), stride: 2, dilation: 1, pads: [0; 4] };
        assert!(!PoolOp { kind: PoolKind::Average, geometry: average }.tiled_max());
    }
}
