//! `separable_conv2d`: a depthwise convolution followed by a 1×1 pointwise one.
//!
//! ```
//! use archspace_candle::ops::separable_conv2d;
//! assert_eq!(separable_conv2d(32, 3).name(), "separable_conv2d");
//! ```

use archspace_core::{Op, Param};
use candle_core::{Module, Tensor};

use super::context::{OpContext, OpInfo};
use super::conv2d::{ConvSpec, Padded2d};
use super::geometry::ConvGeometry;
use super::input_shapes::InputShapes;
use super::registry::{Layer, OpDef, Single};
use crate::error::BackendError;
use crate::params::ParamStore;

/// A `separable_conv2d` op. Optional: `stride`, `dilation`, `padding` (of
/// the depthwise part), `bias` (true, on the pointwise part).
pub fn separable_conv2d(filters: impl Into<Param>, kernel: impl Into<Param>) -> Op {
    Op::new("separable_conv2d").param("filters", filters).param("kernel", kernel)
}

/// Depthwise then pointwise convolution.
#[derive(Clone, Debug)]
pub struct SeparableConv2d {
    depthwise: Padded2d,
    pointwise: Padded2d,
}

impl Module for SeparableConv2d {
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        self.pointwise.forward(&self.depthwise.forward(x)?)
    }
}

/// The definition of `separable_conv2d`.
#[derive(Clone, Copy, Debug, Default)]
pub struct SeparableConv2dDef;

fn read(ctx: &OpContext<'_>) -> Result<(ConvSpec, ConvSpec, (usize, usize)), BackendError> {
    let (c, h, w) = ctx.image_input()?;
    let depthwise = ConvSpec {
        channels: c,
        filters: c,
        geometry: ConvGeometry::from_context(ctx, (3, 3), 1, "same", (h, w))?,
        groups: c,
        bias: false,
    };
    let pointwise = ConvSpec {
        channels: c,
        filters: ctx.positive("filters")?,
        geometry: ConvGeometry { kernel: (1, 1), stride: 1, dilation: 1, pads: [0; 4] },
        groups: 1,
        bias: ctx.bool_or("bias", true)?,
    };
    Ok((depthwise, pointwise, (h, w)))
}

impl OpDef for SeparableConv2dDef {
    fn input_shapes(&self) -> InputShapes {
        InputShapes::Image
    }

    fn infer(&self, ctx: &OpContext<'_>) -> Result<OpInfo, BackendError> {
        let (dw, pw, hw) = read(ctx)?;
        let first = Padded2d::info(ctx, &dw, hw)?;
        let second = Padded2d::info(ctx, &pw, (first.output[1], first.output[2]))?;
        Ok(OpInfo { output: second.output, params: first.params + second.params, flops: first.flops + second.flops })
    }

    fn build(&self, ctx: &OpContext<'_>, store: &mut ParamStore) -> Result<Box<dyn Layer>, BackendError> {
        let (dw, pw, _) = read(ctx)?;
        let depthwise = Padded2d::build(ctx, store, "depthwise.", &dw)?;
        let pointwise = Padded2d::build(ctx, store, "pointwise.", &pw)?;
        Ok(Box::new(Single(SeparableConv2d { depthwise, pointwise })))
    }
}
