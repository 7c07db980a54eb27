//! The network's own training path: a forward pass whose layers record
//! their backward passes ([`Layer::forward_recorded`]), and a backward pass
//! over the network's graph of modules.
//!
//! candle's autograd (`loss.backward()`) makes each value's gradient from a
//! zeroed tensor plus one fresh sum per reader, and runs those sums on its
//! own thread pool, which then spins beside the kernels' rayon pool. Here
//! the first gradient reaching a value is moved in and a second is summed
//! once by this crate's kernel ([`sum_of`]); a value read once (most are)
//! costs no extra pass. Layers without a recorded pass (custom ops, candle
//! fallbacks) run under candle's autograd on their own, their inputs copied
//! into variables. Only the loss runs through candle's autograd as a
//! whole, from a copy of the network's output. A network built with
//! [`Kernels::Candle`] (candle's ops only, the reference to compare with)
//! trains through candle's autograd as a whole instead.

use archspace_core::Source;
use candle_core::backprop::GradStore;
use candle_core::{Tensor, Var};

use super::Network;
use crate::kernels::{Kernels, sum_of};
use crate::ops::{Backward, Layer, ParamGrads, Recorded};

/// Each node's recorded backward pass (`None` for nodes that do not run).
type Steps = Vec<Option<Box<dyn Backward>>>;

impl Network {
    /// A training step's loss and gradients: the network in train mode on
    /// `x`, `loss` applied to its output, and the gradient of the loss for
    /// every trainable parameter (look them up with
    /// `grads.get(var.as_tensor())`), by the network's own backward pass
    /// ([`ops::recorded`](crate::ops::recorded)). Gradients equal `loss.backward()`'s on
    /// [`forward_t`](Self::forward_t)`(x, true)` up to the order of sums.
    ///
    /// ```
    /// use archspace_candle::{Network, NetworkConfig, ops::{self, Registry}};
    /// use archspace_core::Space;
    /// use candle_core::{Device, Tensor};
    /// let arch = Space::build(|s| s.basic(ops::conv2d(4, 3)))?.freeze()?;
    /// let config = NetworkConfig { classes: Some(3), ..NetworkConfig::default() };
    /// let net = Network::build(&arch, &[1, 8, 8], &Registry::standard(), &config)?;
    /// let x = Tensor::randn(0f32, 1.0, (2, 1, 8, 8), &Device::Cpu)?;
    /// let y = Tensor::new(&[0u32, 2], &Device::Cpu)?;
    /// let (loss, grads) = net.loss_and_gradients(&x, |logits| candle_nn::loss::cross_entropy(logits, &y))?;
    /// assert!(loss.to_scalar::<f32>()? > 0.0);
    /// for (name, var) in net.store().trainable_vars() {
    ///     assert!(grads.get(var.as_tensor()).is_some(), "{name} has a gradient");
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn loss_and_gradients(
        &self,
        x: &Tensor,
        loss: impl FnOnce(&Tensor) -> candle_core::Result<Tensor>,
    ) -> candle_core::Result<(Tensor, GradStore)> {
        if self.kernels == Kernels::Candle {
            let value = loss(&self.forward_t(x, true)?)?;
            let grads = value.backward()?;
            return Ok((value.detach(), grads));
        }
        let (output, steps) = self.record(x)?;
        let output = Var::from_tensor(&output)?;
        let value = loss(output.as_tensor())?;
        let mut loss_grads = value.backward()?;
        let mut params = ParamGrads::default();
        if let Some(grad) = loss_grads.remove(output.as_tensor()) {
            params = self.backward(steps, grad)?;
        }
        let mut grads = params.into_store();
        // Parameters the loss itself reads (a penalty on the weights, say).
        grads.extend(loss_grads)?;
        Ok((value.detach(), grads))
    }

    /// The training forward pass: the output and each node's backward pass.
    fn record(&self, x: &Tensor) -> candle_core::Result<(Tensor, Steps)> {
        let mut steps: Steps = (0..self.nodes.len()).map(|_| None).collect();
        let output = self.run(x, |i, layer, inputs| {
            let step = match layer.forward_recorded(inputs) {
                Some(step) => step?,
                None => under_autograd(layer, inputs, &wanted(&self.nodes[i].inputs))?,
            };
            steps[i] = Some(step.backward);
            Ok(step.output)
        })?;
        Ok((output, steps))
    }

