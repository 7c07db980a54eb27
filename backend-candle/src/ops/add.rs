//! `add`: the sum of `n` inputs of equal spatial size. Channel counts are
//! aligned as NAS-Bench-101 does: by default every input is truncated to the
//! smallest channel count; `align = "pad"` zero-pads to the largest instead,
//! and `align = "strict"` requires equal counts.
//!
//! ```
//! use archspace_candle::ops::add;
//! assert_eq!(add(3).input_names().len(), 3);
//! ```

use archspace_core::Op;
use candle_core::Tensor;

use super::context::{OpContext, OpInfo};
use super::input_shapes::InputShapes;
use super::registry::{Layer, OpDef};
use crate::error::BackendError;
use crate::params::ParamStore;

/// An `add` op with inputs `in0 .. in{n-1}`.
pub fn add(n: usize) -> Op {
    Op::new("add").inputs_indexed(n)
}

/// How `add` reconciles different channel counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChannelAlign {
    /// Keep the first `min` channels of every input.
    Truncate,
    /// Zero-pad every input to `max` channels.
    Pad,
    /// Channel counts must be equal.
    Strict,
}

/// The n-ary sum layer.
#[derive(Clone, Copy, Debug)]
pub struct Add {
    channels: usize,
}

impl Layer for Add {
    fn forward_t(&self, inputs: &[Tensor], _train: bool) -> candle_core::Result<Tensor> {
        let mut sum: Option<Tensor> = None;
        for x in inputs {
            let c = x.dim(1)?;
            let x = if c > self.channels {
                x.narrow(1, 0, self.channels)?
            } else if c < self.channels {
                x.pad_with_zeros(1, 0, self.channels - c)?
            } else {
                x.clone()
            };
            sum = Some(match sum {
                None => x,
                Some(s) => (s + x)?,
            });
        }
        sum.ok_or_else(|| candle_core::Error::Msg("add needs at least one input".into()))
    }
}

/// The definition of `add`.
#[derive(Clone, Copy, Debug, Default)]
pub struct AddDef;

impl OpDef for AddDef {
    fn input_shapes(&self) -> InputShapes {
        InputShapes::AgreeBeyondChannels
    }

    fn infer(&self, ctx: &OpContext<'_>) -> Result<OpInfo, BackendError> {
        let Some(first) = ctx.inputs.first() else { return Err(ctx.shape_error("expects at least one input")) };
        if first.is_empty() {
            return Err(ctx.shape_error("expects inputs with a channel dimension"));
        }
        let align = match ctx.str_or("align", "truncate")? {
            "truncate" => ChannelAlign::Truncate,
            "pad" => ChannelAlign::Pad,
            "strict" => ChannelAlign::Strict,
            other => {
                return Err(
                    ctx.param_error("align", format!("must be \"truncate\", \"pad\" or \"strict\", got {other:?}"))
                );
            }
        };
        for (i, shape) in ctx.inputs.iter().enumerate() {
            if shape.len() != first.len() || shape[1..] != first[1..] {
                return Err(ctx.shape_error(format!(
                    "input {i} has shape {shape:?}, which does not match input 0 {first:?} beyond channels"
                )));
            }
            if align == ChannelAlign::Strict && shape[0] != first[0] {
                return Err(ctx.shape_error(format!(
                    "input {i} has {} channels, input 0 has {} (align = \"strict\")",
                    shape[0], first[0]
                )));
            }
        }
        let counts = ctx.inputs.iter().map(|s| s[0]);
        let channels = if align == ChannelAlign::Pad { counts.max() } else { counts.min() }.unwrap_or(first[0]);
        let mut output = first.clone();
        output[0] = channels;
        let elements: usize = output.iter().product();
        Ok(OpInfo { output, params: 0, flops: (elements * (ctx.inputs.len() - 1)) as u64 })
    }

    fn build(&self, ctx: &OpContext<'_>, _store: &mut ParamStore) -> Result<Box<dyn Layer>, BackendError> {
        let info = self.infer(ctx)?;
        Ok(Box::new(Add { channels: info.output[0] }))
    }
}
