//! Wrapping your own candle layer as an op, and searching over it.
//!
//! ```text
//! cargo run --release --example custom_op
//! cargo run --release --features archspace-candle/cuda --example custom_op -- --device cuda
//! ```
//!
//! A squeeze-and-excitation block (`se`, a layer written here with
//! `candle_nn::Linear`) becomes an op in a few lines: a pure shape/parameter
//! inference closure and a constructor from the module's hyperparameter
//! values and input shapes. A candle-nn layer (`GroupNorm`) is wrapped with
//! `FnOp::probing`, which infers shapes by running it once. Both then appear in
//! a search space next to the built-in ops; three sampled architectures are
//! trained briefly on the embedded Fashion-MNIST subset.

use archspace::{SpaceDef, choice};
use archspace_candle::ops::{self, FnOp, OpInfo, Registry, Single};
use archspace_candle::train::{self, Budget, TrainConfig};
use archspace_candle::{BackendError, DeviceSpec, Init, Network, NetworkConfig, data};
use candle_core::{Module, Tensor};
use candle_nn::Linear;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Squeeze-and-excitation: rescales channels by a gate computed from their means.
struct SqueezeExcite {
    reduce: Linear,
    expand: Linear,
}

impl Module for SqueezeExcite {
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        let squeezed = x.flatten_from(2)?.mean(2)?; // [N, C]
        let gate = candle_nn::ops::sigmoid(&self.expand.forward(&self.reduce.forward(&squeezed)?.relu()?)?)?;
        x.broadcast_mul(&gate.unsqueeze(2)?.unsqueeze(3)?)
    }
}

/// The `se` op: parameter `ratio` (channel reduction), shape-preserving.
fn se_op() -> FnOp {
    fn sizes(ctx: &archspace_candle::ops::OpContext<'_>) -> Result<(usize, usize, usize, usize), BackendError> {
        let (c, h, w) = ctx.image_input()?;
        let hidden = (c / ctx.positive_or("ratio", 4)?).max(1);
        Ok((c, h, w, hidden))
    }
    FnOp::new(
        |ctx| {
            let (c, h, w, hidden) = sizes(ctx)?;
            let params = 2 * c * hidden + hidden + c;
            Ok(OpInfo { output: vec![c, h, w], params, flops: (2 * 2 * c * hidden + 2 * c * h * w) as u64 })
        },
        |ctx, store| {
            let (c, _, _, hidden) = sizes(ctx)?;
            let w1 = store.trainable(&ctx.param_name("reduce.weight"), &[hidden, c], Init::Uniform { fan_in: c })?;
            let b1 = store.trainable(&ctx.param_name("reduce.bias"), &[hidden], Init::Const(0.0))?;
            let w2 =
                store.trainable(&ctx.param_name("expand.weight"), &[c, hidden], Init::Uniform { fan_in: hidden })?;
            let b2 = store.trainable(&ctx.param_name("expand.bias"), &[c], Init::Const(0.0))?;
            let layer = SqueezeExcite { reduce: Linear::new(w1, Some(b1)), expand: Linear::new(w2, Some(b2)) };
            Ok(Box::new(Single(layer)))
        },
    )
}

/// `group_norm` from candle-nn, wrapped by probing.
fn group_norm_op() -> FnOp {
    FnOp::probing(|ctx, store| {
        let channels = ctx.single_input()?.first().copied().unwrap_or(1);
        let groups = ctx.positive_or("groups", 4)?;
        let weight = store.trainable(&ctx.param_name("weight"), &[channels], Init::Const(1.0))?;
        let bias = store.trainable(&ctx.param_name("bias"), &[channels], Init::Const(0.0))?;
        let norm = candle_nn::GroupNorm::new(weight, bias, channels, groups, 1e-5)
            .map_err(|e| ctx.param_error("groups", e.to_string()))?;
        Ok(Box::new(Single(norm)))
    })
}

fn space() -> SpaceDef {
    SpaceDef::new(|s| {
        let conv = s.basic(ops::conv2d(choice([8, 16]), 3).param("stride", 2))?;
        let norm = s.or(archspace::Alternatives::named()
            .with_named("batch", |s| s.basic(ops::batch_norm()))
            .with_named("group", |s| s.basic(archspace::Op::new("group_norm").param("groups", 4))))?;
        let relu = s.basic(ops::relu())?;
        let se = s.optional(|s| s.basic(archspace::Op::new("se").param("ratio", choice([2, 4]))))?;
        let pool = s.basic(ops::max_pool2d(2))?;
        let flat = s.basic(ops::flatten())?;
        let dense = s.basic(ops::dense(10))?;
        s.sequential(vec![conv, norm, relu, se, pool, flat, dense])
    })
}

/// `--device cpu|cuda[:N]` (the CPU without it).
fn device_from_args() -> Result<DeviceSpec, String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [] => Ok(DeviceSpec::Cpu),
        [flag, value] if flag == "--device" => value.parse().map_err(|e| format!("--device: {e}")),
        _ => Err("usage: custom_op [--device cpu|cuda[:N]]".into()),
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let device = device_from_args()?.open()?;
    let mut registry = Registry::standard();
    registry.register("se", se_op()).register("group_norm", group_norm_op());
    let (train_set, test) = data::fashion_mnist_subset()?;
    let (_, small) = train_set.split_off(2000, 0)?;
    let norm = small.normalization();
    let def = space();
    println!("space: {} architectures", def.count()?);
    for trial in 0..3u64 {
        let arch = def.sample_random(&mut archspace::rng(trial))?;
        let net = Network::build(
            &arch,
            &[1, 28, 28],
            &registry,
            &NetworkConfig { seed: trial, device: device.clone(), ..Default::default() },
        )?;
        for m in &net.report().modules {
            let shape = format!("{:?}", m.output);
            println!("  {:<24} {:<18} {shape:<14} {:>6} params", m.path, m.op, m.params);
        }
        let config = TrainConfig { budget: Budget::Epochs(1), learning_rate: 3e-3, ..Default::default() };
        let report = train::train(&net, &small, None, &norm, &config, &mut |_| {})?;
        let metrics = train::evaluate(&net, &test, &norm, 500)?;
        println!(
            "trial {trial}: {} params, test accuracy {:.1}% after {:.1} s\n",
            net.param_count(),
            100.0 * metrics.accuracy,
            report.seconds
        );
    }
    Ok(())
}

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
