//! Convolution (NCHW, f32, CPU) as candle custom ops that compose with
//! autograd: [`Conv2dOp`] (bias fused in as a third operand),
//! [`Conv2dReluOp`] (a following ReLU fused in) and, for inference,
//! [`ConvChainOp`] (convolutions run image by image). This module is the
//! one entry point; it picks an algorithm per call from the sizes
//! ([`Algorithm`]):
//!
//! - depthwise convolutions (one input channel per group) tap by tap
//!   ([`depthwise`]);
//! - 3×3 stride-1 convolutions of one group with enough channels and
//!   outputs as Winograd F(2×2, 3×3) ([`winograd`]);
//! - other stride-1 convolutions (but pointwise ones) with enough channels
//!   per group as one product per kernel tap over padded planes
//!   ([`shifted`]);
//! - everything else as gemm over `im2col` columns ([`columns`]).
//!
//! Uses go one way: this module and the ops on top of it ([`gradients`],
//! [`relu`], [`chain`], [`recorded`]) call the algorithms; the algorithms
//! call only the leaves [`geometry`] (the op's window and a call's sizes)
//! and [`scratch`] (per-thread scratch, the batch split over threads), and
//! the crate's building blocks (`im2col`, `matmul`, `written`).
//!
//! Images are split over the rayon pool (one gemm per image and group,
//! single-threaded); a batch of one image lets gemm split the product
//! instead.
//!
//! ```
//! use archspace_candle::kernels::Conv2dOp;
//! use candle_core::{Device, Tensor};
//! let x = Tensor::ones((2, 3, 8, 8), candle_core::DType::F32, &Device::Cpu)?;
//! let w = Tensor::ones((4, 3, 3, 3), candle_core::DType::F32, &Device::Cpu)?;
//! let op = Conv2dOp { kernel: (3, 3), stride: 1, dilation: 1, pads: [1; 4], groups: 1 };
//! let y = x.apply_op2(&w, op)?;
//! assert_eq!(y.dims(), &[2, 4, 8, 8]);
//! assert_eq!(y.get(0)?.get(0)?.get(4)?.get(4)?.to_scalar::<f32>()?, 27.0);
//! # Ok::<(), candle_core::Error>(())
//! ```

mod chain;
mod columns;
mod depthwise;
mod geometry;
mod gradients;
mod recorded;
#[cfg(test)]
mod reference;
mod relu;
mod scratch;
mod shifted;
#[cfg(test)]
mod tests;
mod winograd;

pub use chain::{ConvChainOp, ConvLink};
pub use geometry::Conv2dOp;
pub(crate) use recorded::conv_recorded;
pub use relu::Conv2dReluOp;

use candle_core::{CpuStorage, CustomOp2, CustomOp3, Layout, Shape, Tensor};

use super::storage::contiguous_f32;
use geometry::Dims;
use gradients::{ChannelSum, Conv2dInputGrad, Conv2dWeightGrad};
use shifted::Shifted;
use winograd::Winograd;

/// Fewest input channels per group for the stride-1 path
/// ([`shifted`]): its products have one row per input
/// channel and tap, so with few channels each product is a few multiply-adds
/// per output read and written back, where `im2col` makes one product of
/// all taps. Measured on one thread, batch 64, 28×28, 3×3, 64 filters,
/// stride-1 path vs `im2col`: 1 channel forward 3.7 vs 1.6 ms, forward and
/// backward 17–23 vs 8–12 ms; 3 channels 4.6–5.4 vs 2.9 and 15–16 vs 12–13
/// ms; 8 channels 7.1 vs 6.0–6.2 and 24–26 vs 23–24 ms; 16 channels 11.6 vs
/// 10.9–11.1 and 38–40 vs 40 ms. Unit tests use 1, so that the stride-1
/// tests cover convolutions with few channels too.
const SHIFTED_MIN_CHANNELS: usize = if cfg!(test) { 1 } else { 8 };

/// Fewest input channels for the Winograd path ([`winograd`])
/// of 3×3 stride-1 convolutions (one group); its input gradient takes it
/// from as many filters. Measured on net1 (one thread, three alternating
/// rounds, images/s), with Winograd from 32 channels (its 48→64 layer) or
/// from 8 (also its 16→24 one) at 14×14 outputs and more: eval 3,103 /
/// 3,114 / 3,099 against 2,850 / 2,756 / 3,147, train 931 / 973 / 943
/// against 962 / 961 / 986; without Winograd 2,803 / 2,943 / 3,035 and 877
/// / 933 / 911. Unit tests use 64, so that the stride-1 path's tests keep
/// covering 3×3 convolutions with fewer.
const WINOGRAD_MIN_CHANNELS: usize = if cfg!(test) { 64 } else { 32 };

/// Most scratch floats per image for the Winograd path (16 MiB, the bound
/// of the column blocks of [`columns`]): its transformed input and products
/// are 16 floats per channel and tile, so large images with many channels
/// take the stride-1 path instead (a 3×3 64→64 convolution of a 28×28 image
/// needs 1.6 MiB; of a 224×224 one, 99 MiB).
const WINOGRAD_MAX_SCRATCH: usize = 1 << 22;

/// The algorithm one convolution call runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Algorithm {
    /// One input channel per group, tap by tap ([`depthwise`]).
    Depthwise,
    /// Winograd F(2×2, 3×3) with this tiling ([`winograd`]).
    Winograd(Winograd),
    /// One product per tap over padded planes of this geometry ([`shifted`]).
    Shifted(Shifted),
    /// gemm over `im2col` columns ([`columns`]).
    Columns,
}

