//! What every convolution algorithm here reads: the op's window and groups
//! ([`Conv2dOp`]'s fields) and the sizes of one call ([`Dims`]), checked
//! once against the tensors' shapes. A leaf: it uses nothing of the
//! algorithms or of the dispatcher above them.

use candle_core::Shape;

use super::super::im2col::Window;

/// A 2-D convolution without bias: kernel, stride, dilation, paddings
/// (top, bottom, left, right) and channel groups. Apply it to `(x, weight)`
/// with `x.apply_op2(&weight, op)`; `x` is `[batch, channels, h, w]`,
/// `weight` `[filters, channels / groups, kh, kw]`. Which algorithm runs is
/// chosen from the sizes: depthwise, Winograd, stride-1 or `im2col` columns
/// (see [`kernels`](crate::kernels)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conv2dOp {
    /// Kernel height and width.
    pub kernel: (usize, usize),
    /// Stride (both directions).
    pub stride: usize,
    /// Dilation (both directions).
    pub dilation: usize,
    /// Padding top, bottom, left, right.
    pub pads: [usize; 4],
    /// Channel groups.
    pub groups: usize,
}

/// Sizes of one convolution call.
#[derive(Clone, Copy, Debug)]
pub(super) struct Dims {
    pub(super) batch: usize,
    pub(super) channels: usize,
    pub(super) filters: usize,
    pub(super) groups: usize,
    pub(super) window: Window,
    pub(super) oh: usize,
    pub(super) ow: usize,
}

impl Dims {
    /// Output positions per filter.
    pub(super) fn positions(&self) -> usize {
        self.oh * self.ow
    }

    /// Floats of one input image.
    pub(super) fn image(&self) -> usize {
        self.channels * self.window.h * self.window.w
    }

    /// Floats of one output image.
    pub(super) fn out_image(&self) -> usize {
        self.filters * self.positions()
    }

    /// Input channels per group.
    pub(super) fn channels_per_group(&self) -> usize {
        self.channels / self.groups
    }

    /// Filters per group.
    pub(super) fn filters_per_group(&self) -> usize {
        self.filters / self.groups
    }

    /// Weights per filter: the rows of the column matrix per group
    /// (channels per group × kernel taps).
    pub(super) fn depth(&self) -> usize {
        self.channels_per_group() * self.window.taps()
    }
}

impl Conv2dOp {
    fn window(&self, h: usize, w: usize) -> Window {
        Window { h, w, kernel: self.kernel, stride: self.stride, dilation: self.dilation, pads: self.pads }
    }

    /// The sizes of this convolution on an input of shape `x` with a weight
    /// of shape `weight`, or an error where they do not fit each other or
    /// the window does not fit the padded input.
    pub(super) fn dims(&self, x: &Shape, weight: &Shape) -> candle_core::Result<Dims> {
        let (batch, channels, h, w) = x.dims4()?;
        let (filters, per_group, kh, kw) = weight.dims4()?;
        let g = self.groups;
        if g == 0 || channels % g != 0 || filters % g != 0 || per_group * g != channels || (kh, kw) != self.kernel {
            candle_core::bail!("conv2d weight {weight:?} does not fit input {x:?} with {g} groups");
        }
        if self.stride == 0 || self.dilation == 0 || kh == 0 || kw == 0 {
            candle_core::bail!("conv2d needs positive kernel, stride and dilation");
        }
        let window = self.window(h, w);
        let (eh, ew) = ((kh - 1) * self.dilation + 1, (kw - 1) * self.dilation + 1);
        if h + self.pads[0] + self.pads[1] < eh || w + self.pads[2] + self.pads[3] < ew {
            candle_core::bail!("conv2d window larger than the padded input of {x:?}");
        }
        let (oh, ow) = window.output();
        Ok(Dims { batch, channels, filters, groups: g, window, oh, ow })
    }
}
