//! `identity`: passes its input through.
//!
//! ```
//! use archspace_candle::ops::identity;
//! assert_eq!(identity().name(), "identity");
//! ```

use archspace_core::Op;

use super::context::{OpContext, OpInfo};
use super::input_shapes::InputShapes;
use super::registry::{Layer, OpDef, Single};
use crate::error::BackendError;
use crate::params::ParamStore;

/// An `identity` op.
pub fn identity() -> Op {
    Op::new("identity")
}

/// Returns its input.
#[derive(Clone, Copy, Debug, Default)]
pub struct Identity;

impl candle_core::Module for Identity {
    fn forward(&self, x: &candle_core::Tensor) -> candle_core::Result<candle_core::Tensor> {
        Ok(x.clone())
    }
}

/// The definition of `identity`.
#[derive(Clone, Copy, Debug, Default)]
pub struct IdentityDef;

impl OpDef for IdentityDef {
    fn input_shapes(&self) -> InputShapes {
        InputShapes::Any
    }

    fn infer(&self, ctx: &OpContext<'_>) -> Result<OpInfo, BackendError> {
        Ok(OpInfo { output: ctx.single_input()?.to_vec(), params: 0, flops: 0 })
    }

    fn build(&self, ctx: &OpContext<'_>, _store: &mut ParamStore) -> Result<Box<dyn Layer>, BackendError> {
        self.infer(ctx)?;
        Ok(Box::new(Single(Identity)))
    }
}
