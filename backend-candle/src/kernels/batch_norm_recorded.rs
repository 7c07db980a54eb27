//! Batch norm's training pass recorded for the network's own backward pass
//! ([`crate::ops::recorded`]), in fewer passes over memory than the custom
//! op under candle's autograd: the batch statistics computed once (they
//! also move the running statistics) and kept for the backward pass, the
//! outputs written once (no zeroed buffer), and a fused ReLU's mask
//! applied while the gradient is read instead of in a pass of its own. The
//! arithmetic is [`BatchNormOp`](super::BatchNormOp)'s, value for value.

use candle_core::{CpuStorage, CustomOp1, CustomOp3, Layout, Shape, Tensor};
use rayon::prelude::*;

use super::batch_norm::split;
use super::reduce;
use super::storage::contiguous_f32;
use super::written::par_written;
use crate::ops::{Backward, ParamGrads, Recorded};

/// Per-channel statistics of a batch: means and `1 / sqrt(var + eps)`.
#[derive(Clone, Debug)]
struct Moments {
    mean: Vec<f32>,
    inv_std: Vec<f32>,
}

/// Training-mode batch norm of contiguous f32 CPU `x` (`[batch, channels,
/// …]`), `γ` and `β`, a ReLU fused when `relu`, recorded; also returns the
/// batch's means and biased variances as a `[2, channels]` tensor (for the
/// running statistics).
pub(crate) fn batch_norm_recorded(
    x: &Tensor,
    gamma: &Tensor,
    beta: &Tensor,
    eps: f64,
    relu: bool,
) -> candle_core::Result<(Recorded, Tensor)> {
    let batch_stats = super::channel_stats(x)?;
    let [mean, var]: [Vec<f32>; 2] = batch_stats
        .to_vec2::<f32>()?
        .try_into()
        .map_err(|_| candle_core::Error::Msg("internal: channel statistics are not two rows".into()))?;
    let (gamma_values, beta_values) = (gamma.to_vec1::<f32>()?, beta.to_vec1::<f32>()?);
    if gamma_values.len() != mean.len() || beta_values.len() != mean.len() {
        candle_core::bail!(
            "batch norm over {} channels got {} and {} parameters",
            mean.len(),
            gamma_values.len(),
            beta_values.len()
        )
    }
    let inv_std: Vec<f32> = var.iter().map(|v| 1.0 / (v + eps as f32).sqrt()).collect();
    let affine = mean
        .iter()
        .zip(&var)
        .zip(gamma_values.iter().zip(&beta_values))
        .map(|((m, v), (g, b))| {
            let scale = g / (v + eps as f32).sqrt();
            (scale, b - m * scale)
        })
        .collect();
    let output = x.apply_op1_no_bwd(&Normalize { affine, relu })?;
    let backward = BatchNormBackward {
        x: x.clone(),
        output: relu.then(|| output.clone()),
        gamma: gamma.clone(),
        beta: beta.clone(),
        gamma_values,
        moments: Moments { mean, inv_std },
    };
    Ok((Recorded { output, backward: Box::new(backward) }, batch_stats))
}

/// `y = x · scale_c + shift_c`, clamped at 0 when `relu`.
struct Normalize {
    affine: Vec<(f32, f32)>,
    relu: bool,
}

impl CustomOp1 for Normalize {
    fn name(&self) -> &'static str {
        "archspace-batch-norm-normalize"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> candle_core::Result<(CpuStorage, Shape)> {
        let (_, channels, plane) = split(layout.shape())?;
        let x = contiguous_f32(storage, layout)?;
        if channels != self.affine.len() || plane == 0 {
            candle_core::bail!("batch norm over {} channels got {:?}", self.affine.len(), layout.shape());
        }
        let y = par_written(x.len(), plane, |index, sink| {
            let (scale, shift) = self.affine[index % channels];
            let input = &x[index * plane..(index + 1) * plane];
            if self.relu {
                sink.map_from(input, |v| {
                    let y = v * scale + shift;
                    if y > 0.0 { y } else { 0.0 }
                });
            } else {
                sink.map_from(input, |v| v * scale + shift);
            }
        });
        Ok((CpuStorage::F32(y), layout.shape().clone()))
    }
}