impl Algorithm {
    /// The algorithm of the forward pass and of the weight gradient.
    fn for_forward(d: &Dims) -> Self {
        Self::choose(d, d.channels)
    }

    /// The algorithm of the input gradient, whose products read the output
    /// gradient: Winograd from [`WINOGRAD_MIN_CHANNELS`] filters. (The
    /// stride-1 path can still decline it: [`shifted::input_grad`].)
    fn for_input_grad(d: &Dims) -> Self {
        Self::choose(d, d.filters)
    }

    /// The first algorithm that applies and pays, the products reading
    /// `channels` channels.
    fn choose(d: &Dims, channels: usize) -> Self {
        if d.groups > 1 && d.channels == d.groups {
            return Algorithm::Depthwise;
        }
        if let Some(tiling) = winograd_tiling(d, channels) {
            return Algorithm::Winograd(tiling);
        }
        match shifted_geometry(d) {
            Some(geometry) => Algorithm::Shifted(geometry),
            None => Algorithm::Columns,
        }
    }
}

/// The stride-1 path's geometry, where it applies and pays: from
/// [`SHIFTED_MIN_CHANNELS`] input channels per group.
fn shifted_geometry(d: &Dims) -> Option<Shifted> {
    Shifted::new(&d.window).filter(|_| d.channels_per_group() >= SHIFTED_MIN_CHANNELS)
}

/// The Winograd tiling where it applies and pays, its products reading
/// `channels` channels: 3×3, stride 1, no dilation, one group, from
/// [`WINOGRAD_MIN_CHANNELS`] channels, large enough outputs
/// ([`Winograd::pays`]) and at most [`WINOGRAD_MAX_SCRATCH`] floats of scratch.
fn winograd_tiling(d: &Dims, channels: usize) -> Option<Winograd> {
    Winograd::new(&d.window).filter(|w| {
        let fits = w.scratch(d.channels, d.filters) <= WINOGRAD_MAX_SCRATCH;
        d.groups == 1 && channels >= WINOGRAD_MIN_CHANNELS && w.pays() && fits
    })
}

impl Conv2dOp {
    /// The forward pass; `bias` (one value per filter) seeds each output
    /// row; with `relu`, each image's output is clamped at 0 while in cache.
    fn forward(
        &self,
        x: (&CpuStorage, &Layout),
        weight: (&CpuStorage, &Layout),
        bias: Option<&[f32]>,
        relu: bool,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let d = self.dims(x.1.shape(), weight.1.shape())?;
        let (x, weight) = (contiguous_f32(x.0, x.1)?, contiguous_f32(weight.0, weight.1)?);
        if bias.is_some_and(|b| b.len() != d.filters) {
            candle_core::bail!("conv2d bias does not have one value per filter ({})", d.filters);
        }
        let y = match Algorithm::for_forward(&d) {
            Algorithm::Depthwise => depthwise::forward(&d, x, weight, bias, relu),
            Algorithm::Winograd(tiling) => winograd::forward(&tiling, &d, x, weight, bias, relu),
            Algorithm::Shifted(geometry) => shifted::forward(&geometry, &d, x, weight, bias, relu),
            Algorithm::Columns => columns::forward(&d, x, weight, bias, relu),
        };
        Ok((CpuStorage::F32(y), Shape::from((d.batch, d.filters, d.oh, d.ow))))
    }

    /// Input (where `input_grad`) and weight gradients. candle's autograd
    /// asks for the input gradient where `x` tracks gradients: none for an
    /// input that nothing upstream needs it for (a batch of images into the
    /// first layer).
    fn gradients(
        &self,
        x: &Tensor,
        weight: &Tensor,
        grad: &Tensor,
        input_grad: bool,
    ) -> candle_core::Result<(Option<Tensor>, Tensor)> {
        let (_, _, h, w) = x.dims4()?;
        let dx =
            input_grad.then(|| grad.apply_op2_no_bwd(weight, &Conv2dInputGrad { conv: *self, h, w })).transpose()?;
        let dw = x.apply_op2_no_bwd(grad, &Conv2dWeightGrad { conv: *self })?;
        Ok((dx, dw))
    }
}

/// `conv(x, weight)`.
impl CustomOp2 for Conv2dOp {
    fn name(&self) -> &'static str {
        "archspace-conv2d"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        self.forward((s1, l1), (s2, l2), None, false)
    }

    fn bwd(
        &self,
        x: &Tensor,
        weight: &Tensor,
        _res: &Tensor,
        grad: &Tensor,
    ) -> candle_core::Result<(Option<Tensor>, Option<Tensor>)> {
        let (dx, dw) = self.gradients(x, weight, &grad.contiguous()?, x.track_op())?;
        Ok((dx, Some(dw)))
    }
}

/// `conv(x, weight) + bias`, the bias added in place (no extra pass, no
/// broadcast in the backward pass).
impl CustomOp3 for Conv2dOp {
    fn name(&self) -> &'static str {
        "archspace-conv2d-bias"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
        s3: &CpuStorage,
        l3: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        self.forward((s1, l1), (s2, l2), Some(contiguous_f32(s3, l3)?), false)
    }

    fn bwd(
        &self,
        x: &Tensor,
        weight: &Tensor,
        _bias: &Tensor,
        _res: &Tensor,
        grad: &Tensor,
    ) -> candle_core::Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let grad = grad.contiguous()?;
        let (dx, dw) = self.gradients(x, weight, &grad, x.track_op())?;
        let db = grad.apply_op1_no_bwd(&ChannelSum)?;
        Ok((dx, Some(dw), Some(db)))
    }
}
