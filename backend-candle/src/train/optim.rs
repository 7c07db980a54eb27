//! Optimizers written for this backend: SGD with momentum and Nesterov
//! (candle's SGD has neither), and Adam / AdamW.
//!
//! Both follow PyTorch's update rules. Gradients are passed per variable, so
//! the trainer can clip them first.
//!
//! ```
//! use archspace_candle::train::{Optimizer, Sgd};
//! use candle_core::{Device, Tensor, Var};
//! let w = Var::new(&[1.0f32], &Device::Cpu)?;
//! let mut sgd = Sgd::new(vec![w.clone()], 0.9, false, 0.0);
//! let g = Tensor::new(&[1.0f32], &Device::Cpu)?;
//! sgd.step(&[Some(g.clone())], 0.1)?; // v = 1,   w = 1 - 0.1
//! sgd.step(&[Some(g)], 0.1)?;         // v = 1.9, w = 0.9 - 0.19
//! assert!((w.as_tensor().to_vec1::<f32>()?[0] - 0.71).abs() < 1e-6);
//! # Ok::<(), candle_core::Error>(())
//! ```

use candle_core::{Tensor, Var};

/// An optimizer's state between steps: enough to continue training exactly
/// where it stopped (see [`Checkpoint`](super::Checkpoint)).
#[derive(Clone, Debug, Default)]
pub struct OptimizerState {
    /// Steps taken.
    pub steps: u64,
    /// Per variable, in the optimizer's order: its state tensors (SGD's
    /// velocity; Adam's first and second moments), empty before its first
    /// update.
    pub slots: Vec<Vec<Tensor>>,
}

/// One parameter update from gradients.
pub trait Optimizer: Send {
    /// Applies one step with learning rate `lr`; `grads[i]` belongs to the
    /// i-th variable (`None`: no gradient, the variable is left alone).
    fn step(&mut self, grads: &[Option<Tensor>], lr: f64) -> candle_core::Result<()>;
    /// The variables updated.
    fn vars(&self) -> &[Var];
    /// The state to continue from. Optimizers that keep state must override
    /// this and [`restore`](Self::restore); the default has none.
    fn state(&self) -> OptimizerState {
        OptimizerState::default()
    }
    /// Continues from `state` (from [`state`](Self::state) of an optimizer
    /// of the same kind over the same variables).
    fn restore(&mut self, state: OptimizerState) -> candle_core::Result<()> {
        if state.steps == 0 && state.slots.iter().all(Vec::is_empty) {
            Ok(())
        } else {
            Err(candle_core::Error::Msg("this optimizer keeps no state to restore".into()))
        }
    }
}

/// Checks that `state` has one slot per variable, each empty or of `width` tensors.
fn check_slots(state: &OptimizerState, vars: usize, width: usize) -> candle_core::Result<()> {
    if state.slots.len() != vars || state.slots.iter().any(|s| !s.is_empty() && s.len() != width) {
        return Err(candle_core::Error::Msg(format!(
            "optimizer state for {} variables, expected {vars} with 0 or {width} tensors each",
            state.slots.len()
        )));
    }
    Ok(())
}

/// Stochastic gradient descent with (optionally Nesterov) momentum and L2 weight decay.
#[derive(Debug)]
pub struct Sgd {
    vars: Vec<Var>,
    velocity: Vec<Option<Tensor>>,
    momentum: f64,
    nesterov: bool,
    weight_decay: f64,
}

impl Sgd {
    /// SGD over `vars`.
    pub fn new(vars: Vec<Var>, momentum: f64, nesterov: bool, weight_decay: f64) -> Self {
        let velocity = vec![None; vars.len()];
        Sgd { vars, velocity, momentum, nesterov, weight_decay }
    }
}

