//! Convolution followed by ReLU as one op: the clamp runs on each image's
//! output while it is still in cache, and no separate ReLU tensor is made.
//! The backward pass masks the gradient by the output, then runs the
//! convolution's gradients.
//!
//! ```
//! use archspace_candle::kernels::{Conv2dOp, Conv2dReluOp};
//! use candle_core::{Device, Tensor};
//! let x = Tensor::new(&[1.0f32, -2.0, 3.0, -4.0], &Device::Cpu)?.reshape((1, 1, 2, 2))?;
//! let w = Tensor::new(&[1.0f32], &Device::Cpu)?.reshape((1, 1, 1, 1))?;
//! let conv = Conv2dOp { kernel: (1, 1), stride: 1, dilation: 1, pads: [0; 4], groups: 1 };
//! let y = x.apply_op2(&w, Conv2dReluOp(conv))?;
//! assert_eq!(y.flatten_all()?.to_vec1::<f32>()?, [1.0, 0.0, 3.0, 0.0]);
//! # Ok::<(), candle_core::Error>(())
//! ```

use candle_core::{CpuStorage, CustomOp2, CustomOp3, Layout, Shape, Tensor};

use super::super::relu::ReluGrad;
use super::super::storage::contiguous_f32;
use super::Conv2dOp;
use super::gradients::ChannelSum;

/// `relu(conv(x, weight))` on `(x, weight)`, or `relu(conv(x, weight) + bias)` on `(x, weight, bias)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conv2dReluOp(pub Conv2dOp);

impl Conv2dReluOp {
    /// The gradient reaching the convolution: `grad · [y > 0]`.
    pub(crate) fn masked(y: &Tensor, grad: &Tensor) -> candle_core::Result<Tensor> {
        y.apply_op2_no_bwd(&grad.contiguous()?, &ReluGrad)
    }
}

impl CustomOp2 for Conv2dReluOp {
    fn name(&self) -> &'static str {
        "archspace-conv2d-relu"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        self.0.forward((s1, l1), (s2, l2), None, true)
    }

    fn bwd(
        &self,
        x: &Tensor,
        weight: &Tensor,
        res: &Tensor,
        grad: &Tensor,
    ) -> candle_core::Result<(Option<Tensor>, Option<Tensor>)> {
        let (dx, dw) = self.0.gradients(x, weight, &Self::masked(res, grad)?, x.track_op())?;
        Ok((dx, Some(dw)))
    }
}

impl CustomOp3 for Conv2dReluOp {
    fn name(&self) -> &'static str {
        "archspace-conv2d-bias-relu"
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
        self.0.forward((s1, l1), (s2, l2), Some(contiguous_f32(s3, l3)?), true)
    }

    fn bwd(
        &self,
        x: &Tensor,
        weight: &Tensor,
        _bias: &Tensor,
        res: &Tensor,
        grad: &Tensor,
    ) -> candle_core::Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let masked = Self::masked(res, grad)?;
        let (dx, dw) = self.0.gradients(x, weight, &masked, x.track_op())?;
        let db = masked.apply_op1_no_bwd(&ChannelSum)?;
        Ok((dx, Some(dw), Some(db)))
    }
}
