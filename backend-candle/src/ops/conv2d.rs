//! `conv2d`: 2-D convolution with kernel, stride, dilation, groups and
//! `same`/`valid`/explicit padding (asymmetric `same` padding included).
//!
//! ```
//! use archspace_candle::ops::conv2d;
//! let op = conv2d(32, 3).param("stride", 2).param("padding", "valid");
//! assert_eq!(op.name(), "conv2d");
//! ```

use archspace_core::{Op, Param};
use candle_core::{DType, Module, Tensor};

use super::context::{OpContext, OpInfo};
use super::geometry::ConvGeometry;
use super::input_shapes::InputShapes;
use super::recorded::Recorded;
use super::registry::{Layer, OpDef};
use crate::error::BackendError;
use crate::kernels::{Conv2dOp, Conv2dReluOp, ConvLink, Kernels, conv_recorded};
use crate::params::{Init, ParamStore};

/// A `conv2d` op: `filters` output channels, `kernel` (an int or `[kh, kw]`).
///
/// Optional parameters: `stride` (1), `dilation` (1), `groups` (1),
/// `padding` (`"same"`, `"valid"` or an int; `"same"`), `bias` (true).
pub fn conv2d(filters: impl Into<Param>, kernel: impl Into<Param>) -> Op {
    Op::new("conv2d").param("filters", filters).param("kernel", kernel)
}

/// A convolution with explicit, possibly asymmetric, zero padding.
#[derive(Clone, Debug)]
pub struct Padded2d {
    weight: Tensor,
    bias: Option<Tensor>,
    geometry: ConvGeometry,
    groups: usize,
    kernels: Kernels,
    relu: bool,
}

/// Everything that defines a convolution layer except its weights.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConvSpec {
    /// Input channels.
    pub channels: usize,
    /// Output channels.
    pub filters: usize,
    /// Window and padding.
    pub geometry: ConvGeometry,
    /// Channel groups (`channels` for a depthwise convolution).
    pub groups: usize,
    /// Whether a bias is added.
    pub bias: bool,
}

impl Padded2d {
    /// Infers the output shape, parameters and FLOPs of a convolution on `height × width`.
    pub fn info(ctx: &OpContext<'_>, spec: &ConvSpec, (h, w): (usize, usize)) -> Result<OpInfo, BackendError> {
        let ConvSpec { channels: c, filters, geometry, groups, bias } = *spec;
        if c % groups != 0 || filters % groups != 0 {
            return Err(ctx.shape_error(format!(
                "{c} input channels and {filters} filters must both be divisible by groups = {groups}"
            )));
        }
        let (oh, ow) = geometry.output(ctx, (h, w))?;
        let per_filter = c / groups * geometry.kernel.0 * geometry.kernel.1;
        let params = filters * per_filter + if bias { filters } else { 0 };
        let flops = 2 * (oh * ow * filters * per_filter) as u64;
        Ok(OpInfo { output: vec![filters, oh, ow], params, flops })
    }

    /// Creates the weights `<path>.<prefix>weight` and `<path>.<prefix>bias`.
    pub fn build(
        ctx: &OpContext<'_>,
        store: &mut ParamStore,
        prefix: &str,
        spec: &ConvSpec,
    ) -> Result<Self, BackendError> {
        let ConvSpec { channels: c, filters, geometry, groups, bias } = *spec;
        let fan_in = c / groups * geometry.kernel.0 * geometry.kernel.1;
        let shape = [filters, c / groups, geometry.kernel.0, geometry.kernel.1];
        let weight =
            store.trainable(&ctx.param_name(&format!("{prefix}weight")), &shape, Init::HeUniform { fan_in })?;
        let bias = if bias {
            Some(store.trainable(&ctx.param_name(&format!("{prefix}bias")), &[filters], Init::Const(0.0))?)
        } else {
            None
        };
        Ok(Padded2d { weight, bias, geometry, groups, kernels: ctx.kernels, relu: false })
    }
}

impl Padded2d {
    /// A convolution from its weight `[filters, channels / groups, kh, kw]`,
    /// optional bias, window and groups.
    pub fn new(weight: Tensor, bias: Option<Tensor>, geometry: ConvGeometry, groups: usize) -> Self {
        Padded2d { weight, bias, geometry, groups, kernels: Kernels::default(), relu: false }
    }

    /// This convolution followed by a ReLU, as one fused kernel, when it
    /// runs on this crate's kernels and is not depthwise (`None` otherwise).
    pub fn fused_with_relu(&self) -> Option<Self> {
        (self.kernels == Kernels::Native && !self.is_depthwise() && !self.relu)
            .then(|| Padded2d { relu: true, ..self.clone() })
    }

    /// The same convolution run with `kernels`.
    pub fn with_kernels(self, kernels: Kernels) -> Self {
        Padded2d { kernels, ..self }
    }

    /// Whether this is a depthwise convolution (one input channel per group).
    fn is_depthwise(&self) -> bool {
        self.groups > 1 && self.weight.dims().get(1) == Some(&1)
    }

