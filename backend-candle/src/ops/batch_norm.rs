//! `batch_norm`: batch normalisation over channels (dimension 1), with
//! running statistics for eval mode. Uses `candle_nn::BatchNorm`.
//!
//! ```
//! use archspace_candle::ops::batch_norm;
//! assert_eq!(batch_norm().name(), "batch_norm");
//! ```

use archspace_core::Op;
use candle_nn::BatchNorm;

use super::context::{OpContext, OpInfo};
use super::registry::{Layer, OpDef, Single};
use crate::error::BackendError;
use crate::params::{Init, ParamStore};

/// A `batch_norm` op. Optional parameters: `momentum` (0.1), `eps` (1e-5).
pub fn batch_norm() -> Op {
    Op::new("batch_norm")
}

/// Creates a batch norm over `channels` with parameters `<path>.<prefix>{weight,bias}`
/// and buffers `<path>.<prefix>running_{mean,var}`.
pub(crate) fn build_batch_norm(
    ctx: &OpContext<'_>,
    store: &mut ParamStore,
    prefix: &str,
    channels: usize,
) -> Result<BatchNorm, BackendError> {
    let momentum = ctx.rate_or("momentum", 0.1)?;
    let eps = ctx.float_or("eps", 1e-5)?;
    let name = |n: &str| ctx.param_name(&format!("{prefix}{n}"));
    let weight = store.trainable(&name("weight"), &[channels], Init::Const(1.0))?;
    let bias = store.trainable(&name("bias"), &[channels], Init::Const(0.0))?;
    let mean = store.buffer(&name("running_mean"), &[channels], Init::Const(0.0))?;
    let var = store.buffer(&name("running_var"), &[channels], Init::Const(1.0))?;
    Ok(BatchNorm::new_with_momentum(channels, mean, var, weight, bias, eps, momentum)?)
}

/// The definition of `batch_norm`.
#[derive(Clone, Copy, Debug, Default)]
pub struct BatchNormDef;

impl OpDef for BatchNormDef {
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
        Ok(Box::new(Single(build_batch_norm(ctx, store, "", info.output[0])?)))
    }
}
