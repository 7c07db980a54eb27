//! `squeeze_excite`: squeeze-and-excitation (Hu, Shen & Sun, CVPR 2018).
//! Each image's channels are averaged (squeeze), passed through a
//! bottleneck `dense → ReLU → dense → sigmoid` (excitation), and the image's
//! channels are scaled by the result: `[C, H, W] → [C, H, W]`, with
//! `2·C·h + h + C` parameters for a bottleneck of `h = max(1, C / reduction)`.
//!
//! ```
//! use archspace_candle::ops::{OpContext, Registry, squeeze_excite};
//! use archspace_core::Space;
//! let arch = Space::build(|s| s.basic(squeeze_excite(4)))?.freeze()?;
//! let inputs = [vec![16, 7, 7]];
//! let info = Registry::standard().get("squeeze_excite").unwrap().infer(&OpContext::new(&arch.modules()[0], &inputs, 0))?;
//! assert_eq!(info.output, vec![16, 7, 7]);
//! assert_eq!(info.params, 2 * 16 * 4 + 4 + 16);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use archspace_core::{Op, Param};
use candle_core::{D, Tensor};

use super::context::{OpContext, OpInfo};
use super::input_shapes::InputShapes;
use super::registry::{Layer, OpDef};
use crate::error::BackendError;
use crate::params::{Init, ParamStore};

/// A `squeeze_excite` op whose bottleneck has `C / reduction` units (at least 1).
pub fn squeeze_excite(reduction: impl Into<Param>) -> Op {
    Op::new("squeeze_excite").param("reduction", reduction)
}

/// The squeeze-and-excitation layer: two small dense layers on the channel means.
#[derive(Clone, Debug)]
pub struct SqueezeExcite {
    reduce_weight: Tensor,
    reduce_bias: Tensor,
    expand_weight: Tensor,
    expand_bias: Tensor,
}

impl SqueezeExcite {
    /// The layer on a batch `[N, C, H, W]`.
    pub fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        let squeezed = x.mean(D::Minus1)?.mean(D::Minus1)?; // [N, C]
        let hidden = squeezed.matmul(&self.reduce_weight.t()?)?.broadcast_add(&self.reduce_bias)?.relu()?;
        let gates =
            candle_nn::ops::sigmoid(&hidden.matmul(&self.expand_weight.t()?)?.broadcast_add(&self.expand_bias)?)?;
        x.broadcast_mul(&gates.unsqueeze(2)?.unsqueeze(3)?)
    }
}

impl Layer for SqueezeExcite {
    fn forward_t(&self, inputs: &[Tensor], _train: bool) -> candle_core::Result<Tensor> {
        match inputs {
            [x] => self.forward(x),
            other => candle_core::bail!("squeeze_excite got {} inputs", other.len()),
        }
    }
}

/// The definition of `squeeze_excite`.
#[derive(Clone, Copy, Debug, Default)]
pub struct SqueezeExciteDef;

/// Channels, bottleneck units and pixels per channel.
fn read(ctx: &OpContext<'_>) -> Result<(usize, usize, usize), BackendError> {
    let (c, h, w) = ctx.image_input()?;
    let reduction = ctx.positive_or("reduction", 4)?;
    Ok((c, (c / reduction).max(1), h * w))
}

impl OpDef for SqueezeExciteDef {
    fn input_shapes(&self) -> InputShapes {
        InputShapes::Image
    }

    fn infer(&self, ctx: &OpContext<'_>) -> Result<OpInfo, BackendError> {
        let (c, hidden, pixels) = read(ctx)?;
        Ok(OpInfo {
            output: ctx.single_input()?.to_vec(),
            params: 2 * c * hidden + hidden + c,
            // The mean, two dense layers (a multiply-add is two), the scaling.
            flops: (2 * c * pixels + 4 * c * hidden) as u64,
        })
    }

    fn build(&self, ctx: &OpContext<'_>, store: &mut ParamStore) -> Result<Box<dyn Layer>, BackendError> {
        let (c, hidden, _) = read(ctx)?;
        Ok(Box::new(SqueezeExcite {
            reduce_weight: store.trainable(
                &ctx.param_name("reduce.weight"),
                &[hidden, c],
                Init::Uniform { fan_in: c },
            )?,
            reduce_bias: store.trainable(&ctx.param_name("reduce.bias"), &[hidden], Init::Const(0.0))?,
            expand_weight: store.trainable(
                &ctx.param_name("expand.weight"),
                &[c, hidden],
                Init::Uniform { fan_in: hidden },
            )?,
            expand_bias: store.trainable(&ctx.param_name("expand.bias"), &[c], Init::Const(0.0))?,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Network, NetworkConfig, ops::Registry};
    use archspace_core::Space;
    use candle_core::Device;

    #[test]
    fn each_channel_is_scaled_by_its_gate() -> Result<(), Box<dyn std::error::Error>> {
        let arch = Space::build(|s| s.basic(squeeze_excite(2)))?.freeze()?;
        let net = Network::build(&arch, &[4, 3, 3], &Registry::standard(), &NetworkConfig::default())?;
        assert_eq!(net.param_count(), 2 * 4 * 2 + 2 + 4);
        let x = Tensor::randn(0f32, 1.0, (2, 4, 3, 3), &Device::Cpu)?;
        let y = net.forward_t(&x, true)?;
        // The output over the input is one gate per (image, channel), in (0, 1).
        let ratio = (&y / &x)?.flatten_from(2)?.to_vec3::<f32>()?;
        for channel in ratio.iter().flatten() {
            assert!(channel.iter().all(|r| (r - channel[0]).abs() < 1e-4 && *r > 0.0 && *r < 1.0), "{channel:?}");
        }
        Ok(())
    }
}
