//! `dense`: a fully connected layer on vectors `[D] → [units]` (flatten
//! images first). Uses `candle_nn::Linear`.
//!
//! ```
//! use archspace_candle::ops::dense;
//! assert_eq!(dense(10).name(), "dense");
//! ```

use archspace_core::{Op, Param};
use candle_nn::Linear;

use super::context::{OpContext, OpInfo};
use super::input_shapes::InputShapes;
use super::registry::{Layer, OpDef, Single};
use crate::error::BackendError;
use crate::params::{Init, ParamStore};

/// A `dense` op with `units` outputs. Optional: `bias` (true).
pub fn dense(units: impl Into<Param>) -> Op {
    Op::new("dense").param("units", units)
}

/// The definition of `dense`.
#[derive(Clone, Copy, Debug, Default)]
pub struct DenseDef;

fn read(ctx: &OpContext<'_>) -> Result<(usize, usize, bool), BackendError> {
    let features = match ctx.single_input()? {
        &[d] => d,
        other => {
            return Err(ctx.shape_error(format!(
                "expects a vector input [D], got {other:?}; add a flatten or global_avg_pool before it"
            )));
        }
    };
    Ok((features, ctx.positive("units")?, ctx.bool_or("bias", true)?))
}

impl OpDef for DenseDef {
    fn input_shapes(&self) -> InputShapes {
        InputShapes::Vector
    }

    fn infer(&self, ctx: &OpContext<'_>) -> Result<OpInfo, BackendError> {
        let (d, units, bias) = read(ctx)?;
        Ok(OpInfo {
            output: vec![units],
            params: d * units + if bias { units } else { 0 },
            flops: 2 * (d * units) as u64,
        })
    }

    fn build(&self, ctx: &OpContext<'_>, store: &mut ParamStore) -> Result<Box<dyn Layer>, BackendError> {
        let (d, units, bias) = read(ctx)?;
        let weight = store.trainable(&ctx.param_name("weight"), &[units, d], Init::Uniform { fan_in: d })?;
        let bias =
            if bias { Some(store.trainable(&ctx.param_name("bias"), &[units], Init::Const(0.0))?) } else { None };
        Ok(Box::new(Single(Linear::new(weight, bias))))
    }
}
