//! The graph passes of [`Network::build`](super::Network::build): each
//! changes which layers run and how, not what the network computes.

use archspace_core::Source;
use candle_core::Tensor;

use super::Node;
use crate::kernels::{ConvChainOp, Kernels};
use crate::ops::{Backward, Layer, ParamGrads, Recorded};

/// Runs the passes over `nodes` (modules in topological order, `op_names`
/// their ops): ReLUs fused into the layer before them; with this crate's
/// kernels, pools moved before concats and convolution chains; then each
/// node's last reader.
pub(super) fn apply(nodes: &mut [Node], op_names: &[&str], output: Source, kernels: Kernels) {
    fuse_relus(nodes, op_names, output);
    if kernels == Kernels::Native {
        pool_before_concat(nodes, op_names, output);
        chain_convs(nodes, output);
    }
    set_last_uses(nodes, output);
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

    fn infer(&self, inputs: &[Tensor]) -> candle_core::Result<Tensor> {
        let pooled =
            inputs.iter().map(|x| self.0.infer(std::slice::from_ref(x))).collect::<candle_core::Result<Vec<_>>>()?;
        Tensor::cat(&pooled, 1)
    }

    fn forward_recorded(&self, inputs: &[Tensor]) -> Option<candle_core::Result<Recorded>> {
        let mut steps = Vec::with_capacity(inputs.len());
        for x in inputs {
            match self.0.forward_recorded(std::slice::from_ref(x))? {
                Ok(step) => steps.push(step),
                Err(e) => return Some(Err(e)),
            }
        }
        let pooled: Vec<Tensor> = steps.iter().map(|s| s.output.clone()).collect();
        let widths = pooled.iter().map(|p| p.dim(1)).collect::<candle_core::Result<Vec<_>>>();
        let output = Tensor::cat(&pooled, 1);
        Some(widths.and_then(|widths| {
            let steps = steps.into_iter().map(|s| s.backward).collect();
            Ok(Recorded { output: output?, backward: Box::new(PooledEach { steps, widths }) })
        }))
    }
}

/// The backward pass of [`PoolEach`]: each input's slice of the gradient
/// through its pool's backward pass.
struct PooledEach {
    steps: Vec<Box<dyn Backward>>,
    widths: Vec<usize>,
}

impl Backward for PooledEach {
    fn backward(
        &self,
        grad: &Tensor,
        wanted: &[bool],
        params: &mut ParamGrads,
    ) -> candle_core::Result<Vec<Option<Tensor>>> {
        let mut start = 0;
        let mut grads = Vec::with_capacity(self.steps.len());
        for (i, (step, &width)) in self.steps.iter().zip(&self.widths).enumerate() {
            let slice = grad.narrow(1, start, width)?.contiguous()?;
            start += width;
            let wanted = wanted.get(i).copied().unwrap_or(false);
            grads.push(step.backward(&slice, &[wanted], params)?.into_iter().next().flatten());
        }
        Ok(grads)
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
/// [`forward_t`](Layer::forward_t) (train or eval mode, gradients flow), each
/// image through all of them in [`infer`](Layer::infer) ([`ConvChainOp`]).
struct ConvChain {
    layers: Vec<Box<dyn Layer>>,
    op: ConvChainOp,
}

impl ConvChain {
    fn new(layers: Vec<Box<dyn Layer>>) -> Self {
        let op = ConvChainOp::new(layers.iter().filter_map(|l| l.conv_link()).collect());
        ConvChain { layers, op }
    }

    /// The layers one after the other, each run by `run`.
    fn one_by_one(
        &self,
        inputs: &[Tensor],
        run: impl Fn(&dyn Layer, &[Tensor]) -> candle_core::Result<Tensor>,
    ) -> candle_core::Result<Tensor> {
        let Some((first, rest)) = self.layers.split_first() else {
            candle_core::bail!("internal: an empty conv chain")
        };
        let mut y = run(first.as_ref(), inputs)?;
        for layer in rest {
            y = run(layer.as_ref(), std::slice::from_ref(&y))?;
        }
        Ok(y)
    }
}

impl Layer for ConvChain {
    fn forward_t(&self, inputs: &[Tensor], train: bool) -> candle_core::Result<Tensor> {
        self.one_by_one(inputs, |layer, x| layer.forward_t(x, train))
    }

    fn infer(&self, inputs: &[Tensor]) -> candle_core::Result<Tensor> {
        if let [x] = inputs
            && let Some(y) = self.op.apply(x)?
        {
            return Ok(y);
        }
        self.one_by_one(inputs, |layer, x| layer.infer(x))
    }

    fn forward_recorded(&self, inputs: &[Tensor]) -> Option<candle_core::Result<Recorded>> {
        let mut steps: Vec<Box<dyn Backward>> = Vec::with_capacity(self.layers.len());
        let mut y = inputs.to_vec();
        for layer in &self.layers {
            match layer.forward_recorded(&y)? {
                Ok(step) => {
                    y = vec![step.output];
                    steps.push(step.backward);
                }
                Err(e) => return Some(Err(e)),
            }
        }
        let output = y.pop()?;
        Some(Ok(Recorded { output, backward: Box::new(Chained(steps)) }))
    }
}

/// The backward pass of a [`ConvChain`]: its layers' in reverse order.
struct Chained(Vec<Box<dyn Backward>>);

impl Backward for Chained {
    fn backward(
        &self,
        grad: &Tensor,
        wanted: &[bool],
        params: &mut ParamGrads,
    ) -> candle_core::Result<Vec<Option<Tensor>>> {
        let mut grad = Some(grad.clone());
        for (i, step) in self.0.iter().enumerate().rev() {
            let Some(g) = grad.take() else { break };
            let want = if i == 0 { wanted.first().copied().unwrap_or(false) } else { true };
            grad = step.backward(&g, &[want], params)?.into_iter().next().flatten();
        }
        Ok(vec![grad])
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

    fn forward_recorded(&self, inputs: &[Tensor]) -> Option<candle_core::Result<Recorded>> {
        let [x] = inputs else { return None };
        Some(Ok(Recorded { output: x.clone(), backward: Box::new(PassThrough) }))
    }
}

impl Backward for PassThrough {
    fn backward(
        &self,
        grad: &Tensor,
        wanted: &[bool],
        _params: &mut ParamGrads,
    ) -> candle_core::Result<Vec<Option<Tensor>>> {
        Ok(vec![wanted.first().copied().unwrap_or(false).then(|| grad.clone())])
    }
}
