//! CPU compute kernels behind the layers: gemm-based convolution with both
//! backward passes (and the pieces it is made of; Winograd F(2×2, 3×3) for
//! 3×3 stride-1 convolutions), batch norm and ReLU in
//! few passes, channel concatenation and global average pooling in
//! parallel, each a candle custom op with its backward pass.
//!
//! The layers pick these kernels for f32 tensors on the CPU unless the
//! network is built with [`Kernels::Candle`].

mod batch_norm;
mod batch_norm_recorded;
mod chain;
mod channels;
mod conv;
mod conv_grad;
mod conv_recorded;
mod conv_relu;
mod im2col;
mod matmul;
pub mod reduce;
#[cfg(test)]
mod reference;
mod relu;
mod shifted;
mod sum;
mod winograd;
mod written;

pub use batch_norm::{BatchNormOp, channel_stats};
pub(crate) use batch_norm_recorded::batch_norm_recorded;
pub use chain::{ConvChainOp, ConvLink};
pub use channels::{ConcatOp, GlobalAvgPoolOp};
pub use conv::Conv2dOp;
pub(crate) use conv_recorded::conv_recorded;
pub use conv_relu::Conv2dReluOp;
pub use im2col::{Window, col2im, col2im_rows_add, im2col, im2col_rows};
pub use matmul::{MatMut, MatRef, matmul};
pub use relu::ReluOp;
pub use sum::sum_of;
pub use written::{Sink, par_written, written};

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
    /// candle's own ops only (kept to compare and to cross-check).
    Candle,
}
