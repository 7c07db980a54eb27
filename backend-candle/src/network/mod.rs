//! Model building: an [`Architecture`] becomes a candle network.
//!
//! ```
//! use archspace_candle::{Network, NetworkConfig, ops::{self, Registry}};
//! use archspace_core::Space;
//! use candle_core::{DType, Device, Tensor};
//! let mut space = Space::build(|s| s.basic(ops::conv2d(4, 3)))?;
//! let arch = space.freeze()?;
//! let config = NetworkConfig { classes: Some(10), ..NetworkConfig::default() };
//! let net = Network::build(&arch, &[1, 28, 28], &Registry::standard(), &config)?;
//! let x = Tensor::zeros((2, 1, 28, 28), DType::F32, &Device::Cpu)?;
//! assert_eq!(net.forward_t(&x, false)?.dims(), &[2, 10]);
//! // Parameters are named after module paths; a head was appended.
//! let names: Vec<_> = net.store().trainable_vars().iter().map(|(n, _)| n.as_str()).collect();
//! assert_eq!(names, ["conv2d.weight", "conv2d.bias", "head/dense.weight", "head/dense.bias"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use archspace_core::{Architecture, Source};
use candle_core::{Device, ModuleT, Tensor};

use crate::error::BackendError;
use crate::infer::{ShapeReport, module_seed, plan};
use crate::kernels::Kernels;
use crate::ops::{Layer, OpContext, Registry};
use crate::params::ParamStore;

mod passes;
mod training;

/// How a network is built.
#[derive(Clone, Debug)]
pub struct NetworkConfig {
    /// Seed of the initial weights and of dropout masks.
    pub seed: u64,
    /// Where the tensors live and the layers run: the CPU, or a GPU opened
    /// with [`DeviceSpec::open`](crate::DeviceSpec::open) (`cuda` feature).
    pub device: Device,
    /// With `Some(k)`, a classifier head (global average pool if needed, then
    /// a dense layer) is appended unless the output already is `[k]`.
    pub classes: Option<usize>,
    /// This crate's CPU kernels (the default) or candle's ops only. On a
    /// device other than the CPU the layers run candle's ops whatever this
    /// says ([`Kernels::for_device`]).
    pub kernels: Kernels,
}

impl Default for NetworkConfig {
    fn default() -> Self {
        NetworkConfig { seed: 0, device: Device::Cpu, classes: None, kernels: Kernels::default() }
    }
}

struct Node {
    layer: Box<dyn Layer>,
    inputs: Vec<Source>,
    /// Index of the last node reading this node's output (or `usize::MAX` for the output).
    last_use: usize,
    /// False once the node's work moved into its only reader.
    runs: bool,
    /// A `relu` whose work moved into the layer before it.
    passes_through: bool,
}

/// A built network: layers in topological order and their parameters.
pub struct Network {
    nodes: Vec<Node>,
    output: Source,
    store: ParamStore,
    report: ShapeReport,
    kernels: Kernels,
}

impl std::fmt::Debug for Network {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Network").field("report", &self.report).finish_non_exhaustive()
    }
}

impl Network {
    /// Infers shapes, then creates every layer and its seeded parameters on
    /// `config.device`. On the CPU the layers use this crate's kernels
    /// (unless `config.kernels` says otherwise) and train by the network's
    /// own backward pass; on a GPU they run candle's ops and train through
    /// candle's autograd ([`Kernels::for_device`]), the same architectures
    /// with the same parameters (initial weights are drawn on the CPU and
    /// copied, so a seed gives the same network on every device).
    pub fn build(
        arch: &Architecture,
        input: &[usize],
        registry: &Registry,
        config: &NetworkConfig,
    ) -> Result<Self, BackendError> {
        crate::build_profile::warn_if_unoptimized();
        let plan = plan(arch, input, registry, config.classes)?;
        let kernels = config.kernels.for_device(&config.device);
        let mut store = ParamStore::new(config.seed, config.device.clone());
        let mut nodes: Vec<Node> = Vec::with_capacity(plan.modules.len());
        for module in &plan.modules {
            let sources: Vec<Source> = module.inputs.iter().map(|(_, s)| *s).collect();
            let shapes: Vec<Vec<usize>> = sources
                .iter()
                .map(|s| match *s {
                    Source::Module { module, .. } => plan.report.modules[module].output.clone(),
                    Source::Input { .. } => input.to_vec(),
                })
                .collect();
            let ctx = OpContext::new(module, &shapes, module_seed(config.seed, &module.path)).with_kernels(kernels);
            let layer = registry.lookup(&ctx)?.build(&ctx, &mut store)?;
            nodes.push(Node { layer, inputs: sources, last_use: 0, runs: true, passes_through: false });
        }
        let names: Vec<&str> = plan.modules.iter().map(|m| m.op.as_ref()).collect();
        passes::apply(&mut nodes, &names, plan.output, kernels);
        Ok(Network { nodes, output: plan.output, store, report: plan.report, kernels })
    }

