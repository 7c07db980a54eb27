//! `batch_norm`: batch normalisation over channels (dimension 1), with
//! running statistics for eval mode. [`BatchNorm2d`] runs this crate's
//! kernel for f32 on the CPU (`candle_nn::BatchNorm` otherwise, or with
//! [`Kernels::Candle`]).
//!
//! ```
//! use archspace_candle::ops::batch_norm;
//! assert_eq!(batch_norm().name(), "batch_norm");
//! ```

use archspace_core::Op;
use candle_core::{DType, ModuleT, Tensor, Var};
use candle_nn::BatchNorm;

use super::context::{OpContext, OpInfo};
use super::input_shapes::InputShapes;
use super::recorded::Recorded;
use super::registry::{Layer, OpDef};
use crate::error::BackendError;
use crate::kernels::{BatchNormOp, Kernels, batch_norm_recorded, channel_stats};
use crate::params::{Init, ParamStore};

/// A `batch_norm` op. Optional parameters: `momentum` (0.1), `eps` (1e-5).
pub fn batch_norm() -> Op {
    Op::new("batch_norm")
}

/// A batch norm layer: learned scale and shift, running statistics.
#[derive(Clone, Debug)]
pub struct BatchNorm2d {
    candle: BatchNorm,
    weight: Tensor,
    bias: Tensor,
    running_mean: Var,
    running_var: Var,
    eps: f64,
    momentum: f64,
    kernels: Kernels,
    relu: bool,
}

/// Creates a batch norm over `channels` with parameters `<path>.<prefix>{weight,bias}`
/// and buffers `<path>.<prefix>running_{mean,var}`.
pub(crate) fn build_batch_norm(
    ctx: &OpContext<'_>,
    store: &mut ParamStore,
    prefix: &str,
    channels: usize,
) -> Result<BatchNorm2d, BackendError> {
    let momentum = ctx.rate_or("momentum", 0.1)?;
    let eps = ctx.float_or("eps", 1e-5)?;
    let name = |n: &str| ctx.param_name(&format!("{prefix}{n}"));
    let weight = store.trainable(&name("weight"), &[channels], Init::Const(1.0))?;
    let bias = store.trainable(&name("bias"), &[channels], Init::Const(0.0))?;
    let mean = store.buffer(&name("running_mean"), &[channels], Init::Const(0.0))?;
    let var = store.buffer(&name("running_var"), &[channels], Init::Const(1.0))?;
    let candle =
        BatchNorm::new_with_momentum(channels, mean.clone(), var.clone(), weight.clone(), bias.clone(), eps, momentum)?;
    Ok(BatchNorm2d {
        candle,
        weight,
        bias,
        running_mean: Var::from_tensor(&mean)?,
        running_var: Var::from_tensor(&var)?,
        eps,
        momentum,
        kernels: ctx.kernels,
        relu: false,
    })
}

impl BatchNorm2d {
    /// Training mode with this crate's kernel: batch statistics, running statistics updated.
    fn forward_train(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        let x = x.contiguous()?;
        self.update_running_stats(&x, &channel_stats(&x)?)?;
        x.apply_op3(&self.weight, &self.bias, BatchNormOp { eps: self.eps, relu: self.relu })
    }

    /// [`forward_train`](Self::forward_train) recorded with its backward
    /// pass, where it runs on this crate's kernel (`None` otherwise).
    fn forward_recorded(&self, x: &Tensor) -> Option<candle_core::Result<Recorded>> {
        let native = self.kernels == Kernels::Native
            && x.device().is_cpu()
            && x.dtype() == DType::F32
            && x.rank() >= 2
            && self.weight.dtype() == DType::F32;
        native.then(|| {
            let (step, stats) = batch_norm_recorded(&x.contiguous()?, &self.weight, &self.bias, self.eps, self.relu)?;
            self.update_running_stats(x, &stats)?;
            Ok(step)
        })
    }