/// What the backward pass keeps: the input, the output where a ReLU was
/// fused (its mask), the parameters and the batch's statistics.
struct BatchNormBackward {
    x: Tensor,
    output: Option<Tensor>,
    gamma: Tensor,
    beta: Tensor,
    gamma_values: Vec<f32>,
    moments: Moments,
}

impl Backward for BatchNormBackward {
    fn backward(
        &self,
        grad: &Tensor,
        wanted: &[bool],
        params: &mut ParamGrads,
    ) -> candle_core::Result<Vec<Option<Tensor>>> {
        let grad = grad.contiguous()?;
        // The mask's source, or the gradient again (unread) without a ReLU.
        let mask = self.output.as_ref().unwrap_or(&grad);
        let relu = self.output.is_some();
        let sums = self.x.apply_op3_no_bwd(&grad, mask, &ChannelSums { moments: self.moments.clone(), relu })?;
        let dx = if wanted.first().copied().unwrap_or(false) {
            let [dot, sum]: [Vec<f32>; 2] = sums
                .to_vec2::<f32>()?
                .try_into()
                .map_err(|_| candle_core::Error::Msg("internal: gradient sums are not two rows".into()))?;
            let op = InputGrad {
                moments: self.moments.clone(),
                gamma: self.gamma_values.clone(),
                sums: sum.into_iter().zip(dot).collect(),
                relu,
            };
            Some(self.x.apply_op3_no_bwd(&grad, mask, &op)?)
        } else {
            None
        };
        params.add(&self.gamma, sums.get(0)?)?;
        params.add(&self.beta, sums.get(1)?)?;
        Ok(vec![dx])
    }
}

/// The gradient reaching the normalisation: `dy`, masked by `y > 0` when `relu`.
fn masked(dy: &[f32], y: &[f32], relu: bool, out: &mut Vec<f32>) {
    out.clear();
    if relu {
        // Branch-free select, as the ReLU's own backward pass: all bits of g or none.
        out.extend(dy.iter().zip(y).map(|(g, y)| f32::from_bits(g.to_bits() & u32::from(*y > 0.0).wrapping_neg())));
    } else {
        out.extend_from_slice(dy);
    }
}

/// `(x, dy, y)` → `[2, channels]`: `Σ dy·x̂` (dγ) and `Σ dy` (dβ) per channel.
struct ChannelSums {
    moments: Moments,
    relu: bool,
}

impl CustomOp3 for ChannelSums {
    fn name(&self) -> &'static str {
        "archspace-batch-norm-grad-sums"
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
        let (batch, channels, plane) = split(l1.shape())?;
        let (x, dy, y) = (contiguous_f32(s1, l1)?, contiguous_f32(s2, l2)?, contiguous_f32(s3, l3)?);
        if dy.len() != x.len() || y.len() != x.len() || self.moments.mean.len() != channels {
            candle_core::bail!("batch norm gradient does not fit its input {:?}", l1.shape());
        }
        let sums: Vec<(f32, f32)> = (0..channels)
            .into_par_iter()
            .map(|c| {
                let (mean, inv) = (self.moments.mean[c], self.moments.inv_std[c]);
                let (mut sum, mut dot) = (0f64, 0f64);
                let mut g = Vec::with_capacity(plane);
                for b in 0..batch {
                    let planes = (b * channels + c) * plane..(b * channels + c + 1) * plane;
                    masked(&dy[planes.clone()], &y[planes.clone()], self.relu, &mut g);
                    sum += f64::from(reduce::sum(&g));
                    dot += f64::from(reduce::centered_dot(&g, &x[planes], mean) * inv);
                }
                (sum as f32, dot as f32)
            })
            .collect();
        let out = sums.iter().map(|s| s.1).chain(sums.iter().map(|s| s.0)).collect();
        Ok((CpuStorage::F32(out), Shape::from((2, channels))))
    }
}

