//! Training and evaluation throughput (images/s) of the candle backend at
//! batch 64, with 1 and 2 threads, for the nets of
//! `../shared/bench/torch_reference.py`.
//!
//! ```text
//! cargo run --release --example train_bench                       # all nets, 1 and 2 threads
//! cargo run --release --example train_bench -- --net net1 --threads 2 --steps 20
//! cargo run --release --example train_bench -- --net seed --threads 1 --stock
//! ```
//!
//! Each (net, threads) pair prints a header and the lines `train img/s: <n>`
//! and `eval img/s: <n>`. `--stock` builds the network with candle's own ops
//! only ([`Kernels::Candle`]) instead of this crate's CPU kernels.
//!
//! Nets (input 1×28×28, 10 classes):
//! - `net1`: the ~110k-parameter net with batch norm, two parallel branches
//!   (plain and dilated conv) and a concat, pooling and a two-layer classifier;
//! - `seed`: the seed-space architecture of the torch reference (stem conv 64,
//!   chains of 2 and 4 convs of 64 filters with ReLU, concat, global pool, dense);
//! - `seed-largest`: the seed space's largest chains (4 and 8 convs of 64 filters).
//!
//! Training step: forward, cross-entropy, backward, AdamW (lr 1e-3, weight
//! decay 0.01), on a pool of 8 fixed random batches made beforehand. Eval:
//! forward in eval mode and argmax. Each figure is the median over windows.

use std::time::Instant;

use archspace::{Architecture, Io, Space, SpecError};
use archspace_candle::ops::{self, Registry};
use archspace_candle::train::{Adam, Optimizer};
use archspace_candle::{Kernels, Network, NetworkConfig};
use candle_core::{D, Device, Tensor};
use rand::{Rng, SeedableRng};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn seq(s: &mut Space, ops: Vec<archspace::Op>) -> Result<Io, SpecError> {
    let parts = ops.into_iter().map(|op| s.basic(op)).collect::<Result<Vec<_>, _>>()?;
    s.sequential(parts)
}

fn net1() -> Result<Architecture, SpecError> {
    Space::build(|s| {
        let stem = s.in_scope("c1", |s| seq(s, vec![ops::conv2d(16, 3), ops::batch_norm(), ops::relu()]))?;
        let a = s.named("c2a").basic(ops::conv2d(24, 3))?;
        let b = s.named("c2b").basic(ops::conv2d(24, 3).param("dilation", 2))?;
        let cat = s.named("cat").basic(ops::concat(2))?;
        for (branch, port) in [(&a, "in0"), (&b, "in1")] {
            s.connect(stem.output("out")?, branch.input("in")?)?;
            s.connect(branch.output("out")?, cat.input(port)?)?;
        }
        let rest = s.in_scope("rest", |s| {
            seq(
                s,
                vec![
                    ops::batch_norm(),
                    ops::relu(),
                    ops::max_pool2d(2),
                    ops::conv2d(64, 3),
                    ops::batch_norm(),
                    ops::relu(),
                    ops::avg_pool2d(2),
                    ops::conv2d(64, 3),
                    ops::relu(),
                    ops::max_pool2d(2),
                    ops::flatten(),
                    ops::dropout(0.25),
                    ops::dense(64),
                    ops::relu(),
                    ops::dropout(0.1),
                    ops::dense(10),
                ],
            )
        })?;
        s.connect(cat.output("out")?, rest.input("in")?)?;
        Ok(s.border_of(&stem, &rest))
    })?
    .freeze()
}

fn seed(left: usize, right: usize) -> Result<Architecture, SpecError> {
    let chain = |n: usize| (0..n).flat_map(|_| [ops::conv2d(64, 3), ops::relu()]).collect::<Vec<_>>();
    Space::build(|s| {
        let stem = s.in_scope("stem", |s| seq(s, vec![ops::conv2d(64, 3), ops::relu()]))?;
        let l = s.in_scope("left", |s| seq(s, chain(left)))?;
        let r = s.in_scope("right", |s| seq(s, chain(right)))?;
        let cat = s.named("cat").basic(ops::concat(2))?;
        for (branch, port) in [(&l, "in0"), (&r, "in1")] {
            s.connect(stem.output("out")?, branch.input("in")?)?;
            s.connect(branch.output("out")?, cat.input(port)?)?;
        }
        let head = s.in_scope("head", |s| seq(s, vec![ops::global_avg_pool(), ops::dense(10)]))?;
        s.connect(cat.output("out")?, head.input("in")?)?;
        Ok(s.border_of(&stem, &head))
    })?
    .freeze()
}

