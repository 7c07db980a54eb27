//! `global_avg_pool`: the mean over height and width, `[C, H, W] → [C]`.
//!
//! ```
//! use archspace_candle::ops::{GlobalAvgPool, global_avg_pool};
//! use candle_core::{Device, Module, Tensor};
//! assert_eq!(global_avg_pool().name(), "global_avg_pool");
//! let x = Tensor::arange(0f32, 8.0, &Device::Cpu)?.reshape((1, 2, 2, 2))?;
//! assert_eq!(GlobalAvgPool.forward(&x)?.to_vec2::<f32>()?, vec![vec![1.5, 5.5]]);
//! # Ok::<(), candle_core::Error>(())
//! ```

use archspace_core::Op;
use candle_core::{DType, Module, Tensor};

use super::context::{OpContext, OpInfo};
use super::input_shapes::InputShapes;
use super::recorded::{self, Recorded};
use super::registry::{Layer, OpDef, Single};
use crate::error::BackendError;
use crate::kernels::{GlobalAvgPoolOp, Kernels};
use crate::params::ParamStore;

/// A `global_avg_pool` op.
pub fn global_avg_pool() -> Op {
    Op::new("global_avg_pool")
}

/// Mean over the last two dimensions.
#[derive(Clone, Copy, Debug, Default)]
pub struct GlobalAvgPool;

impl Module for GlobalAvgPool {
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        x.flatten_from(2)?.mean(2)
    }
}

/// [`GlobalAvgPoolOp`] (parallel over the batch) for 4-D f32 tensors on
/// the CPU, [`GlobalAvgPool`] elsewhere.
#[derive(Clone, Copy, Debug)]
struct NativeGlobalAvgPool;

impl Module for NativeGlobalAvgPool {
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        if x.device().is_cpu() && x.dtype() == DType::F32 && x.rank() == 4 {
            x.contiguous()?.apply_op1(GlobalAvgPoolOp)
        } else {
            GlobalAvgPool.forward(x)
        }
    }
}

impl Layer for NativeGlobalAvgPool {
    fn forward_t(&self, inputs: &[Tensor], train: bool) -> candle_core::Result<Tensor> {
        Single(*self).forward_t(inputs, train)
    }

    fn forward_recorded(&self, inputs: &[Tensor]) -> Option<candle_core::Result<Recorded>> {
        match inputs {
            [x] if x.device().is_cpu() && x.dtype() == DType::F32 && x.rank() == 4 => {
                Some(x.contiguous().and_then(|x| recorded::apply1(&x, GlobalAvgPoolOp)))
            }
            _ => None,
        }
    }
}

/// The definition of `global_avg_pool`.
#[derive(Clone, Copy, Debug, Default)]
pub struct GlobalAvgPoolDef;

impl OpDef for GlobalAvgPoolDef {
    fn input_shapes(&self) -> InputShapes {
        InputShapes::Image
    }

    fn infer(&self, ctx: &OpContext<'_>) -> Result<OpInfo, BackendError> {
        let (c, h, w) = ctx.image_input()?;
        Ok(OpInfo { output: vec![c], params: 0, flops: (c * h * w) as u64 })
    }

    fn build(&self, ctx: &OpContext<'_>, _store: &mut ParamStore) -> Result<Box<dyn Layer>, BackendError> {
        self.infer(ctx)?;
        if ctx.kernels == Kernels::Native {
            return Ok(Box::new(NativeGlobalAvgPool));
        }
        Ok(Box::new(Single(GlobalAvgPool)))
    }
}
