//! `concat`: joins `n` inputs along channels; the other dimensions must match.
//!
//! ```
//! use archspace_candle::ops::concat;
//! assert_eq!(concat(2).input_names().len(), 2);
//! ```

use archspace_core::Op;
use candle_core::{DType, Tensor};

use super::context::{OpContext, OpInfo};
use super::input_shapes::InputShapes;
use super::recorded::{self, Arg, Recorded};
use super::registry::{Layer, OpDef};
use crate::error::BackendError;
use crate::kernels::{ConcatOp, Kernels};
use crate::params::ParamStore;

/// A `concat` op with inputs `in0 .. in{n-1}`.
pub fn concat(n: usize) -> Op {
    Op::new("concat").inputs_indexed(n)
}

/// Concatenation along dimension 1 (channels): with [`Kernels::Native`],
/// two or three f32 CPU inputs through [`ConcatOp`] (parallel over the
/// batch), else candle's `cat`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Concat {
    /// Which implementation to use.
    pub kernels: Kernels,
}

impl Layer for Concat {
    fn forward_t(&self, inputs: &[Tensor], _train: bool) -> candle_core::Result<Tensor> {
        let native = self.kernels == Kernels::Native
            && inputs.iter().all(|x| x.device().is_cpu() && x.dtype() == DType::F32 && x.rank() >= 2);
        match inputs {
            [a, b] if native => a.contiguous()?.apply_op2(&b.contiguous()?, ConcatOp),
            [a, b, c] if native => a.contiguous()?.apply_op3(&b.contiguous()?, &c.contiguous()?, ConcatOp),
            _ => Tensor::cat(inputs, 1),
        }
    }

    fn forward_recorded(&self, inputs: &[Tensor]) -> Option<candle_core::Result<Recorded>> {
        let native = self.kernels == Kernels::Native
            && inputs.iter().all(|x| x.device().is_cpu() && x.dtype() == DType::F32 && x.rank() >= 2);
        let run = || -> candle_core::Result<Option<Recorded>> {
            let c = inputs.iter().map(Tensor::contiguous).collect::<candle_core::Result<Vec<_>>>()?;
            Ok(match &c[..] {
                [a, b] => Some(recorded::apply2((a, b), [Arg::Input, Arg::Input], ConcatOp)?),
                [a, b, c] => Some(recorded::apply3((a, b, c), [Arg::Input, Arg::Input, Arg::Input], ConcatOp)?),
                _ => None,
            })
        };
        if !native || !(2..=3).contains(&inputs.len()) {
            return None;
        }
        run().transpose()
    }
}

/// The definition of `concat`.
#[derive(Clone, Copy, Debug, Default)]
pub struct ConcatDef;

impl OpDef for ConcatDef {
    fn input_shapes(&self) -> InputShapes {
        InputShapes::AgreeBeyondChannels
    }

    fn infer(&self, ctx: &OpContext<'_>) -> Result<OpInfo, BackendError> {
        let Some(first) = ctx.inputs.first() else { return Err(ctx.shape_error("expects at least one input")) };
        if first.is_empty() {
            return Err(ctx.shape_error("expects inputs with a channel dimension"));
        }
        for (i, shape) in ctx.inputs.iter().enumerate() {
            if shape.len() != first.len() || shape[1..] != first[1..] {
                return Err(ctx.shape_error(format!(
                    "input {i} has shape {shape:?}, which does not match input 0 {first:?} beyond channels"
                )));
            }
        }
        let mut output = first.clone();
        output[0] = ctx.inputs.iter().map(|s| s[0]).sum();
        Ok(OpInfo { output, params: 0, flops: 0 })
    }

    fn build(&self, ctx: &OpContext<'_>, _store: &mut ParamStore) -> Result<Box<dyn Layer>, BackendError> {
        self.infer(ctx)?;
        Ok(Box::new(Concat { kernels: ctx.kernels }))
    }
}
