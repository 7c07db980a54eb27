//! `factorized_conv2d`: a 1×n convolution followed by an n×1 one, both with
//! `filters` outputs and `same` padding (`stride` applies to the first).
//!
//! ```
//! use archspace_candle::ops::factorized_conv2d;
//! assert_eq!(factorized_conv2d(16, 7).name(), "factorized_conv2d");
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

/// A `factorized_conv2d` op with size `n`. Optional: `stride` (1), `bias` (true).
pub fn factorized_conv2d(filters: impl Into<Param>, n: impl Into<Param>) -> Op {
    Op::new("factorized_conv2d").param("filters", filters).param("n", n)
}

/// A 1×n then n×1 convolution.
#[derive(Clone, Debug)]
pub struct FactorizedConv2d {
    row: Padded2d,
    column: Padded2d,
}

impl Module for FactorizedConv2d {
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        self.column.forward(&self.row.forward(x)?)
    }
}

/// The definition of `factorized_conv2d`.
#[derive(Clone, Copy, Debug, Default)]
pub struct FactorizedConv2dDef;

fn geometry(kernel: (usize, usize), stride: usize, (h, w): (usize, usize)) -> ConvGeometry {
    let pad = |n: usize, k: usize| {
        let total = ((n.div_ceil(stride) - 1) * stride + k).saturating_sub(n);
        (total / 2, total - total / 2)
    };
    let (top, bottom) = pad(h, kernel.0);
    let (left, right) = pad(w, kernel.1);
    ConvGeometry { kernel, stride, dilation: 1, pads: [top, bottom, left, right] }
}

fn read(ctx: &OpContext<'_>) -> Result<(ConvSpec, ConvSpec, (usize, usize)), BackendError> {
    let (c, h, w) = ctx.image_input()?;
    let n = ctx.positive("n")?;
    let stride = ctx.positive_or("stride", 1)?;
    let filters = ctx.positive("filters")?;
    let bias = ctx.bool_or("bias", true)?;
    let row = ConvSpec { channels: c, filters, geometry: geometry((1, n), stride, (h, w)), groups: 1, bias };
    let (h2, w2) = (h.div_ceil(stride), w.div_ceil(stride));
    let column = ConvSpec { channels: filters, filters, geometry: geometry((n, 1), 1, (h2, w2)), groups: 1, bias };
    Ok((row, column, (h, w)))
}

impl OpDef for FactorizedConv2dDef {
    fn input_shapes(&self) -> InputShapes {
        InputShapes::Image
    }

    fn infer(&self, ctx: &OpContext<'_>) -> Result<OpInfo, BackendError> {
        let (row, column, hw) = read(ctx)?;
        let first = Padded2d::info(ctx, &row, hw)?;
        let second = Padded2d::info(ctx, &column, (first.output[1], first.output[2]))?;
        Ok(OpInfo { output: second.output, params: first.params + second.params, flops: first.flops + second.flops })
    }

    fn build(&self, ctx: &OpContext<'_>, store: &mut ParamStore) -> Result<Box<dyn Layer>, BackendError> {
        let (row, column, _) = read(ctx)?;
        let row = Padded2d::build(ctx, store, "row.", &row)?;
        let column = Padded2d::build(ctx, store, "column.", &column)?;
        Ok(Box::new(Single(FactorizedConv2d { row, column })))
    }
}
