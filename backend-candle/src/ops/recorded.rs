//! Training forward passes that record their own backward pass, for
//! [`Network`](crate::Network)'s training path
//! ([`Network::loss_and_gradients`](crate::Network::loss_and_gradients)).
//!
//! candle's autograd gives every tensor a gradient made of a zeroed tensor
//! plus each contribution (`zeros_like`, then a fresh `add` per edge), and
//! its `add` runs large tensors on candle's own thread pool, which then
//! spins beside the kernels' rayon pool. A layer that implements
//! [`Layer::forward_recorded`](super::Layer::forward_recorded) returns its
//! output with a [`Backward`]: the network hands each layer the gradient of
//! its output, moves the first gradient reaching a value and sums further
//! ones once ([`sum_of`]); parameter gradients go into [`ParamGrads`].
//! The backward passes are the layers' custom ops' own (`bwd`), so the
//! gradients are those of candle's autograd.
//!
//! ```
//! use archspace_candle::kernels::ReluOp;
//! use archspace_candle::ops::{ParamGrads, recorded};
//! use candle_core::{Device, Tensor};
//! let x = Tensor::new(&[-1.0f32, 2.0], &Device::Cpu)?;
//! let step = recorded::apply1(&x, ReluOp)?;
//! assert_eq!(step.output.to_vec1::<f32>()?, [0.0, 2.0]);
//! let grad = Tensor::new(&[5.0f32, 5.0], &Device::Cpu)?;
//! let dx = step.backward.backward(&grad, &[true], &mut ParamGrads::default())?;
//! assert_eq!(dx[0].as_ref().unwrap().to_vec1::<f32>()?, [0.0, 5.0]);
//! # Ok::<(), candle_core::Error>(())
//! ```

use candle_core::backprop::GradStore;
use candle_core::{CustomOp1, CustomOp2, CustomOp3, Tensor, TensorId};

use crate::kernels::sum_of;

/// A layer's output in a training forward pass, with its backward pass.
pub struct Recorded {
    /// The output (tracks no gradient: the network runs the backward pass).
    pub output: Tensor,
    /// What turns the output's gradient into the inputs' and parameters'.
    pub backward: Box<dyn Backward>,
}

impl std::fmt::Debug for Recorded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorded").field("output", &self.output.shape()).finish_non_exhaustive()
    }
}

/// The backward pass of one recorded layer.
pub trait Backward: Send + Sync {
    /// The gradients of the layer's inputs (in port order; `None` where
    /// `wanted[i]` is false or none flows) from the gradient of its
    /// output; parameter gradients are added to `params`.
    fn backward(
        &self,
        grad: &Tensor,
        wanted: &[bool],
        params: &mut ParamGrads,
    ) -> candle_core::Result<Vec<Option<Tensor>>>;
}

/// Parameter gradients, summed over every use of a parameter.
#[derive(Debug, Default)]
pub struct ParamGrads(GradStore);

impl ParamGrads {
    /// Adds `grad` to the gradient of `param` (moved in if it is the first).
    pub fn add(&mut self, param: &Tensor, grad: Tensor) -> candle_core::Result<()> {
        let sum = match self.0.remove(param) {
            None => grad.detach(),
            Some(previous) => sum_of(&previous, &grad)?,
        };
        self.0.insert(param, sum);
        Ok(())
    }

    /// Adds `grad` to the gradient of the parameter whose id is `id`.
    pub fn add_id(&mut self, id: TensorId, grad: Tensor) -> candle_core::Result<()> {
        let sum = match self.0.get_id(id) {
            None => grad.detach(),
            Some(previous) => sum_of(previous, &grad)?,
        };
        self.0.insert_id(id, sum);
        Ok(())
    }

    /// The gradients as candle's store (for the optimizers: `get(var.as_tensor())`).
    pub fn into_store(self) -> GradStore {
        self.0
    }
}

/// What an argument of a recorded custom op is.
#[derive(Clone, Debug)]
pub enum Arg {
    /// The layer's next input (inputs in port order).
    Input,
    /// A parameter: its gradient goes to [`ParamGrads`].
    Param(Tensor),
}

