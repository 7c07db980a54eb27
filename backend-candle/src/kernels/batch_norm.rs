//! Batch normalisation over channels (dimension 1) in training mode, forward
//! and backward in a few passes each, and the per-channel affine map that
//! eval mode reduces to.
//!
//! Forward: `y = (x − mean_c) / sqrt(var_c + eps) · γ_c + β_c` with the
//! batch's mean and biased variance per channel. Backward, with `x̂` the
//! normalised input and `N` the values per channel:
//! `dx = γ_c / sqrt(var_c + eps) · (dy − Σdy / N − x̂ · Σ(dy·x̂) / N)`,
//! `dγ = Σ(dy·x̂)`, `dβ = Σdy`.
//!
//! ```
//! use archspace_candle::kernels::{BatchNormOp, channel_stats};
//! use candle_core::{Device, Tensor};
//! let x = Tensor::new(&[[1.0f32, 3.0], [5.0, 7.0]], &Device::Cpu)?.reshape((2, 2, 1, 1))?;
//! let gamma = Tensor::new(&[1.0f32, 2.0], &Device::Cpu)?;
//! let beta = Tensor::new(&[0.0f32, 1.0], &Device::Cpu)?;
//! let y = x.apply_op3(&gamma, &beta, BatchNormOp { eps: 0.0, relu: false })?;
//! assert_eq!(y.flatten_all()?.to_vec1::<f32>()?, [-1.0, -1.0, 1.0, 3.0]);
//! assert_eq!(channel_stats(&x)?.to_vec2::<f32>()?, [[3.0, 5.0], [4.0, 4.0]]); // means, variances
//! # Ok::<(), candle_core::Error>(())
//! ```

use candle_core::{CpuStorage, CustomOp1, CustomOp3, Layout, Shape, Tensor};
use rayon::prelude::*;

use super::reduce;
use super::relu::ReluGrad;
use super::storage::contiguous_f32;

/// Training-mode batch norm of `(x, γ, β)`; `x` is `[batch, channels, …]`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BatchNormOp {
    /// Added to the variance.
    pub eps: f64,
    /// Clamp the output at 0 (batch norm followed by ReLU, one pass).
    pub relu: bool,
}

/// `(batch, channels, values per channel and image)` of a `[batch, channels, …]` shape.
pub(super) fn split(shape: &Shape) -> candle_core::Result<(usize, usize, usize)> {
    match shape.dims() {
        [batch, channels, rest @ ..] => Ok((*batch, *channels, rest.iter().product())),
        _ => candle_core::bail!("batch norm needs [batch, channels, …], got {shape:?}"),
    }
}

/// Mean and biased variance of every channel (two passes, f64 sums).
fn stats(x: &[f32], (batch, channels, plane): (usize, usize, usize)) -> Vec<(f32, f32)> {
    let n = (batch * plane).max(1) as f64;
    (0..channels)
        .into_par_iter()
        .map(|c| {
            let planes = || (0..batch).map(move |b| &x[(b * channels + c) * plane..][..plane]);
            let mean = planes().map(|p| f64::from(reduce::sum(p))).sum::<f64>() / n;
            let var = planes().map(|p| f64::from(reduce::centered_squares(p, mean as f32))).sum::<f64>() / n;
            (mean as f32, var as f32)
        })
        .collect()
}

/// Per-channel mean and biased variance of `[batch, channels, …]` as a
/// `[2, channels]` tensor (no gradient), for the running statistics.
pub fn channel_stats(x: &Tensor) -> candle_core::Result<Tensor> {
    x.contiguous()?.apply_op1_no_bwd(&ChannelStats)
}

struct ChannelStats;

impl CustomOp1 for ChannelStats {
    fn name(&self) -> &'static str {
        "archspace-channel-stats"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> candle_core::Result<(CpuStorage, Shape)> {
        let dims = split(layout.shape())?;
        let s = stats(contiguous_f32(storage, layout)?, dims);
        let out = s.iter().map(|m| m.0).chain(s.iter().map(|m| m.1)).collect();
        Ok((CpuStorage::F32(out), Shape::from((2, dims.1))))
    }
}

/// Runs `f(channel, plane index, output plane, input plane)` over the
/// planes of `[batch, channels, plane]` tensors, in parallel.
fn per_plane(
    out: &mut [f32],
    x: &[f32],
    channels: usize,
    plane: usize,
    f: impl Fn(usize, usize, &mut [f32], &[f32]) + Sync,
) {
    out.par_chunks_mut(plane.max(1))
        .zip(x.par_chunks(plane.max(1)))
        .enumerate()
        .for_each(|(index, (o, x))| f(index % channels, index, o, x));
}

