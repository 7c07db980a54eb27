//! `factorized_reduce`: halves height and width without losing every other
//! pixel (ENAS/DARTS): ReLU, two 1×1 stride-2 convolutions, one on the input
//! and one on the input shifted by one pixel, concatenated, then batch norm.
//!
//! ```
//! use archspace_candle::ops::factorized_reduce;
//! assert_eq!(factorized_reduce(32).name(), "factorized_reduce");
//! ```

use archspace_core::{Op, Param};
use candle_core::{Module, ModuleT, Tensor};

use super::batch_norm::{BatchNorm2d, build_batch_norm};
use super::context::{OpContext, OpInfo};
use super::conv2d::{ConvSpec, Padded2d};
use super::geometry::ConvGeometry;
use super::input_shapes::InputShapes;
use super::registry::{Layer, OpDef, Single};
use crate::error::BackendError;
use crate::params::ParamStore;

/// A `factorized_reduce` op with `filters` outputs (at least 2).
pub fn factorized_reduce(filters: impl Into<Param>) -> Op {
    Op::new("factorized_reduce").param("filters", filters)
}

/// The factorized reduction layer.
#[derive(Clone, Debug)]
pub struct FactorizedReduce {
    even: Padded2d,
    odd: Padded2d,
    norm: BatchNorm2d,
}

impl ModuleT for FactorizedReduce {
    fn forward_t(&self, x: &Tensor, train: bool) -> candle_core::Result<Tensor> {
        let x = x.relu()?;
        let (h, w) = (x.dim(2)?, x.dim(3)?);
        let shifted = x.pad_with_zeros(2, 0, 1)?.pad_with_zeros(3, 0, 1)?.narrow(2, 1, h)?.narrow(3, 1, w)?;
        let y = Tensor::cat(&[self.even.forward(&x)?, self.odd.forward(&shifted)?], 1)?;
        self.norm.forward_t(&y, train)
    }
}

/// The definition of `factorized_reduce`.
#[derive(Clone, Copy, Debug, Default)]
pub struct FactorizedReduceDef;

fn read(ctx: &OpContext<'_>) -> Result<(ConvSpec, ConvSpec, (usize, usize)), BackendError> {
    let (c, h, w) = ctx.image_input()?;
    let filters = ctx.positive("filters")?;
    if filters < 2 {
        return Err(ctx.param_error("filters", format!("must be at least 2, got {filters}")));
    }
    let geometry = ConvGeometry { kernel: (1, 1), stride: 2, dilation: 1, pads: [0; 4] };
    let half = filters / 2;
    let even = ConvSpec { channels: c, filters: half, geometry, groups: 1, bias: false };
    let odd = ConvSpec { filters: filters - half, ..even };
    Ok((even, odd, (h, w)))
}

impl OpDef for FactorizedReduceDef {
    fn input_shapes(&self) -> InputShapes {
        InputShapes::Image
    }

    fn infer(&self, ctx: &OpContext<'_>) -> Result<OpInfo, BackendError> {
        let (even, odd, hw) = read(ctx)?;
        let a = Padded2d::info(ctx, &even, hw)?;
        let b = Padded2d::info(ctx, &odd, hw)?;
        let filters = even.filters + odd.filters;
        let elements = (filters * a.output[1] * a.output[2]) as u64;
        Ok(OpInfo {
            output: vec![filters, a.output[1], a.output[2]],
            params: a.params + b.params + 2 * filters,
            flops: a.flops + b.flops + 2 * elements,
        })
    }

    fn build(&self, ctx: &OpContext<'_>, store: &mut ParamStore) -> Result<Box<dyn Layer>, BackendError> {
        let (even, odd, _) = read(ctx)?;
        let filters = even.filters + odd.filters;
        let even = Padded2d::build(ctx, store, "even.", &even)?;
        let odd = Padded2d::build(ctx, store, "odd.", &odd)?;
        let norm = build_batch_norm(ctx, store, "norm.", filters)?;
        Ok(Box::new(Single(FactorizedReduce { even, odd, norm })))
    }
}
