//! A convolution's training forward pass recorded for the network's own
//! backward pass ([`crate::ops::recorded`]): the products of
//! [`Conv2dOp`] (with bias and a fused ReLU where the layer has them), the
//! input gradient computed only where the network asks for it.

use candle_core::Tensor;

use super::gradients::ChannelSum;
use super::{Conv2dOp, Conv2dReluOp};
use crate::ops::{Backward, ParamGrads, Recorded};

/// The gradients of `relu?(conv(x, weight) + bias?)`.
struct ConvBackward {
    op: Conv2dOp,
    relu: bool,
    x: Tensor,
    weight: Tensor,
    bias: Option<Tensor>,
    output: Tensor,
}

/// `relu?(conv(x, weight) + bias?)` on contiguous f32 CPU tensors, recorded.
pub(crate) fn conv_recorded(
    op: Conv2dOp,
    relu: bool,
    x: &Tensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
) -> candle_core::Result<Recorded> {
    let output = match (bias, relu) {
        (Some(b), false) => x.apply_op3_no_bwd(weight, b, &op)?,
        (Some(b), true) => x.apply_op3_no_bwd(weight, b, &Conv2dReluOp(op))?,
        (None, false) => x.apply_op2_no_bwd(weight, &op)?,
        (None, true) => x.apply_op2_no_bwd(weight, &Conv2dReluOp(op))?,
    };
    let backward =
        ConvBackward { op, relu, x: x.clone(), weight: weight.clone(), bias: bias.cloned(), output: output.clone() };
    Ok(Recorded { output, backward: Box::new(backward) })
}

impl Backward for ConvBackward {
    fn backward(
        &self,
        grad: &Tensor,
        wanted: &[bool],
        params: &mut ParamGrads,
    ) -> candle_core::Result<Vec<Option<Tensor>>> {
        let grad = if self.relu { Conv2dReluOp::masked(&self.output, grad)? } else { grad.contiguous()? };
        let input_grad = wanted.first().copied().unwrap_or(false);
        let (dx, dw) = self.op.gradients(&self.x, &self.weight, &grad, input_grad)?;
        params.add(&self.weight, dw)?;
        if let Some(bias) = &self.bias {
            params.add(bias, grad.apply_op1_no_bwd(&ChannelSum)?)?;
        }
        Ok(vec![dx])
    }
}