    /// The backward pass from the gradient of the output, nodes in reverse
    /// order; each node's steps are dropped once run.
    fn backward(&self, mut steps: Steps, grad: Tensor) -> candle_core::Result<ParamGrads> {
        let mut params = ParamGrads::default();
        let mut grads: Vec<Option<Tensor>> = vec![None; self.nodes.len()];
        match self.output {
            Source::Module { module, .. } => grads[module] = Some(grad),
            Source::Input { .. } => return Ok(params),
        }
        for i in (0..self.nodes.len()).rev() {
            let (Some(step), Some(grad)) = (steps[i].take(), grads[i].take()) else { continue };
            let inputs = &self.nodes[i].inputs;
            let input_grads = step.backward(&grad, &wanted(inputs), &mut params)?;
            drop((step, grad));
            for (source, input_grad) in inputs.iter().zip(input_grads) {
                if let (Source::Module { module, .. }, Some(g)) = (*source, input_grad) {
                    grads[module] = Some(match grads[module].take() {
                        None => g,
                        Some(previous) => sum_of(&previous, &g)?,
                    });
                }
            }
        }
        Ok(params)
    }
}

/// Which inputs need a gradient: every module's output, not the batch.
fn wanted(inputs: &[Source]) -> Vec<bool> {
    inputs.iter().map(|s| matches!(s, Source::Module { .. })).collect()
}

/// A layer without a recorded pass, run in train mode under candle's
/// autograd: the inputs that need a gradient copied into variables.
fn under_autograd(layer: &dyn Layer, inputs: &[Tensor], wanted: &[bool]) -> candle_core::Result<Recorded> {
    let vars = inputs
        .iter()
        .zip(wanted)
        .map(|(x, &w)| w.then(|| Var::from_tensor(x)).transpose())
        .collect::<candle_core::Result<Vec<_>>>()?;
    let args: Vec<Tensor> = inputs
        .iter()
        .zip(&vars)
        .map(|(x, v)| v.as_ref().map_or_else(|| x.clone(), |v| v.as_tensor().clone()))
        .collect();
    let output = layer.forward_t(&args, true)?;
    Ok(Recorded { output: output.detach(), backward: Box::new(Autograd { vars, output }) })
}

/// The backward pass of a layer run under candle's autograd.
struct Autograd {
    vars: Vec<Option<Var>>,
    output: Tensor,
}

impl Backward for Autograd {
    fn backward(
        &self,
        grad: &Tensor,
        _wanted: &[bool],
        params: &mut ParamGrads,
    ) -> candle_core::Result<Vec<Option<Tensor>>> {
        // d/dinput of Σ output · grad is the input's gradient (the product's
        // gradient is `grad` itself: ones times it).
        let mut grads = self.output.mul(&grad.detach())?.sum_all()?.backward()?;
        let inputs = self.vars.iter().map(|v| v.as_ref().and_then(|v| grads.remove(v.as_tensor()))).collect();
        let ids: Vec<_> = grads.get_ids().copied().collect();
        for id in ids {
            if let Some(g) = grads.get_id(id) {
                params.add_id(id, g.clone())?;
            }
        }
        Ok(inputs)
    }
}

#[cfg(test)]
mod tests {
    use candle_core::{Device, Module, Tensor};

    use crate::kernels::Kernels;
    use crate::network::{Network, NetworkConfig};
    use crate::ops::{self, FnOp, OpInfo, Registry, Single};
    use crate::params::Init;
    use crate::throughput::ReferenceNet;

    fn reference(net: ReferenceNet, kernels: Kernels) -> Network {
        let arch = net.architecture().expect("reference net");
        let config = NetworkConfig { classes: Some(10), kernels, seed: 3, ..NetworkConfig::default() };
        Network::build(&arch, &[1, 28, 28], &Registry::standard(), &config).expect("builds")
    }