    /// Runs the network on a batch `[N, ...input]`; `train` selects batch
    /// statistics and active dropout. Gradients flow in both modes (for
    /// attributions in eval mode, say); to evaluate without them, use the
    /// faster [`predict`](Self::predict).
    pub fn forward_t(&self, x: &Tensor, train: bool) -> candle_core::Result<Tensor> {
        self.run(x, |_, layer, inputs| layer.forward_t(inputs, train))
    }

    /// The network's output on a batch in eval mode, for inference: no
    /// gradient flows through it (the result is detached), which lets
    /// layers take paths without a backward pass. Convolutions each read only
    /// by the next run image by image, their intermediate feature maps kept
    /// in cache ([`ConvChainOp`](crate::kernels::ConvChainOp)); the values
    /// are those of `forward_t(x, false)`.
    ///
    /// ```
    /// use archspace_candle::{Network, NetworkConfig, ops::{self, Registry}};
    /// use archspace_core::Space;
    /// use candle_core::{Device, Tensor};
    /// let mut space = Space::build(|s| {
    ///     let (a, b) = (s.basic(ops::conv2d(4, 3))?, s.basic(ops::conv2d(4, 3))?);
    ///     s.chain(&a, &b)?;
    ///     Ok(s.border_of(&a, &b))
    /// })?;
    /// let net = Network::build(&space.freeze()?, &[1, 8, 8], &Registry::standard(), &NetworkConfig::default())?;
    /// let x = Tensor::randn(0f32, 1.0, (2, 1, 8, 8), &Device::Cpu)?;
    /// let fast = net.predict(&x)?.flatten_all()?.to_vec1::<f32>()?;
    /// assert_eq!(fast, net.forward_t(&x, false)?.flatten_all()?.to_vec1::<f32>()?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn predict(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        Ok(self.run(x, |_, layer, inputs| layer.infer(inputs))?.detach())
    }

    /// Runs every node with `step` (given the node's index, its layer and
    /// its inputs), releasing each value after its last reader.
    fn run(
        &self,
        x: &Tensor,
        mut step: impl FnMut(usize, &dyn Layer, &[Tensor]) -> candle_core::Result<Tensor>,
    ) -> candle_core::Result<Tensor> {
        let mut values: Vec<Option<Tensor>> = vec![None; self.nodes.len()];
        let fetch = |values: &[Option<Tensor>], src: &Source| -> candle_core::Result<Tensor> {
            match *src {
                Source::Input { .. } => Ok(x.clone()),
                Source::Module { module, .. } => values[module]
                    .clone()
                    .ok_or_else(|| candle_core::Error::Msg(format!("internal: module {module} read after release"))),
            }
        };
        for (i, node) in self.nodes.iter().enumerate() {
            if !node.runs {
                continue;
            }
            let inputs = node.inputs.iter().map(|s| fetch(&values, s)).collect::<candle_core::Result<Vec<_>>>()?;
            values[i] = Some(step(i, node.layer.as_ref(), &inputs)?);
            for s in &node.inputs {
                if let Source::Module { module, .. } = *s
                    && self.nodes[module].last_use == i
                {
                    values[module] = None;
                }
            }
        }
        fetch(&values, &self.output)
    }

    /// The parameters and buffers.
    pub fn store(&self) -> &ParamStore {
        &self.store
    }

    /// Shapes, parameters and FLOPs per module.
    pub fn report(&self) -> &ShapeReport {
        &self.report
    }

    /// The device its tensors live on.
    pub fn device(&self) -> &Device {
        self.store.device()
    }

    /// The kernels its layers run: [`NetworkConfig::kernels`] on the CPU,
    /// [`Kernels::Candle`] on any other device.
    pub fn kernels(&self) -> Kernels {
        self.kernels
    }

    /// Trainable scalars.
    pub fn param_count(&self) -> usize {
        self.store.trainable_count()
    }
}

