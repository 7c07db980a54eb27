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
use crate::kernels::{ConvChainOp, Kernels};
use crate::ops::{Layer, OpContext, Registry};
use crate::params::ParamStore;

/// How a network is built.
#[derive(Clone, Debug)]
pub struct NetworkConfig {
    /// Seed of the initial weights and of dropout masks.
    pub seed: u64,
    /// Where the tensors live.
    pub device: Device,
    /// With `Some(k)`, a classifier head (global average pool if needed, then
    /// a dense layer) is appended unless the output already is `[k]`.
    pub classes: Option<usize>,
    /// This crate's CPU kernels (the default) or candle's ops only.
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

/// How many nodes (and the network's output) read each node.
fn readers(nodes: &[Node], output: Source) -> Vec<usize> {
    let mut readers = vec![0usize; nodes.len()];
    for node in nodes {
        for source in &node.inputs {
            if let Source::Module { module, .. } = *source {
                readers[module] += 1;
            }
        }
    }
    if let Source::Module { module, .. } = output {
        readers[module] += 1;
    }
    readers
}

/// Sets each node's `last_use` from the nodes that read it.
fn set_last_uses(nodes: &mut [Node], output: Source) {
    for (index, node) in nodes.iter_mut().enumerate() {
        node.last_use = index;
    }
    for index in 0..nodes.len() {
        for k in 0..nodes[index].inputs.len() {
            if let Source::Module { module, .. } = nodes[index].inputs[k] {
                nodes[module].last_use = index;
            }
        }
    }
    if let Source::Module { module, .. } = output {
        nodes[module].last_use = usize::MAX;
    }
}

/// Where a `global_avg_pool` module is the only reader of a `concat`, it
/// pools each of the concat's inputs and concatenates the channel means
/// instead (a channel's mean does not depend on the other inputs), and the
/// concat does not run: the joined images, as large as all branches
/// together, are never written, nor their gradient. Outputs and gradients
/// are unchanged.
fn pool_before_concat(nodes: &mut [Node], op_names: &[&str], output: Source) {
    let readers = readers(nodes, output);
    for j in 0..nodes.len() {
        let [Source::Module { module: i, .. }] = nodes[j].inputs[..] else { continue };
        if op_names[j] != "global_avg_pool" || op_names[i] != "concat" || readers[i] != 1 || !nodes[i].runs {
            continue;
        }
        let pool = std::mem::replace(&mut nodes[j].layer, Box::new(PassThrough));
        nodes[j].layer = Box::new(PoolEach(pool));
        nodes[j].inputs = std::mem::take(&mut nodes[i].inputs);
        nodes[i].runs = false;
    }
}

/// A pooling layer applied to each input, the results joined along channels.
struct PoolEach(Box<dyn Layer>);

impl Layer for PoolEach {
    fn forward_t(&self, inputs: &[Tensor], train: bool) -> candle_core::Result<Tensor> {
        let pooled = inputs
            .iter()
            .map(|x| self.0.forward_t(std::slice::from_ref(x), train))
            .collect::<candle_core::Result<Vec<_>>>()?;
        Tensor::cat(&pooled, 1)
    }
}

/// Where a `relu` module is the only reader of a layer that has a fused
/// form ([`Layer::fuse_relu`]), that layer takes the fused form and the
/// `relu` passes its input through. Outputs and gradients are unchanged.
fn fuse_relus(nodes: &mut [Node], op_names: &[&str], output: Source) {
    let readers = readers(nodes, output);
    for j in 0..nodes.len() {
        let [Source::Module { module: i, .. }] = nodes[j].inputs[..] else { continue };
        if op_names[j] != "relu" || readers[i] != 1 {
            continue;
        }
        if let Some(fused) = nodes[i].layer.fuse_relu() {
            nodes[i].layer = fused;
            nodes[j].layer = Box::new(PassThrough);
            nodes[j].passes_through = true;
        }
    }
}

/// Where convolutions follow one another, each the only reader of the one
/// before (a fused ReLU between them passing its input through), the last
/// of them runs them all ([`ConvChain`]) and the others do not run.
fn chain_convs(nodes: &mut [Node], output: Source) {
    let readers = readers(nodes, output);
    let mut reader = vec![None; nodes.len()];
    for (j, node) in nodes.iter().enumerate() {
        for source in &node.inputs {
            if let Source::Module { module, .. } = *source {
                reader[module] = Some(j);
            }
        }
    }
    let only_reader = |i: usize| reader[i].filter(|_| readers[i] == 1);
    for first in 0..nodes.len() {
        if !nodes[first].runs || nodes[first].layer.conv_link().is_none() {
            continue;
        }
        // The chain from `first`, and the fused ReLUs between its convolutions.
        let (mut members, mut between) = (vec![first], Vec::new());
        while let Some(mut next) = only_reader(members[members.len() - 1]) {
            let relu = nodes[next].passes_through.then_some(next);
            if let Some(relu) = relu {
                let Some(after) = only_reader(relu) else { break };
                next = after;
            }
            if nodes[next].inputs.len() != 1 || nodes[next].layer.conv_link().is_none() {
                break;
            }
            members.push(next);
            between.extend(relu);
        }
        let Some((&last, others)) = members.split_last().filter(|(_, others)| !others.is_empty()) else { continue };
        let layers = members.iter().map(|&m| std::mem::replace(&mut nodes[m].layer, Box::new(PassThrough))).collect();
        nodes[last].layer = Box::new(ConvChain::new(layers));
        nodes[last].inputs = std::mem::take(&mut nodes[first].inputs);
        for &m in others.iter().chain(&between) {
            nodes[m].runs = false;
            nodes[m].inputs.clear();
        }
    }
}

/// Convolutions each read only by the next: one after the other in
/// training, each image through all of them in eval mode ([`ConvChainOp`]).
struct ConvChain {
    layers: Vec<Box<dyn Layer>>,
    op: ConvChainOp,
}

impl ConvChain {
    fn new(layers: Vec<Box<dyn Layer>>) -> Self {
        let op = ConvChainOp::new(layers.iter().filter_map(|l| l.conv_link()).collect());
        ConvChain { layers, op }
    }
}

impl Layer for ConvChain {
    fn forward_t(&self, inputs: &[Tensor], train: bool) -> candle_core::Result<Tensor> {
        if let (false, [x]) = (train, inputs)
            && let Some(y) = self.op.apply(x)?
        {
            return Ok(y);
        }
        let Some((first, rest)) = self.layers.split_first() else {
            candle_core::bail!("internal: an empty conv chain")
        };
        let mut y = first.forward_t(inputs, train)?;
        for layer in rest {
            y = layer.forward_t(std::slice::from_ref(&y), train)?;
        }
        Ok(y)
    }
}

/// A `relu` whose work moved into the layer before it.
struct PassThrough;

impl Layer for PassThrough {
    fn forward_t(&self, inputs: &[Tensor], _train: bool) -> candle_core::Result<Tensor> {
        match inputs {
            [x] => Ok(x.clone()),
            other => candle_core::bail!("a fused relu got {} inputs", other.len()),
        }
    }
}

/// A built network: layers in topological order and their parameters.
pub struct Network {
    nodes: Vec<Node>,
    output: Source,
    store: ParamStore,
    report: ShapeReport,
}

impl std::fmt::Debug for Network {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Network").field("report", &self.report).finish_non_exhaustive()
    }
}