    /// Moves the running statistics towards the batch's `stats` (means and
    /// biased variances of `x`, [`channel_stats`]).
    fn update_running_stats(&self, x: &Tensor, stats: &Tensor) -> candle_core::Result<()> {
        let per_channel = x.elem_count() / x.dim(1)?.max(1);
        let unbiased = per_channel as f64 / (per_channel as f64 - 1.0).max(1.0);
        let m = self.momentum;
        let mean = ((self.running_mean.as_tensor() * (1.0 - m))? + (stats.get(0)? * m)?)?;
        let var = ((self.running_var.as_tensor() * (1.0 - m))? + (stats.get(1)? * (m * unbiased))?)?;
        self.running_mean.set(&mean)?;
        self.running_var.set(&var)
    }

    /// Eval mode: one per-channel scale and shift from the running statistics.
    fn forward_eval(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        let scale = (&self.weight / (self.running_var.as_tensor() + self.eps)?.sqrt()?)?;
        let shift = (&self.bias - (self.running_mean.as_tensor() * &scale)?)?;
        let mut shape = vec![1; x.rank()];
        shape[1] = scale.elem_count();
        x.broadcast_mul(&scale.reshape(shape.as_slice())?)?.broadcast_add(&shift.reshape(shape.as_slice())?)
    }
}

impl BatchNorm2d {
    /// This batch norm followed by a ReLU, fused into one pass each way
    /// when it runs on this crate's kernels (`None` otherwise).
    pub fn fused_with_relu(&self) -> Option<Self> {
        (self.kernels == Kernels::Native && !self.relu).then(|| BatchNorm2d { relu: true, ..self.clone() })
    }
}

impl ModuleT for BatchNorm2d {
    fn forward_t(&self, x: &Tensor, train: bool) -> candle_core::Result<Tensor> {
        let native = self.kernels == Kernels::Native && x.device().is_cpu() && x.dtype() == DType::F32;
        let clamp = |y: Tensor| if self.relu { y.relu() } else { Ok(y) };
        match (native && x.rank() >= 2 && self.weight.dtype() == DType::F32, train) {
            (true, true) => self.forward_train(x),
            (true, false) => clamp(self.forward_eval(x)?),
            (false, _) => clamp(self.candle.forward_t(x, train)?),
        }
    }
}

/// The `batch_norm` layer: a [`BatchNorm2d`] that can absorb the ReLU reading it.
struct BatchNormLayer(BatchNorm2d);

impl Layer for BatchNormLayer {
    fn forward_t(&self, inputs: &[Tensor], train: bool) -> candle_core::Result<Tensor> {
        match inputs {
            [x] => self.0.forward_t(x, train),
            other => candle_core::bail!("batch_norm got {} inputs", other.len()),
        }
    }

    fn fuse_relu(&self) -> Option<Box<dyn Layer>> {
        self.0.fused_with_relu().map(|norm| Box::new(BatchNormLayer(norm)) as Box<dyn Layer>)
    }

    fn forward_recorded(&self, inputs: &[Tensor]) -> Option<candle_core::Result<Recorded>> {
        match inputs {
            [x] => self.0.forward_recorded(x),
            _ => None,
        }
    }
}

/// The definition of `batch_norm`.
#[derive(Clone, Copy, Debug, Default)]
pub struct BatchNormDef;

impl OpDef for BatchNormDef {
    fn input_shapes(&self) -> InputShapes {
        InputShapes::WithChannels
    }

    fn infer(&self, ctx: &OpContext<'_>) -> Result<OpInfo, BackendError> {
        let input = ctx.single_input()?;
        let Some(&channels) = input.first() else {
            return Err(ctx.shape_error("expects an input with a channel dimension, got a scalar"));
        };
        ctx.rate_or("momentum", 0.1)?;
        let elements: usize = input.iter().product();
        Ok(OpInfo { output: input.to_vec(), params: 2 * channels, flops: 2 * elements as u64 })
    }

    fn build(&self, ctx: &OpContext<'_>, store: &mut ParamStore) -> Result<Box<dyn Layer>, BackendError> {
        let info = self.infer(ctx)?;
        Ok(Box::new(BatchNormLayer(build_batch_norm(ctx, store, "", info.output[0])?)))
    }
}
