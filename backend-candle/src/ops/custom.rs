//! Wrapping any candle layer as an op, from two closures.
//!
//! ```
//! use archspace_candle::ops::{FnOp, OpInfo, Registry, Single};
//! use candle_core::Module;
//! // A "square" op: y = x², shape-preserving, no parameters.
//! struct Square;
//! impl Module for Square {
//!     fn forward(&self, x: &candle_core::Tensor) -> candle_core::Result<candle_core::Tensor> { x.sqr() }
//! }
//! let mut registry = Registry::standard();
//! registry.register(
//!     "square",
//!     FnOp::new(
//!         |ctx| {
//!             let input = ctx.single_input()?;
//!             Ok(OpInfo { output: input.to_vec(), params: 0, flops: input.iter().product::<usize>() as u64 })
//!         },
//!         |_ctx, _store| Ok(Box::new(Single(Square))),
//!     ),
//! );
//! assert!(registry.get("square").is_some());
//! ```

use candle_core::{DType, Device, Tensor};

use super::context::{OpContext, OpInfo};
use super::registry::{Layer, OpDef};
use crate::error::BackendError;
use crate::params::ParamStore;

type InferFn = dyn Fn(&OpContext<'_>) -> Result<OpInfo, BackendError> + Send + Sync;
type BuildFn = dyn Fn(&OpContext<'_>, &mut ParamStore) -> Result<Box<dyn Layer>, BackendError> + Send + Sync;

/// An op definition made of an `infer` and a `build` closure.
pub struct FnOp {
    infer: Option<Box<InferFn>>,
    build: Box<BuildFn>,
}

impl FnOp {
    /// An op with pure shape inference `infer` and a layer constructor `build`.
    pub fn new(
        infer: impl Fn(&OpContext<'_>) -> Result<OpInfo, BackendError> + Send + Sync + 'static,
        build: impl Fn(&OpContext<'_>, &mut ParamStore) -> Result<Box<dyn Layer>, BackendError> + Send + Sync + 'static,
    ) -> Self {
        FnOp { infer: Some(Box::new(infer)), build: Box::new(build) }
    }

    /// An op whose shapes are found by probing: `build` runs on a throwaway
    /// parameter store and the layer is applied to one zero sample. Convenient
    /// for wrapping an existing layer; FLOPs are reported as 0. Prefer
    /// [`FnOp::new`] where inference can be written, as it allocates nothing.
    pub fn probing(
        build: impl Fn(&OpContext<'_>, &mut ParamStore) -> Result<Box<dyn Layer>, BackendError> + Send + Sync + 'static,
    ) -> Self {
        FnOp { infer: None, build: Box::new(build) }
    }
}

impl std::fmt::Debug for FnOp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FnOp").field("probing", &self.infer.is_none()).finish()
    }
}

impl OpDef for FnOp {
    fn infer(&self, ctx: &OpContext<'_>) -> Result<OpInfo, BackendError> {
        if let Some(infer) = &self.infer {
            return infer(ctx);
        }
        let mut store = ParamStore::new(0, Device::Cpu);
        let layer = (self.build)(ctx, &mut store)?;
        let inputs = ctx
            .inputs
            .iter()
            .map(|shape| {
                let mut dims = vec![1];
                dims.extend_from_slice(shape);
                Tensor::zeros(dims, DType::F32, &Device::Cpu)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let y = layer.forward_t(&inputs, false).map_err(|e| ctx.shape_error(format!("probing forward failed: {e}")))?;
        Ok(OpInfo { output: y.dims()[1..].to_vec(), params: store.trainable_count(), flops: 0 })
    }

    fn build(&self, ctx: &OpContext<'_>, store: &mut ParamStore) -> Result<Box<dyn Layer>, BackendError> {
        (self.build)(ctx, store)
    }
}