impl CustomOp3 for BatchNormOp {
    fn name(&self) -> &'static str {
        "archspace-batch-norm"
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
        let dims @ (_, channels, plane) = split(l1.shape())?;
        let (x, gamma, beta) = (contiguous_f32(s1, l1)?, contiguous_f32(s2, l2)?, contiguous_f32(s3, l3)?);
        if gamma.len() != channels || beta.len() != channels {
            candle_core::bail!("batch norm over {channels} channels got {} and {} parameters", gamma.len(), beta.len());
        }
        let affine: Vec<(f32, f32)> = stats(x, dims)
            .into_iter()
            .zip(gamma.iter().zip(beta))
            .map(|((mean, var), (g, b))| {
                let scale = g / (var + self.eps as f32).sqrt();
                (scale, b - mean * scale)
            })
            .collect();
        let mut y = vec![0f32; x.len()];
        per_plane(&mut y, x, channels, plane, |c, _, out, input| {
            let (scale, shift) = affine[c];
            for (o, v) in out.iter_mut().zip(input) {
                *o = v * scale + shift;
            }
            if self.relu {
                out.iter_mut().for_each(|v| *v = if *v > 0.0 { *v } else { 0.0 });
            }
        });
        Ok((CpuStorage::F32(y), l1.shape().clone()))
    }

    fn bwd(
        &self,
        x: &Tensor,
        gamma: &Tensor,
        _beta: &Tensor,
        res: &Tensor,
        grad: &Tensor,
    ) -> candle_core::Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let grad = if self.relu { res.apply_op2_no_bwd(&grad.contiguous()?, &ReluGrad)? } else { grad.contiguous()? };
        let packed = x.apply_op3_no_bwd(gamma, &grad, &BatchNormGrad { eps: self.eps })?;
        let (n, channels) = (x.elem_count(), x.dim(1)?);
        let dx = packed.narrow(0, 0, n)?.reshape(x.shape())?;
        let dgamma = packed.narrow(0, n, channels)?;
        let dbeta = packed.narrow(0, n + channels, channels)?;
        Ok((Some(dx), Some(dgamma), Some(dbeta)))
    }
}

/// `(x, γ, dy)` → `[dx…, dγ…, dβ…]` in one buffer.
struct BatchNormGrad {
    eps: f64,
}

impl CustomOp3 for BatchNormGrad {
    fn name(&self) -> &'static str {
        "archspace-batch-norm-grad"
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
        let dims @ (batch, channels, plane) = split(l1.shape())?;
        let (x, gamma, dy) = (contiguous_f32(s1, l1)?, contiguous_f32(s2, l2)?, contiguous_f32(s3, l3)?);
        if dy.len() != x.len() || gamma.len() != channels {
            candle_core::bail!("batch norm gradient does not fit its input {:?}", l1.shape());
        }
        let moments = stats(x, dims);
        let inv_std: Vec<f32> = moments.iter().map(|(_, var)| 1.0 / (var + self.eps as f32).sqrt()).collect();
        // Σdy and Σdy·x̂ per channel.
        let sums: Vec<(f32, f32)> = (0..channels)
            .into_par_iter()
            .map(|c| {
                let (mean, inv) = (moments[c].0, inv_std[c]);
                let (mut sum, mut dot) = (0f64, 0f64);
                for b in 0..batch {
                    let start = (b * channels + c) * plane;
                    let (g, v) = (&dy[start..start + plane], &x[start..start + plane]);
                    sum += f64::from(reduce::sum(g));
                    dot += f64::from(reduce::centered_dot(g, v, mean) * inv);
                }
                (sum as f32, dot as f32)
            })
            .collect();
        let n = (batch * plane).max(1) as f32;
        let mut out = vec![0f32; x.len() + 2 * channels];
        let (dx, rest) = out.split_at_mut(x.len());
        per_plane(dx, x, channels, plane, |c, index, out, input| {
            let (mean, inv, factor) = (moments[c].0, inv_std[c], gamma[c] * inv_std[c]);
            let (mean_dy, mean_dot) = (sums[c].0 / n, sums[c].1 / n);
            let grad = &dy[index * plane..(index + 1) * plane];
            for ((o, v), g) in out.iter_mut().zip(input).zip(grad) {
                let xhat = (v - mean) * inv;
                *o = factor * (g - mean_dy - xhat * mean_dot);
            }
        });
        for (c, (sum, dot)) in sums.iter().enumerate() {
            rest[c] = *dot;
            rest[channels + c] = *sum;
        }
        Ok((CpuStorage::F32(out), Shape::from(x.len() + 2 * channels)))
    }
}