    /// The convolution through candle's own `conv2d` only (grouped
    /// convolutions run group by group); `forward` uses this crate's kernels
    /// for f32 on the CPU unless built with [`Kernels::Candle`]. Kept to
    /// compare and to cross-check those kernels.
    pub fn forward_candle(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        let g = &self.geometry;
        let [top, bottom, left, right] = g.pads;
        let (eh, ew) = g.extent();
        let (ph, pw) = (x.dim(2)? + top + bottom, x.dim(3)? + left + right);
        // Rows and columns that no window reaches are cropped: candle's conv2d
        // backward fails when (padded size - extent) is not a multiple of the stride.
        let (uh, uw) = ((ph - eh) / g.stride * g.stride + eh, (pw - ew) / g.stride * g.stride + ew);
        let symmetric = top == bottom && top == left && left == right;
        let (x, pad) = if symmetric && (uh, uw) == (ph, pw) {
            (x.clone(), top)
        } else {
            let padded = x.pad_with_zeros(2, top, bottom)?.pad_with_zeros(3, left, right)?;
            (padded.narrow(2, 0, uh)?.narrow(3, 0, uw)?, 0)
        };
        let y = x.conv2d(&self.weight, pad, g.stride, g.dilation, self.groups)?;
        self.add_bias(y)
    }

    /// The training forward pass recorded with its backward pass
    /// ([`Layer::forward_recorded`]), where it runs on this crate's
    /// convolution kernel (`None` otherwise).
    fn forward_recorded(&self, x: &Tensor) -> Option<candle_core::Result<Recorded>> {
        let f32_cpu = |t: &Tensor| t.device().is_cpu() && t.dtype() == DType::F32 && t.is_contiguous();
        let native = self.kernels == Kernels::Native
            && x.device().is_cpu()
            && x.dtype() == DType::F32
            && f32_cpu(&self.weight)
            && self.bias.as_ref().is_none_or(f32_cpu)
            && !self.is_depthwise();
        native.then(|| conv_recorded(self.op(), self.relu, &x.contiguous()?, &self.weight, self.bias.as_ref()))
    }

    /// The kernel that runs this convolution (this crate's, for f32 on the CPU).
    fn op(&self) -> Conv2dOp {
        let g = self.geometry;
        Conv2dOp { kernel: g.kernel, stride: g.stride, dilation: g.dilation, pads: g.pads, groups: self.groups }
    }

    fn add_bias(&self, y: Tensor) -> candle_core::Result<Tensor> {
        match &self.bias {
            Some(b) => y.broadcast_add(&b.reshape((1, (), 1, 1))?),
            None => Ok(y),
        }
    }
}

impl Module for Padded2d {
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        let native = self.kernels == Kernels::Native && x.device().is_cpu() && x.dtype() == DType::F32;
        let clamp = |y: Tensor| if self.relu { y.relu() } else { Ok(y) };
        if !native || self.weight.dtype() != DType::F32 {
            return clamp(self.forward_candle(x)?);
        }
        let (x, weight) = (x.contiguous()?, self.weight.contiguous()?);
        let op = self.op();
        match (&self.bias, self.relu) {
            (Some(bias), false) if bias.dtype() == DType::F32 => x.apply_op3(&weight, &bias.contiguous()?, op),
            (Some(bias), true) if bias.dtype() == DType::F32 => {
                x.apply_op3(&weight, &bias.contiguous()?, Conv2dReluOp(op))
            }
            (None, true) => x.apply_op2(&weight, Conv2dReluOp(op)),
            _ => clamp(self.add_bias(x.apply_op2(&weight, op)?)?),
        }
    }
}

/// The `conv2d` layer: a [`Padded2d`] that can absorb the ReLU reading it.
struct Conv2dLayer(Padded2d);

impl Layer for Conv2dLayer {
    fn forward_t(&self, inputs: &[Tensor], _train: bool) -> candle_core::Result<Tensor> {
        match inputs {
            [x] => self.0.forward(x),
            other => candle_core::bail!("conv2d got {} inputs", other.len()),
        }
    }

    fn fuse_relu(&self) -> Option<Box<dyn Layer>> {
        self.0.fused_with_relu().map(|conv| Box::new(Conv2dLayer(conv)) as Box<dyn Layer>)
    }

    fn forward_recorded(&self, inputs: &[Tensor]) -> Option<candle_core::Result<Recorded>> {
        match inputs {
            [x] => self.0.forward_recorded(x),
            _ => None,
        }
    }

    fn conv_link(&self) -> Option<ConvLink> {
        let c = &self.0;
        (c.kernels == Kernels::Native && c.groups == 1).then(|| ConvLink {
            op: c.op(),
            weight: c.weight.clone(),
            bias: c.bias.clone(),
            relu: c.relu,
        })
    }
}

/// The definition of `conv2d`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Conv2dDef;

impl Conv2dDef {
    fn read(ctx: &OpContext<'_>) -> Result<(ConvSpec, (usize, usize)), BackendError> {
        let (c, h, w) = ctx.image_input()?;
        let spec = ConvSpec {
            channels: c,
            filters: ctx.positive("filters")?,
            geometry: ConvGeometry::from_context(ctx, (3, 3), 1, "same", (h, w))?,
            groups: ctx.positive_or("groups", 1)?,
            bias: ctx.bool_or("bias", true)?,
        };
        Ok((spec, (h, w)))
    }
}

impl OpDef for Conv2dDef {
    fn input_shapes(&self) -> InputShapes {
        InputShapes::Image
    }

    fn infer(&self, ctx: &OpContext<'_>) -> Result<OpInfo, BackendError> {
        let (spec, hw) = Self::read(ctx)?;
        Padded2d::info(ctx, &spec, hw)
    }

    fn build(&self, ctx: &OpContext<'_>, store: &mut ParamStore) -> Result<Box<dyn Layer>, BackendError> {
        let (spec, _) = Self::read(ctx)?;
        Ok(Box::new(Conv2dLayer(Padded2d::build(ctx, store, "", &spec)?)))
    }
}
