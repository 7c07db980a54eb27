//! Activations: `relu`, `relu6`, `elu`, `sigmoid`, `tanh`, `gelu`.
//!
//! ```
//! use archspace_candle::ops::{Activation, relu};
//! assert_eq!(relu().name(), "relu");
//! assert_eq!(Activation::from_name("gelu"), Some(Activation::Gelu));
//! ```

use archspace_core::Op;
use candle_core::{DType, Module, Tensor};

use super::context::{OpContext, OpInfo};
use super::input_shapes::InputShapes;
use super::recorded::{self, Recorded};
use super::registry::{Layer, OpDef, Single};
use crate::error::BackendError;
use crate::kernels::{Kernels, ReluOp};
use crate::params::ParamStore;

/// An element-wise activation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Activation {
    /// `max(x, 0)`.
    Relu,
    /// `min(max(x, 0), 6)`.
    Relu6,
    /// `x` if positive, else `alpha (e^x - 1)`.
    Elu(f64),
    /// `1 / (1 + e^-x)`.
    Sigmoid,
    /// Hyperbolic tangent.
    Tanh,
    /// Gaussian error linear unit (tanh approximation).
    Gelu,
}

impl Activation {
    /// Every activation (ELU with `alpha = 1`).
    pub const ALL: [Activation; 6] = [
        Activation::Relu,
        Activation::Relu6,
        Activation::Elu(1.0),
        Activation::Sigmoid,
        Activation::Tanh,
        Activation::Gelu,
    ];

    /// The op name.
    pub fn name(self) -> &'static str {
        match self {
            Activation::Relu => "relu",
            Activation::Relu6 => "relu6",
            Activation::Elu(_) => "elu",
            Activation::Sigmoid => "sigmoid",
            Activation::Tanh => "tanh",
            Activation::Gelu => "gelu",
        }
    }

    /// The activation called `name` (ELU with `alpha = 1`).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.name() == name)
    }
}

impl Module for Activation {
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        match *self {
            Activation::Relu => x.relu(),
            Activation::Relu6 => x.relu()?.minimum(6f32),
            Activation::Elu(alpha) => x.elu(alpha),
            Activation::Sigmoid => candle_nn::ops::sigmoid(x),
            Activation::Tanh => x.tanh(),
            Activation::Gelu => x.gelu(),
        }
    }
}

/// A `relu` op.
pub fn relu() -> Op {
    Op::new("relu")
}
/// A `relu6` op.
pub fn relu6() -> Op {
    Op::new("relu6")
}
/// An `elu` op; optional parameter `alpha` (1.0).
pub fn elu() -> Op {
    Op::new("elu")
}
/// A `sigmoid` op.
pub fn sigmoid() -> Op {
    Op::new("sigmoid")
}
/// A `tanh` op.
pub fn tanh() -> Op {
    Op::new("tanh")
}
/// A `gelu` op.
pub fn gelu() -> Op {
    Op::new("gelu")
}

/// The definition of an activation op.
#[derive(Clone, Copy, Debug)]
pub struct ActivationDef(pub Activation);

impl OpDef for ActivationDef {
    fn input_shapes(&self) -> InputShapes {
        InputShapes::Any
    }

    fn infer(&self, ctx: &OpContext<'_>) -> Result<OpInfo, BackendError> {
        let input = ctx.single_input()?;
        let elements: usize = input.iter().product();
        Ok(OpInfo { output: input.to_vec(), params: 0, flops: elements as u64 })
    }

    fn build(&self, ctx: &OpContext<'_>, _store: &mut ParamStore) -> Result<Box<dyn Layer>, BackendError> {
        self.infer(ctx)?;
        let activation = match self.0 {
            Activation::Elu(_) => Activation::Elu(ctx.float_or("alpha", 1.0)?),
            a => a,
        };
        if activation == Activation::Relu && ctx.kernels == Kernels::Native {
            return Ok(Box::new(NativeRelu));
        }
        Ok(Box::new(Single(activation)))
    }
}

/// ReLU through [`ReluOp`] for f32 on the CPU (one pass each way).
#[derive(Clone, Copy, Debug)]
struct NativeRelu;

impl Module for NativeRelu {
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        if x.device().is_cpu() && x.dtype() == DType::F32 { x.contiguous()?.apply_op1(ReluOp) } else { x.relu() }
    }
}

impl Layer for NativeRelu {
    fn forward_t(&self, inputs: &[Tensor], train: bool) -> candle_core::Result<Tensor> {
        Single(*self).forward_t(inputs, train)
    }

    fn forward_recorded(&self, inputs: &[Tensor]) -> Option<candle_core::Result<Recorded>> {
        match inputs {
            [x] if x.device().is_cpu() && x.dtype() == DType::F32 => {
                Some(x.contiguous().and_then(|x| recorded::apply1(&x, ReluOp)))
            }
            _ => None,
        }
    }
}
