//! The window of a convolution or pooling layer ([`ConvGeometry`]): kernel,
//! stride, dilation and the four paddings, read from a module's parameters
//! (`same`, `valid` or explicit padding) and checked against its input. A
//! leaf that every windowed op reads.
//!
//! ```
//! use archspace_candle::ops::ConvGeometry;
//! let g = ConvGeometry { kernel: (3, 3), stride: 1, dilation: 2, pads: [2; 4] };
//! assert_eq!(g.extent(), (5, 5));
//! ```

use super::context::OpContext;
use crate::error::BackendError;

/// Kernel, stride, dilation and the four paddings of a convolution or pooling window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConvGeometry {
    /// Kernel height and width.
    pub kernel: (usize, usize),
    /// Stride (both directions).
    pub stride: usize,
    /// Dilation (both directions).
    pub dilation: usize,
    /// Padding top, bottom, left, right.
    pub pads: [usize; 4],
}

impl ConvGeometry {
    /// Reads `kernel`, `stride`, `dilation` and `padding` from the module and
    /// computes the paddings for an input of `height × width`.
    pub fn from_context(
        ctx: &OpContext<'_>,
        default_kernel: (usize, usize),
        default_stride: usize,
        default_padding: &'static str,
        (height, width): (usize, usize),
    ) -> Result<Self, BackendError> {
        let kernel = ctx.pair_or("kernel", default_kernel)?;
        let stride = ctx.positive_or("stride", default_stride)?;
        let dilation = ctx.positive_or("dilation", 1)?;
        let mut g = ConvGeometry { kernel, stride, dilation, pads: [0; 4] };
        let padding = ctx.value("padding");
        match (padding.and_then(|v| v.as_int()), padding.and_then(|v| v.as_str()).unwrap_or(default_padding)) {
            (Some(p), _) if p >= 0 => g.pads = [p as usize; 4],
            (Some(p), _) => return Err(ctx.param_error("padding", format!("must not be negative, got {p}"))),
            (None, "valid") => {}
            (None, "same") => {
                let (top, bottom) = same_pads(height, g.kernel.0, stride, dilation);
                let (left, right) = same_pads(width, g.kernel.1, stride, dilation);
                g.pads = [top, bottom, left, right];
            }
            (None, other) => {
                return Err(ctx.param_error("padding", format!("must be \"same\", \"valid\" or an int, got {other:?}")));
            }
        }
        g.output(ctx, (height, width))?;
        Ok(g)
    }

    /// Effective kernel extent along height and width.
    pub fn extent(&self) -> (usize, usize) {
        ((self.kernel.0 - 1) * self.dilation + 1, (self.kernel.1 - 1) * self.dilation + 1)
    }

    /// Output height and width, or an error if the window does not fit.
    pub fn output(&self, ctx: &OpContext<'_>, (height, width): (usize, usize)) -> Result<(usize, usize), BackendError> {
        let (eh, ew) = self.extent();
        let ph = height + self.pads[0] + self.pads[1];
        let pw = width + self.pads[2] + self.pads[3];
        if ph < eh || pw < ew {
            return Err(ctx.shape_error(format!(
                "a {}x{} window (dilation {}) does not fit a {height}x{width} input padded to {ph}x{pw}",
                self.kernel.0, self.kernel.1, self.dilation
            )));
        }
        Ok(((ph - eh) / self.stride + 1, (pw - ew) / self.stride + 1))
    }
}

/// TensorFlow's `same` padding: output `ceil(n / stride)`, extra padding at the end.
fn same_pads(n: usize, k: usize, stride: usize, dilation: usize) -> (usize, usize) {
    let out = n.div_ceil(stride);
    let extent = (k - 1) * dilation + 1;
    let total = ((out - 1) * stride + extent).saturating_sub(n);
    (total / 2, total - total / 2)
}
