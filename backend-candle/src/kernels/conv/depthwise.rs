//! Depthwise convolution (one input channel per group; output channel `o`
//! reads input channel `o / multiplier`) computed directly, span by span
//! (a run of output columns per tap): gemm would get products of one row.
//! Any kernel, stride, dilation and padding.

use rayon::prelude::*;

use super::geometry::Dims;
use crate::kernels::spans::{axpy, dot, scatter};

/// Filters per input channel.
fn multiplier(d: &Dims) -> usize {
    d.filters / d.channels
}

/// The forward pass, output plane by output plane: each plane starts at its
/// filter's `bias` (or 0), and is clamped at 0 with `relu`.
pub(super) fn forward(d: &Dims, x: &[f32], weight: &[f32], bias: Option<&[f32]>, relu: bool) -> Vec<f32> {
    let (plane, out_plane, kernel_taps) = (d.window.h * d.window.w, d.positions(), d.window.taps());
    let (multiplier, stride) = (multiplier(d), d.window.stride);
    let mut out = vec![0f32; d.batch * d.out_image()];
    out.par_chunks_mut(out_plane.max(1)).enumerate().for_each(|(index, y)| {
        let (b, o) = (index / d.filters, index % d.filters);
        if let Some(bias) = bias {
            y.fill(bias[o]);
        }
        let input = &x[(b * d.channels + o / multiplier) * plane..][..plane];
        let w = &weight[o * kernel_taps..][..kernel_taps];
        d.window.spans(|s| axpy(&mut y[s.out..][..s.len], w[s.tap], &input[s.input..], stride));
        if relu {
            y.iter_mut().for_each(|v| *v = v.max(0.0));
        }
    });
    out
}

/// The input gradient, input plane by input plane.
pub(super) fn input_grad(d: &Dims, dy: &[f32], weight: &[f32]) -> Vec<f32> {
    let (plane, out_plane, kernel_taps) = (d.window.h * d.window.w, d.positions(), d.window.taps());
    let (multiplier, stride) = (multiplier(d), d.window.stride);
    let mut dx = vec![0f32; d.batch * d.image()];
    dx.par_chunks_mut(plane.max(1)).enumerate().for_each(|(index, gx)| {
        let (b, c) = (index / d.channels, index % d.channels);
        for o in c * multiplier..(c + 1) * multiplier {
            let g = &dy[(b * d.filters + o) * out_plane..][..out_plane];
            let w = &weight[o * kernel_taps..][..kernel_taps];
            d.window.spans(|s| scatter(&mut gx[s.input..], w[s.tap], &g[s.out..][..s.len], stride));
        }
    });
    dx
}

/// The weight gradient, filter by filter in parallel, each summed over the
/// batch in order (so 1 and N threads give the same sums).
pub(super) fn weight_grad(d: &Dims, x: &[f32], dy: &[f32]) -> Vec<f32> {
    let (plane, out_plane, kernel_taps) = (d.window.h * d.window.w, d.positions(), d.window.taps());
    let (multiplier, stride) = (multiplier(d), d.window.stride);
    let mut dw = vec![0f32; d.filters * kernel_taps];
    dw.par_chunks_mut(kernel_taps).enumerate().for_each(|(o, gw)| {
        let c = o / multiplier;
        for b in 0..d.batch {
            let g = &dy[(b * d.filters + o) * out_plane..][..out_plane];
            let input = &x[(b * d.channels + c) * plane..][..plane];
            d.window.spans(|s| gw[s.tap] += dot(&g[s.out..][..s.len], &input[s.input..], stride));
        }
    });
    dw
}
