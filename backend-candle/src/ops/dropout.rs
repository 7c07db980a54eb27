//! `dropout`: zeroes each element with probability `rate` in train mode and
//! scales the rest by `1 / (1 - rate)`. Masks come from a seeded ChaCha
//! generator (candle's CPU generator cannot be seeded).
//!
//! ```
//! use archspace_candle::ops::{Dropout, dropout};
//! use candle_core::{Device, ModuleT, Tensor};
//! assert_eq!(dropout(0.5).name(), "dropout");
//! let layer = Dropout::new(0.5, 1);
//! let x = Tensor::ones(1000, candle_core::DType::F32, &Device::Cpu)?;
//! let kept = layer.forward_t(&x, true)?.ne(0f32)?.to_dtype(candle_core::DType::F32)?.sum_all()?.to_scalar::<f32>()?;
//! assert!((400.0..600.0).contains(&kept));
//! assert_eq!(layer.forward_t(&x, false)?.sum_all()?.to_scalar::<f32>()?, 1000.0);
//! # Ok::<(), candle_core::Error>(())
//! ```

use std::sync::Mutex;

use archspace_core::{Op, Param};
use candle_core::{ModuleT, Tensor};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::context::{OpContext, OpInfo};
use super::input_shapes::InputShapes;
use super::registry::{Layer, OpDef, Single};
use crate::error::BackendError;
use crate::params::ParamStore;

/// A `dropout` op with drop probability `rate`.
pub fn dropout(rate: impl Into<Param>) -> Op {
    Op::new("dropout").param("rate", rate)
}

/// A Bernoulli keep-mask scaled by `1 / keep`, of `n` elements.
pub(crate) fn keep_mask(rng: &Mutex<ChaCha8Rng>, n: usize, rate: f64) -> Vec<f32> {
    let keep = 1.0 - rate;
    let scale = (1.0 / keep) as f32;
    let mut rng = rng.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    (0..n).map(|_| if rng.random::<f64>() < keep { scale } else { 0.0 }).collect()
}

/// Element-wise dropout with its own seeded generator.
#[derive(Debug)]
pub struct Dropout {
    rate: f64,
    rng: Mutex<ChaCha8Rng>,
}

impl Dropout {
    /// Dropout with probability `rate` whose masks derive from `seed`.
    pub fn new(rate: f64, seed: u64) -> Self {
        Dropout { rate, rng: Mutex::new(ChaCha8Rng::seed_from_u64(seed)) }
    }
}

impl ModuleT for Dropout {
    fn forward_t(&self, x: &Tensor, train: bool) -> candle_core::Result<Tensor> {
        if !train || self.rate == 0.0 {
            return Ok(x.clone());
        }
        let mask = Tensor::from_vec(keep_mask(&self.rng, x.elem_count(), self.rate), x.shape(), x.device())?;
        x * mask.to_dtype(x.dtype())?
    }
}

/// The definition of `dropout`.
#[derive(Clone, Copy, Debug, Default)]
pub struct DropoutDef;

impl OpDef for DropoutDef {
    fn input_shapes(&self) -> InputShapes {
        InputShapes::Any
    }

    fn infer(&self, ctx: &OpContext<'_>) -> Result<OpInfo, BackendError> {
        ctx.rate_or("rate", 0.5)?;
        let input = ctx.single_input()?;
        Ok(OpInfo { output: input.to_vec(), params: 0, flops: input.iter().product::<usize>() as u64 })
    }

    fn build(&self, ctx: &OpContext<'_>, _store: &mut ParamStore) -> Result<Box<dyn Layer>, BackendError> {
        self.infer(ctx)?;
        Ok(Box::new(Single(Dropout::new(ctx.rate_or("rate", 0.5)?, ctx.seed))))
    }
}