impl ModuleT for Network {
    fn forward_t(&self, x: &Tensor, train: bool) -> candle_core::Result<Tensor> {
        Network::forward_t(self, x, train)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops;

    /// `stem → [a | b] → cat → pool`, with a second pool reading the concat too when asked.
    fn net(kernels: Kernels, second_reader: bool) -> Network {
        let mut space = archspace_core::Space::build(|s| {
            let stem = s.named("stem").basic(ops::conv2d(4, 3))?;
            let a = s.named("a").basic(ops::conv2d(3, 3))?;
            let b = s.named("b").basic(ops::conv2d(5, 3))?;
            let cat = s.named("cat").basic(ops::concat(2))?;
            let pool = s.named("pool").basic(ops::global_avg_pool())?;
            s.chain(&stem, &a)?;
            s.chain(&stem, &b)?;
            s.connect(a.output("out")?, cat.input("in0")?)?;
            s.connect(b.output("out")?, cat.input("in1")?)?;
            s.chain(&cat, &pool)?;
            let end = if second_reader {
                let flat = s.named("flat").basic(ops::global_avg_pool())?;
                s.chain(&cat, &flat)?;
                let sum = s.named("sum").basic(ops::add(2))?;
                s.connect(pool.output("out")?, sum.input("in0")?)?;
                s.connect(flat.output("out")?, sum.input("in1")?)?;
                sum
            } else {
                pool
            };
            Ok(s.border_of(&stem, &end))
        })
        .expect("space");
        let arch = space.freeze().expect("freezes");
        let config = NetworkConfig { kernels, ..NetworkConfig::default() };
        Network::build(&arch, &[1, 6, 6], &crate::ops::Registry::standard(), &config).expect("builds")
    }

    /// `c1 → relu → c2 → relu → c3 → pool`; with `second_reader`, a second
    /// pool reads the first ReLU too.
    fn chain_net(kernels: Kernels, second_reader: bool) -> Network {
        let mut space = archspace_core::Space::build(|s| {
            let c1 = s.named("c1").basic(ops::conv2d(4, 3))?;
            let r1 = s.named("r1").basic(ops::relu())?;
            let c2 = s.named("c2").basic(ops::conv2d(5, 3))?;
            let r2 = s.named("r2").basic(ops::relu())?;
            let c3 = s.named("c3").basic(ops::conv2d(3, 3))?;
            let pool = s.named("pool").basic(ops::global_avg_pool())?;
            for (a, b) in [(&c1, &r1), (&r1, &c2), (&c2, &r2), (&r2, &c3), (&c3, &pool)] {
                s.chain(a, b)?;
            }
            let end = if second_reader {
                let other = s.named("other").basic(ops::global_avg_pool())?;
                s.chain(&r1, &other)?;
                let cat = s.named("cat").basic(ops::concat(2))?;
                s.connect(pool.output("out")?, cat.input("in0")?)?;
                s.connect(other.output("out")?, cat.input("in1")?)?;
                cat
            } else {
                pool
            };
            Ok(s.border_of(&c1, &end))
        })
        .expect("space");
        let arch = space.freeze().expect("freezes");
        let config = NetworkConfig { kernels, ..NetworkConfig::default() };
        Network::build(&arch, &[1, 6, 6], &crate::ops::Registry::standard(), &config).expect("builds")
    }

    #[test]
    fn convolutions_each_read_only_by_the_next_run_as_one_chain() {
        assert_eq!(idle(&chain_net(Kernels::Native, false)), 4, "c1, r1, c2 and r2 run inside c3");
        assert_eq!(idle(&chain_net(Kernels::Native, true)), 2, "r1 has two readers: c2 and r2 run inside c3");
        assert_eq!(idle(&chain_net(Kernels::Candle, false)), 0, "candle's ops run as written");
        let x = Tensor::from_vec((0..72).map(|i| (i as f32 * 0.3).sin()).collect(), (2, 1, 6, 6), &Device::Cpu);
        let x = x.expect("x");
        for second_reader in [false, true] {
            let [ours, stock] = [Kernels::Native, Kernels::Candle].map(|k| {
                let y = chain_net(k, second_reader).predict(&x).expect("predict");
                y.flatten_all().and_then(|y| y.to_vec1::<f32>()).expect("values")
            });
            assert_eq!(ours.len(), stock.len());
            for (a, b) in ours.iter().zip(&stock) {
                assert!((a - b).abs() <= 1e-5 * (1.0 + b.abs()), "{a} vs {b}");
            }
        }
    }

    fn idle(net: &Network) -> usize {
        net.nodes.iter().filter(|n| !n.runs).count()
    }

    #[test]
    fn a_concat_read_only_by_a_global_pool_does_not_run() {
        assert_eq!(idle(&net(Kernels::Native, false)), 1);
        assert_eq!(idle(&net(Kernels::Native, true)), 0, "a second reader needs the joined images");
        assert_eq!(idle(&net(Kernels::Candle, false)), 0, "candle's ops run as written");
        let x = Tensor::ones((2, 1, 6, 6), candle_core::DType::F32, &Device::Cpu).expect("x");
        assert_eq!(net(Kernels::Native, false).forward_t(&x, false).expect("forward").dims(), &[2, 8]);
    }
}