/// `(x, dy, y)` → `dx = γ_c / sqrt(var_c + eps) · (dy − Σdy / N − x̂ · Σ(dy·x̂) / N)`.
struct InputGrad {
    moments: Moments,
    gamma: Vec<f32>,
    /// `(Σ dy, Σ dy·x̂)` per channel.
    sums: Vec<(f32, f32)>,
    relu: bool,
}

impl CustomOp3 for InputGrad {
    fn name(&self) -> &'static str {
        "archspace-batch-norm-input-grad"
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
        let (batch, channels, plane) = split(l1.shape())?;
        let (x, dy, y) = (contiguous_f32(s1, l1)?, contiguous_f32(s2, l2)?, contiguous_f32(s3, l3)?);
        if dy.len() != x.len() || y.len() != x.len() || self.gamma.len() != channels || plane == 0 {
            candle_core::bail!("batch norm gradient does not fit its input {:?}", l1.shape());
        }
        let n = (batch * plane).max(1) as f32;
        let dx = par_written(x.len(), plane, |index, sink| {
            let c = index % channels;
            let (mean, inv) = (self.moments.mean[c], self.moments.inv_std[c]);
            let factor = self.gamma[c] * inv;
            let (mean_dy, mean_dot) = (self.sums[c].0 / n, self.sums[c].1 / n);
            let planes = index * plane..(index + 1) * plane;
            let mut buffer = Vec::new();
            let g = if self.relu {
                masked(&dy[planes.clone()], &y[planes.clone()], true, &mut buffer);
                &buffer[..]
            } else {
                &dy[planes.clone()]
            };
            sink.zip_from(&x[planes], g, |v, g| {
                let xhat = (v - mean) * inv;
                factor * (g - mean_dy - xhat * mean_dot)
            });
        });
        Ok((CpuStorage::F32(dx), l1.shape().clone()))
    }
}

#[cfg(test)]
mod tests {
    use candle_core::{Device, Var};

    use super::*;
    use crate::kernels::BatchNormOp;

    fn values(t: &Tensor) -> Vec<f32> {
        t.flatten_all().and_then(|t| t.to_vec1::<f32>()).expect("values")
    }

    /// Output and gradients equal the custom op's under candle's autograd,
    /// value for value, with and without the ReLU.
    #[test]
    fn matches_the_custom_op_under_autograd() {
        let dev = Device::Cpu;
        let x = Tensor::randn(0.5f32, 2.0, (3, 5, 4, 6), &dev).expect("x");
        let dy = Tensor::randn(0f32, 1.0, (3, 5, 4, 6), &dev).expect("dy");
        let gamma = Var::new(&[1.0f32, 0.5, -2.0, 1.5, 0.1], &dev).expect("gamma");
        let beta = Var::new(&[0.0f32, 0.3, -0.2, 1.0, 0.5], &dev).expect("beta");
        for relu in [false, true] {
            let op = BatchNormOp { eps: 1e-5, relu };
            let xv = Var::from_tensor(&x).expect("var");
            let y = xv.as_tensor().apply_op3(gamma.as_tensor(), beta.as_tensor(), op).expect("op");
            let grads = (&y * &dy).and_then(|p| p.sum_all()).and_then(|s| s.backward()).expect("backward");
            let (step, _) = batch_norm_recorded(&x, gamma.as_tensor(), beta.as_tensor(), 1e-5, relu).expect("ours");
            assert_eq!(values(&step.output), values(&y), "relu {relu}: output");
            let mut params = ParamGrads::default();
            let dx = step.backward.backward(&dy, &[true], &mut params).expect("backward");
            let params = params.into_store();
            let dx = dx.into_iter().next().flatten().expect("dx");
            let stock = |t: &Tensor| values(grads.get(t).expect("gradient"));
            assert_eq!(values(&dx), stock(xv.as_tensor()), "relu {relu}: dx");
            for p in [gamma.as_tensor(), beta.as_tensor()] {
                assert_eq!(values(params.get(p).expect("ours")), stock(p), "relu {relu}: parameter");
            }
        }
    }
}
