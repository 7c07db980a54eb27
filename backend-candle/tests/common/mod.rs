//! Helpers shared by the integration tests.
#![allow(dead_code)]

use archspace_candle::ops::Registry;
use archspace_candle::{BackendError, Network, NetworkConfig, infer_shapes};
use archspace_core::{Architecture, Op, Space};
use candle_core::{Device, Tensor};

/// An architecture of one op fed by the input; an n-ary op is fed by `n`
/// branches `identity` (add) or `conv2d` with 2, 3, 4… filters (`concat`).
pub fn single_op(op: Op) -> Architecture {
    let n = op.input_names().len();
    let name = op.name().to_owned();
    let mut space = Space::build(move |s| {
        if n == 1 {
            return s.basic(op.clone());
        }
        let stem = s.named("stem").basic(Op::new("identity"))?;
        let target = s.named("op").basic(op.clone())?;
        for i in 0..n {
            let branch = if name == "concat" {
                s.named(format!("branch{i}")).basic(archspace_candle::ops::conv2d(2 + i as i64, 3))?
            } else {
                s.named(format!("branch{i}")).basic(Op::new("identity"))?
            };
            s.connect(stem.output("out")?, branch.input("in")?)?;
            s.connect(branch.output("out")?, target.input(&format!("in{i}"))?)?;
        }
        Ok(s.border_of(&stem, &target))
    })
    .expect("test space builds");
    space.freeze().expect("test space freezes")
}

/// A sequence of ops, each feeding the next.
pub fn chain(ops: Vec<Op>) -> Architecture {
    let mut space = Space::build(move |s| {
        let mut ios = Vec::new();
        for (i, op) in ops.iter().enumerate() {
            ios.push(s.named(format!("m{i}")).basic(op.clone())?);
        }
        for pair in ios.windows(2) {
            s.connect(pair[0].output("out")?, pair[1].input("in")?)?;
        }
        Ok(s.border_of(&ios[0], &ios[ios.len() - 1]))
    })
    .expect("test chain builds");
    space.freeze().expect("test chain freezes")
}

/// Infers shapes, builds and runs `arch` on a random batch of 3; returns
/// (inferred output, actual output dims without batch, parameter count of the report, of the store).
pub fn check_forward(
    arch: &Architecture,
    input: &[usize],
) -> Result<(Vec<usize>, Vec<usize>, usize, usize), BackendError> {
    let registry = Registry::standard();
    let report = infer_shapes(arch, input, &registry)?;
    let net = Network::build(arch, input, &registry, &NetworkConfig { seed: 3, ..NetworkConfig::default() })?;
    let mut dims = vec![3];
    dims.extend_from_slice(input);
    let x = Tensor::randn(0f32, 1.0, dims, &Device::Cpu)?;
    for train in [true, false] {
        let y = net.forward_t(&x, train)?;
        assert_eq!(y.dims()[0], 3);
        assert_eq!(&y.dims()[1..], report.output(), "train = {train}");
    }
    // Every op trains: the backward pass reaches every parameter.
    let loss = net.forward_t(&x, true)?.sqr()?.sum_all()?;
    let grads = loss.backward()?;
    for (name, var) in net.store().trainable_vars() {
        assert!(grads.get(var.as_tensor()).is_some(), "no gradient for `{name}`");
    }
    let y = net.forward_t(&x, false)?;
    Ok((report.output().to_vec(), y.dims()[1..].to_vec(), report.total_params(), net.param_count()))
}