    /// Our backward pass against candle's autograd on the same network
    /// (built twice from one seed, so dropout draws the same masks), over
    /// two steps (the second with the running statistics moved).
    fn assert_same_gradients(build: impl Fn() -> Network, image: [usize; 3], label: &str) {
        let (ours, stock) = (build(), build());
        let x = Tensor::randn(0f32, 1.0, (3, image[0], image[1], image[2]), &Device::Cpu).expect("x");
        let y = Tensor::new(&[1u32, 7, 4], &Device::Cpu).expect("y");
        for _ in 0..2 {
            let (loss, grads) =
                ours.loss_and_gradients(&x, |out| candle_nn::loss::cross_entropy(out, &y)).expect("ours");
            let stock_loss = candle_nn::loss::cross_entropy(&stock.forward_t(&x, true).expect("forward"), &y);
            let stock_loss = stock_loss.expect("loss");
            let stock_grads = stock_loss.backward().expect("backward");
            let [a, b] = [&loss, &stock_loss].map(|l| l.to_scalar::<f32>().expect("scalar"));
            assert_eq!(a, b, "{label} loss");
            let vars = ours.store().trainable_vars().iter().zip(stock.store().trainable_vars());
            for ((name, var), (_, stock_var)) in vars {
                let values = |g: Option<&Tensor>| {
                    g.unwrap_or_else(|| panic!("{name}: no gradient")).flatten_all()?.to_vec1::<f32>()
                };
                let ours = values(grads.get(var.as_tensor())).expect("ours");
                let theirs = values(stock_grads.get(stock_var.as_tensor())).expect("stock");
                let scale = theirs.iter().fold(0f32, |m, v| m.max(v.abs()));
                for (o, t) in ours.iter().zip(&theirs) {
                    assert!((o - t).abs() <= 1e-5 * scale.max(1e-3), "{label} {name}: {o} vs {t}");
                }
            }
        }
    }

    #[test]
    fn gradients_match_candles_autograd_on_our_kernels() {
        for net in [ReferenceNet::Net1, ReferenceNet::Seed] {
            assert_same_gradients(|| reference(net, Kernels::Native), [1, 28, 28], net.name());
        }
        assert_same_gradients(|| reference(ReferenceNet::Net1, Kernels::Candle), [1, 28, 28], "net1 on candle's ops");
    }

    /// `y = x · w_c`, a learned scale per channel, as a user's op would be:
    /// candle ops only, no recorded pass.
    struct ChannelScale(Tensor);

    impl Module for ChannelScale {
        fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
            x.broadcast_mul(&self.0.reshape((1, (), 1, 1))?)
        }
    }

    /// A user's op between two of our layers runs under candle's autograd
    /// on its own; the gradients reach its parameter and the layers before it.
    #[test]
    fn layers_without_a_recorded_pass_run_under_autograd() {
        let mut registry = Registry::standard();
        registry.register(
            "channel_scale",
            FnOp::new(
                |ctx| Ok(OpInfo { output: ctx.single_input()?.to_vec(), params: ctx.image_input()?.0, flops: 0 }),
                |ctx, store| {
                    let channels = ctx.image_input()?.0;
                    let w = store.trainable(&ctx.param_name("weight"), &[channels], Init::Uniform { fan_in: 1 })?;
                    Ok(Box::new(Single(ChannelScale(w))))
                },
            ),
        );
        let build = || {
            let mut space = archspace_core::Space::build(|s| {
                let parts = vec![
                    s.basic(ops::conv2d(4, 3))?,
                    s.basic(ops::batch_norm())?,
                    s.basic(archspace_core::Op::new("channel_scale"))?,
                    s.basic(ops::relu())?,
                    s.basic(ops::max_pool2d(2))?,
                    s.basic(ops::conv2d(5, 3))?,
                ];
                s.sequential(parts)
            })
            .expect("space");
            let arch = space.freeze().expect("freezes");
            let config = NetworkConfig { classes: Some(10), seed: 5, ..NetworkConfig::default() };
            Network::build(&arch, &[2, 8, 8], &registry, &config).expect("builds")
        };
        assert_same_gradients(build, [2, 8, 8], "custom op");
    }
}
