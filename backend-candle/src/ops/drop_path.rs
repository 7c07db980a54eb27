//! `drop_path`: drops a whole sample's branch with probability `rate` in
//! train mode (stochastic depth), scaling kept samples by `1 / (1 - rate)`.
//!
//! ```
//! use archspace_candle::ops::{DropPath, drop_path};
//! use candle_core::{Device, ModuleT, Tensor};
//! assert_eq!(drop_path(0.2).name(), "drop_path");
//! let layer = DropPath::new(0.5, 3);
//! let x = Tensor::ones((8, 2, 3, 3), candle_core::DType::F32, &Device::Cpu)?;
//! let per_sample = layer.forward_t(&x, true)?.flatten_from(1)?.max(1)?.to_vec1::<f32>()?;
//! assert!(per_sample.iter().all(|&v| v == 0.0 || v == 2.0));
//! # Ok::<(), candle_core::Error>(())
//! ```

use std::sync::Mutex;

use archspace_core::{Op, Param};
use candle_core::{ModuleT, Tensor};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::context::{OpContext, OpInfo};
use super::dropout::keep_mask;
use super::input_shapes::InputShapes;
use super::registry::{Layer, OpDef, Single};
use crate::error::BackendError;
use crate::params::ParamStore;

/// A `drop_path` op with drop probability `rate`.
pub fn drop_path(rate: impl Into<Param>) -> Op {
    Op::new("drop_path").param("rate", rate)
}

/// Per-sample path dropping with its own seeded generator.
#[derive(Debug)]
pub struct DropPath {
    rate: f64,
    rng: Mutex<ChaCha8Rng>,
}

impl DropPath {
    /// Drop-path with probability `rate` whose masks derive from `seed`.
    pub fn new(rate: f64, seed: u64) -> Self {
        DropPath { rate, rng: Mutex::new(ChaCha8Rng::seed_from_u64(seed)) }
    }
}

impl ModuleT for DropPath {
    fn forward_t(&self, x: &Tensor, train: bool) -> candle_core::Result<Tensor> {
        if !train || self.rate == 0.0 {
            return Ok(x.clone());
        }
        let batch = x.dim(0)?;
        let mut shape = vec![1; x.rank()];
        shape[0] = batch;
        let mask = Tensor::from_vec(keep_mask(&self.rng, batch, self.rate), shape, x.device())?;
        x.broadcast_mul(&mask.to_dtype(x.dtype())?)
    }
}

/// The definition of `drop_path`.
#[derive(Clone, Copy, Debug, Default)]
pub struct DropPathDef;

impl OpDef for DropPathDef {
    fn input_shapes(&self) -> InputShapes {
        InputShapes::Any
    }

    fn infer(&self, ctx: &OpContext<'_>) -> Result<OpInfo, BackendError> {
        ctx.rate_or("rate", 0.0)?;
        let input = ctx.single_input()?;
        Ok(OpInfo { output: input.to_vec(), params: 0, flops: input.iter().product::<usize>() as u64 })
    }

    fn build(&self, ctx: &OpContext<'_>, _store: &mut ParamStore) -> Result<Box<dyn Layer>, BackendError> {
        self.infer(ctx)?;
        Ok(Box::new(Single(DropPath::new(ctx.rate_or("rate", 0.0)?, ctx.seed))))
    }
}
