//! CPU compute kernels behind the layers: convolution with both backward
//! passes (one entry point, [`Conv2dOp`], over depthwise, Winograd
//! F(2×2, 3×3), stride-1 and gemm-over-`im2col` algorithms; see `conv/`)
//! and the pieces it is made of, batch norm and ReLU in
//! few passes, channel concatenation and global average pooling in
//! parallel, each a candle custom op with its backward pass.
//!
//! The layers pick these kernels for f32 tensors on the CPU unless the
//! network is built with [`Kernels::Candle`]; on any other device a
//! network's layers run candle's ops ([`Kernels::for_device`]).

mod batch_norm;
mod batch_norm_recorded;
mod channels;
mod conv;
mod im2col;
mod matmul;
pub mod reduce;
mod relu;
pub(crate) mod spans;
mod storage;
mod sum;
mod written;

pub use batch_norm::{BatchNormOp, channel_stats};
pub(crate) use batch_norm_recorded::batch_norm_recorded;
pub use channels::{ConcatOp, GlobalAvgPoolOp};
pub(crate) use conv::conv_recorded;
pub use conv::{Conv2dOp, Conv2dReluOp, ConvChainOp, ConvLink};
pub use im2col::{Window, col2im, col2im_rows_add, im2col, im2col_rows};
pub use matmul::{MatMut, MatRef, matmul};
pub use relu::ReluOp;
pub use sum::sum_of;
pub use written::{Sink, par_written, written};

use candle_core::Device;

/// Which implementation the layers use where this crate has kernels of its own.
///
/// ```
/// use archspace_candle::{Kernels, NetworkConfig};
/// let stock = NetworkConfig { kernels: Kernels::Candle, ..NetworkConfig::default() };
/// assert_eq!(NetworkConfig::default().kernels, Kernels::Native);
/// # let _ = stock;
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Kernels {
    /// This crate's kernels for f32 on the CPU (gemm-based convolution,
    /// depthwise convolution, pooling), candle's ops elsewhere.
    #[default]
    Native,
    /// candle's own ops only, trained through candle's autograd: the path
    /// of every device but the CPU, and on the CPU a reference to compare
    /// with and a way to test the GPU's code path without a GPU.
    Candle,
}

impl Kernels {
    /// The kernels a network's layers use on `device`: as asked on the CPU,
    /// candle's ops on every other device (this crate's kernels are CPU
    /// code). [`Network::build`](crate::Network::build) decides here, once
    /// for all its layers.
    ///
    /// ```
    /// use archspace_candle::Kernels;
    /// use candle_core::Device;
    /// assert_eq!(Kernels::Native.for_device(&Device::Cpu), Kernels::Native);
    /// assert_eq!(Kernels::Candle.for_device(&Device::Cpu), Kernels::Candle);
    /// // On `Device::new_cuda(0)?` (the `cuda` feature): `Kernels::Candle`.
    /// ```
    pub fn for_device(self, device: &Device) -> Kernels {
        if device.is_cpu() { self } else { Kernels::Candle }
    }
}