impl Network {
    /// Infers shapes, then creates every layer and its seeded parameters.
    pub fn build(
        arch: &Architecture,
        input: &[usize],
        registry: &Registry,
        config: &NetworkConfig,
    ) -> Result<Self, BackendError> {
        let plan = plan(arch, input, registry, config.classes)?;
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
            let ctx =
                OpContext::new(module, &shapes, module_seed(config.seed, &module.path)).with_kernels(config.kernels);
            let layer = registry.lookup(&ctx)?.build(&ctx, &mut store)?;
            nodes.push(Node { layer, inputs: sources, last_use: 0, runs: true, passes_through: false });
        }
        let names: Vec<&str> = plan.modules.iter().map(|m| m.op.as_ref()).collect();
        fuse_relus(&mut nodes, &names, plan.output);
        if config.kernels == Kernels::Native {
            pool_before_concat(&mut nodes, &names, plan.output);
            chain_convs(&mut nodes, plan.output);
        }
        set_last_uses(&mut nodes, plan.output);
        Ok(Network { nodes, output: plan.output, store, report: plan.report })
    }

    /// Runs the network on a batch `[N, ...input]`; `train` selects batch
    /// statistics and active dropout.
    pub fn forward_t(&self, x: &Tensor, train: bool) -> candle_core::Result<Tensor> {
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
            values[i] = Some(node.layer.forward_t(&inputs, train)?);
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
                let y = chain_net(k, second_reader).forward_t(&x, false).expect("forward");
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