/// A custom op applied to `args` with no graph, its `bwd` kept as the
/// backward pass.
struct Applied<C> {
    op: C,
    args: Vec<Tensor>,
    roles: Vec<Arg>,
    output: Tensor,
}

impl<C> Applied<C> {
    /// Routes the op's argument gradients to inputs and parameters.
    fn route(
        &self,
        grads: Vec<Option<Tensor>>,
        wanted: &[bool],
        params: &mut ParamGrads,
    ) -> candle_core::Result<Vec<Option<Tensor>>> {
        let mut inputs = Vec::new();
        for (grad, role) in grads.into_iter().zip(&self.roles) {
            match role {
                Arg::Input => inputs.push(grad.filter(|_| wanted.get(inputs.len()).copied().unwrap_or(false))),
                Arg::Param(p) => {
                    if let Some(g) = grad {
                        params.add(p, g)?;
                    }
                }
            }
        }
        Ok(inputs)
    }
}

/// `op` on `x` (the layer's input), recorded.
pub fn apply1<C: CustomOp1 + Send + Sync + 'static>(x: &Tensor, op: C) -> candle_core::Result<Recorded> {
    let output = x.apply_op1_no_bwd(&op)?;
    let backward = Applied { op, args: vec![x.clone()], roles: vec![Arg::Input], output: output.clone() };
    Ok(Recorded { output, backward: Box::new(One(backward)) })
}

/// `op` on `(a, b)`, each an input or a parameter, recorded.
pub fn apply2<C: CustomOp2 + Send + Sync + 'static>(
    (a, b): (&Tensor, &Tensor),
    roles: [Arg; 2],
    op: C,
) -> candle_core::Result<Recorded> {
    let output = a.apply_op2_no_bwd(b, &op)?;
    let backward = Applied { op, args: vec![a.clone(), b.clone()], roles: roles.into(), output: output.clone() };
    Ok(Recorded { output, backward: Box::new(Two(backward)) })
}

/// `op` on `(a, b, c)`, each an input or a parameter, recorded.
pub fn apply3<C: CustomOp3 + Send + Sync + 'static>(
    (a, b, c): (&Tensor, &Tensor, &Tensor),
    roles: [Arg; 3],
    op: C,
) -> candle_core::Result<Recorded> {
    let output = a.apply_op3_no_bwd(b, c, &op)?;
    let args = vec![a.clone(), b.clone(), c.clone()];
    let backward = Applied { op, args, roles: roles.into(), output: output.clone() };
    Ok(Recorded { output, backward: Box::new(Three(backward)) })
}

/// An [`Applied`] op of each arity (one type cannot implement [`Backward`]
/// once per custom-op trait).
struct One<C>(Applied<C>);
struct Two<C>(Applied<C>);
struct Three<C>(Applied<C>);

impl<C: CustomOp1 + Send + Sync> Backward for One<C> {
    fn backward(
        &self,
        grad: &Tensor,
        wanted: &[bool],
        params: &mut ParamGrads,
    ) -> candle_core::Result<Vec<Option<Tensor>>> {
        let a = &self.0;
        let dx = a.op.bwd(&a.args[0], &a.output, grad)?;
        a.route(vec![dx], wanted, params)
    }
}

impl<C: CustomOp2 + Send + Sync> Backward for Two<C> {
    fn backward(
        &self,
        grad: &Tensor,
        wanted: &[bool],
        params: &mut ParamGrads,
    ) -> candle_core::Result<Vec<Option<Tensor>>> {
        let a = &self.0;
        let (da, db) = a.op.bwd(&a.args[0], &a.args[1], &a.output, grad)?;
        a.route(vec![da, db], wanted, params)
    }
}

impl<C: CustomOp3 + Send + Sync> Backward for Three<C> {
    fn backward(
        &self,
        grad: &Tensor,
        wanted: &[bool],
        params: &mut ParamGrads,
    ) -> candle_core::Result<Vec<Option<Tensor>>> {
        let a = &self.0;
        let (d1, d2, d3) = a.op.bwd(&a.args[0], &a.args[1], &a.args[2], &a.output, grad)?;
        a.route(vec![d1, d2, d3], wanted, params)
    }
}
