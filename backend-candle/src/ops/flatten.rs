//! `flatten`: `[C, H, W] → [C·H·W]`.
//!
//! ```
//! use archspace_candle::ops::{Flatten, flatten};
//! use candle_core::{Device, Module, Tensor};
//! assert_eq!(flatten().name(), "flatten");
//! let x = Tensor::zeros((2, 3, 4, 5), candle_core::DType::F32, &Device::Cpu)?;
//! assert_eq!(Flatten.forward(&x)?.dims(), &[2, 60]);
//! # Ok::<(), candle_core::Error>(())
//! ```

use archspace_core::Op;
use candle_core::{Module, Tensor};

use super::context::{OpContext, OpInfo};
use super::input_shapes::InputShapes;
use super::recorded::{Backward, ParamGrads, Recorded};
use super::registry::{Layer, OpDef, Single};
use crate::error::BackendError;
use crate::params::ParamStore;

/// A `flatten` op.
pub fn flatten() -> Op {
    Op::new("flatten")
}

/// Flattens every dimension but the batch.
#[derive(Clone, Copy, Debug, Default)]
pub struct Flatten;

impl Module for Flatten {
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        x.flatten_from(1)
    }
}

impl Layer for Flatten {
    fn forward_t(&self, inputs: &[Tensor], train: bool) -> candle_core::Result<Tensor> {
        Single(*self).forward_t(inputs, train)
    }

    fn forward_recorded(&self, inputs: &[Tensor]) -> Option<candle_core::Result<Recorded>> {
        let [x] = inputs else { return None };
        let backward = Box::new(Unflatten { shape: x.dims().to_vec() });
        Some(x.flatten_from(1).map(|output| Recorded { output: output.detach(), backward }))
    }
}

/// The gradient of a flattened value: the output's gradient in the input's shape.
struct Unflatten {
    shape: Vec<usize>,
}

impl Backward for Unflatten {
    fn backward(
        &self,
        grad: &Tensor,
        wanted: &[bool],
        _params: &mut ParamGrads,
    ) -> candle_core::Result<Vec<Option<Tensor>>> {
        let wanted = wanted.first().copied().unwrap_or(false);
        Ok(vec![wanted.then(|| grad.reshape(self.shape.as_slice())).transpose()?])
    }
}

/// The definition of `flatten`.
#[derive(Clone, Copy, Debug, Default)]
pub struct FlattenDef;

impl OpDef for FlattenDef {
    fn input_shapes(&self) -> InputShapes {
        InputShapes::Any
    }

    fn infer(&self, ctx: &OpContext<'_>) -> Result<OpInfo, BackendError> {
        Ok(OpInfo { output: vec![ctx.single_input()?.iter().product()], params: 0, flops: 0 })
    }

    fn build(&self, ctx: &OpContext<'_>, _store: &mut ParamStore) -> Result<Box<dyn Layer>, BackendError> {
        self.infer(ctx)?;
        Ok(Box::new(Flatten))
    }
}
