//! `depthwise_conv2d`: one filter (or `multiplier` filters) per input channel.
//!
//! ```
//! use archspace_candle::ops::depthwise_conv2d;
//! assert_eq!(depthwise_conv2d(5).name(), "depthwise_conv2d");
//! ```

use archspace_core::{Op, Param};

use super::context::{OpContext, OpInfo};
use super::conv2d::{ConvSpec, Padded2d};
use super::geometry::ConvGeometry;
use super::input_shapes::InputShapes;
use super::registry::{Layer, OpDef, Single};
use crate::error::BackendError;
use crate::params::ParamStore;

/// A `depthwise_conv2d` op. Optional: `stride`, `dilation`, `padding` as for
/// `conv2d`, `multiplier` (1), `bias` (true).
pub fn depthwise_conv2d(kernel: impl Into<Param>) -> Op {
    Op::new("depthwise_conv2d").param("kernel", kernel)
}

/// The definition of `depthwise_conv2d`.
#[derive(Clone, Copy, Debug, Default)]
pub struct DepthwiseConv2dDef;

fn read(ctx: &OpContext<'_>) -> Result<(ConvSpec, (usize, usize)), BackendError> {
    let (c, h, w) = ctx.image_input()?;
    let spec = ConvSpec {
        channels: c,
        filters: c * ctx.positive_or("multiplier", 1)?,
        geometry: ConvGeometry::from_context(ctx, (3, 3), 1, "same", (h, w))?,
        groups: c,
        bias: ctx.bool_or("bias", true)?,
    };
    Ok((spec, (h, w)))
}

impl OpDef for DepthwiseConv2dDef {
    fn input_shapes(&self) -> InputShapes {
        InputShapes::Image
    }

    fn infer(&self, ctx: &OpContext<'_>) -> Result<OpInfo, BackendError> {
        let (spec, hw) = read(ctx)?;
        Padded2d::info(ctx, &spec, hw)
    }

    fn build(&self, ctx: &OpContext<'_>, store: &mut ParamStore) -> Result<Box<dyn Layer>, BackendError> {
        let (spec, _) = read(ctx)?;
        Ok(Box::new(Single(Padded2d::build(ctx, store, "", &spec)?)))
    }
}