struct Args {
    archs: Vec<String>,
    threads: Vec<usize>,
    steps: usize,
    windows: usize,
    kernels: Kernels,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        archs: vec!["net1".into(), "seed".into(), "seed-largest".into()],
        threads: vec![1, 2],
        steps: 4,
        windows: 3,
        kernels: Kernels::Native,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "--stock" {
            a.kernels = Kernels::Candle;
            continue;
        }
        let v = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let list = |v: &str| {
            v.split(',').map(|x| x.parse::<usize>().map_err(|e| format!("{flag}: {e}"))).collect::<Result<Vec<_>, _>>()
        };
        match flag.as_str() {
            "--net" | "--arch" => a.archs = v.split(',').map(str::to_owned).collect(),
            "--threads" => a.threads = list(&v)?,
            "--steps" => a.steps = v.parse().map_err(|e| format!("--steps: {e}"))?,
            "--windows" => a.windows = v.parse().map_err(|e| format!("--windows: {e}"))?,
            other => {
                return Err(format!("unknown flag `{other}`; expected --net, --threads, --steps, --windows, --stock"));
            }
        }
    }
    Ok(a)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn bench(name: &str, arch: &Architecture, threads: usize, args: &Args) -> Result<(), Box<dyn std::error::Error>> {
    let net = Network::build(
        arch,
        &[1, 28, 28],
        &Registry::standard(),
        &NetworkConfig { classes: Some(10), kernels: args.kernels, ..Default::default() },
    )?;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let batches = (0..8)
        .map(|_| {
            let x: Vec<f32> = (0..64 * 784).map(|_| rng.random_range(-1.0..1.0)).collect();
            let y: Vec<u32> = (0..64).map(|_| rng.random_range(0..10)).collect();
            Ok((Tensor::from_vec(x, (64, 1, 28, 28), &Device::Cpu)?, Tensor::from_vec(y, 64, &Device::Cpu)?))
        })
        .collect::<candle_core::Result<Vec<_>>>()?;
    let vars = net.store().trainable_vars().iter().map(|(_, v)| v.clone()).collect();
    let mut opt = Adam::new(vars, (0.9, 0.999), 1e-8, 0.01, true);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build()?;
    let mut it = 0usize;
    let (train, eval) = pool.install(|| -> candle_core::Result<(f64, f64)> {
        let mut train_step = || -> candle_core::Result<()> {
            let (x, y) = &batches[it % batches.len()];
            it += 1;
            let loss = candle_nn::loss::cross_entropy(&net.forward_t(x, true)?, y)?;
            let grads = loss.backward()?;
            let g: Vec<_> = opt.vars().iter().map(|v| grads.get(v.as_tensor()).cloned()).collect();
            opt.step(&g, 1e-3)
        };
        let mut rates = Vec::new();
        train_step()?;
        for _ in 0..args.windows {
            let t = Instant::now();
            for _ in 0..args.steps {
                train_step()?;
            }
            rates.push((args.steps * 64) as f64 / t.elapsed().as_secs_f64());
        }
        let train = median(rates);
        let eval_step =
            |i: usize| -> candle_core::Result<Tensor> { net.forward_t(&batches[i % 8].0, false)?.argmax(D::Minus1) };
        eval_step(0)?;
        let mut rates = Vec::new();
        for _ in 0..args.windows {
            let t = Instant::now();
            for i in 0..args.steps * 3 {
                eval_step(i)?;
            }
            rates.push((args.steps * 3 * 64) as f64 / t.elapsed().as_secs_f64());
        }
        Ok((train, median(rates)))
    })?;
    let kernels = if args.kernels == Kernels::Candle { "stock candle ops" } else { "archspace kernels" };
    println!(
        "{name} threads={threads} {kernels} params={} MFLOPs/img={:.1}",
        net.param_count(),
        net.report().total_flops() as f64 / 1e6
    );
    println!("train img/s: {train:.1}");
    println!("eval img/s: {eval:.1}");
    Ok(())
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    for name in &args.archs {
        let arch = match name.as_str() {
            "net1" => net1(),
            "seed" => seed(2, 4),
            "seed-largest" => seed(4, 8),
            other => {
                eprintln!("unknown arch `{other}`; expected net1, seed, seed-largest");
                std::process::exit(2);
            }
        };
        for &threads in &args.threads {
            if let Err(e) = arch
                .as_ref()
                .map_err(|e| e.to_string())
                .and_then(|a| bench(name, a, threads, &args).map_err(|e| e.to_string()))
            {
                eprintln!("error: {e}");
                std::process::exit(1);
            }
        }
    }
}