impl Optimizer for Sgd {
    fn step(&mut self, grads: &[Option<Tensor>], lr: f64) -> candle_core::Result<()> {
        for ((var, velocity), grad) in self.vars.iter().zip(&mut self.velocity).zip(grads) {
            let Some(grad) = grad else { continue };
            let w = var.as_tensor().detach();
            let mut g = grad.detach();
            if self.weight_decay != 0.0 {
                g = (g + (&w * self.weight_decay)?)?;
            }
            let direction = if self.momentum != 0.0 {
                let v = match velocity.take() {
                    None => g.clone(),
                    Some(v) => ((v * self.momentum)? + &g)?,
                };
                let d = if self.nesterov { (&g + (&v * self.momentum)?)? } else { v.clone() };
                *velocity = Some(v);
                d
            } else {
                g
            };
            var.set(&(w - (direction * lr)?)?)?;
        }
        Ok(())
    }

    fn vars(&self) -> &[Var] {
        &self.vars
    }

    fn state(&self) -> OptimizerState {
        OptimizerState { steps: 0, slots: self.velocity.iter().map(|v| v.iter().cloned().collect()).collect() }
    }

    fn restore(&mut self, state: OptimizerState) -> candle_core::Result<()> {
        check_slots(&state, self.vars.len(), 1)?;
        self.velocity = state.slots.into_iter().map(|s| s.into_iter().next()).collect();
        Ok(())
    }
}

/// Adam, with L2 weight decay added to the gradient, or AdamW with decoupled decay.
#[derive(Debug)]
pub struct Adam {
    vars: Vec<Var>,
    moments: Vec<Option<(Tensor, Tensor)>>,
    step: i32,
    beta1: f64,
    beta2: f64,
    eps: f64,
    weight_decay: f64,
    decoupled: bool,
}

impl Adam {
    /// Adam over `vars`; `decoupled = true` gives AdamW.
    pub fn new(vars: Vec<Var>, betas: (f64, f64), eps: f64, weight_decay: f64, decoupled: bool) -> Self {
        let moments = vec![None; vars.len()];
        Adam { vars, moments, step: 0, beta1: betas.0, beta2: betas.1, eps, weight_decay, decoupled }
    }
}

impl Optimizer for Adam {
    fn step(&mut self, grads: &[Option<Tensor>], lr: f64) -> candle_core::Result<()> {
        self.step += 1;
        let correction1 = 1.0 - self.beta1.powi(self.step);
        let correction2 = 1.0 - self.beta2.powi(self.step);
        for ((var, moments), grad) in self.vars.iter().zip(&mut self.moments).zip(grads) {
            let Some(grad) = grad else { continue };
            let mut w = var.as_tensor().detach();
            let mut g = grad.detach();
            if self.weight_decay != 0.0 {
                if self.decoupled {
                    w = (w * (1.0 - lr * self.weight_decay))?;
                } else {
                    g = (g + (&w * self.weight_decay)?)?;
                }
            }
            let (m, v) = match moments.take() {
                None => ((&g * (1.0 - self.beta1))?, (g.sqr()? * (1.0 - self.beta2))?),
                Some((m, v)) => (
                    ((m * self.beta1)? + (&g * (1.0 - self.beta1))?)?,
                    ((v * self.beta2)? + (g.sqr()? * (1.0 - self.beta2))?)?,
                ),
            };
            let m_hat = (&m / correction1)?;
            let v_hat = (&v / correction2)?;
            let update = (m_hat / (v_hat.sqrt()? + self.eps)?)?;
            var.set(&(w - (update * lr)?)?)?;
            *moments = Some((m, v));
        }
        Ok(())
    }

    fn vars(&self) -> &[Var] {
        &self.vars
    }

    fn state(&self) -> OptimizerState {
        let slots = self.moments.iter().map(|m| m.iter().flat_map(|(m, v)| [m.clone(), v.clone()]).collect()).collect();
        OptimizerState { steps: self.step as u64, slots }
    }

    fn restore(&mut self, state: OptimizerState) -> candle_core::Result<()> {
        check_slots(&state, self.vars.len(), 2)?;
        self.step = i32::try_from(state.steps).map_err(|e| candle_core::Error::Msg(e.to_string()))?;
        self.moments = state
            .slots
            .into_iter()
            .map(|s| {
                let mut s = s.into_iter();
                s.next().zip(s.next())
            })
            .collect();
        Ok(())
    }
}
