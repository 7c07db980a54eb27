//! Training and evaluation throughput (images/s) of the candle backend at
//! batch 64, for the reference nets of `../shared/bench/torch_reference.py`
//! (`net1`, `seed`, and `seed-largest`, the seed space's largest chains).
//!
//! ```text
//! cargo run --release --example train_bench                            # net1 and seed, 2 and 1 threads
//! cargo run --release --example train_bench -- --net net1 --threads 2
//! cargo run --release --example train_bench -- --net seed --threads 1 --stock
//! cargo run --release --example train_bench -- --net net1 --compare   # ours and stock, side by side
//! cargo run --release --features cuda --example train_bench -- --device cuda --batch 64,256 --steps 50
//! ```
//!
//! `--device cpu|cuda[:N]` picks the device (a GPU needs the `cuda`
//! feature; there the layers run candle's ops and `--stock` adds nothing),
//! `--batch` the batch sizes (64 by default, a comma list for several).
//!
//! Each (net, threads) pair runs in a fresh process (candle sizes its
//! element-wise thread pool once per process) and prints a header and the
//! lines `train img/s: <n>` and `eval img/s: <n>`: this crate's kernels, or
//! candle's own ops with `--stock`. `--compare` measures both in alternating
//! windows of the same process and also prints the stock figures and the
//! ratio. A training step is forward, cross-entropy, backward and AdamW on
//! fixed random batches; eval is forward and argmax. `cargo bench -p
//! archspace-candle --bench throughput` prints the full table with GFLOP/s.

use archspace_candle::DeviceSpec;
use archspace_candle::throughput::{ReferenceNet, Row, Setup, run_child_if_requested, run_isolated_on};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

struct Args {
    nets: Vec<ReferenceNet>,
    threads: Vec<usize>,
    steps: usize,
    windows: usize,
    stock: bool,
    compare: bool,
    device: DeviceSpec,
    batches: Vec<usize>,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        nets: vec![ReferenceNet::Net1, ReferenceNet::Seed],
        threads: vec![2, 1],
        steps: 4,
        windows: 5,
        stock: false,
        compare: false,
        device: DeviceSpec::Cpu,
        batches: vec![Setup::default().batch],
    };
    let mut threads_given = false;
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        match flag.as_str() {
            "--stock" => {
                a.stock = true;
                continue;
            }
            "--compare" => {
                a.compare = true;
                continue;
            }
            _ => {}
        }
        let v = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = |v: &str| v.parse::<usize>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--net" | "--arch" => {
                a.nets = v
                    .split(',')
                    .map(|n| {
                        ReferenceNet::from_name(n)
                            .ok_or_else(|| format!("unknown net `{n}`; expected net1, seed, seed-largest"))
                    })
                    .collect::<Result<_, _>>()?
            }
            "--threads" => {
                a.threads = v.split(',').map(number).collect::<Result<_, _>>()?;
                threads_given = true;
            }
            "--device" => a.device = v.parse().map_err(|e| format!("--device: {e}"))?,
            "--batch" => a.batches = v.split(',').map(number).collect::<Result<_, _>>()?,
            "--steps" => a.steps = number(&v)?,
            "--windows" => a.windows = number(&v)?,
            other => {
                return Err(format!(
                    "unknown flag `{other}`; expected --net, --threads, --steps, --windows, --stock, --compare, \
                     --device, --batch"
                ));
            }
        }
    }
    if a.threads.contains(&0) || a.steps == 0 || a.batches.contains(&0) {
        return Err("--threads, --steps and --batch must be positive".into());
    }
    if a.device.is_cuda() && !threads_given {
        // On a GPU the CPU threads only prepare batches: one run, all cores.
        a.threads = vec![std::thread::available_parallelism().map_or(1, |n| n.get())];
    }
    Ok(a)
}

fn print(row: &Row, args: &Args) {
    let kernels = match (args.stock, row.device) {
        (_, DeviceSpec::Cuda(_)) => "candle ops",
        (true, _) => "stock candle ops",
        (false, _) => "archspace kernels",
    };
    let (train, eval) = match (args.stock, row.stock) {
        (true, Some(stock)) => stock,
        _ => row.ours,
    };
    println!("{} threads={} batch={} device={} {kernels}", row.net, row.threads, row.batch, row.device);
    println!("train img/s: {train:.1}");
    println!("eval img/s: {eval:.1}");
    if let (true, Some((stock_train, stock_eval))) = (args.compare, row.stock) {
        println!("stock train img/s: {stock_train:.1}  (ours {:.2}x)", row.ours.0 / stock_train);
        println!("stock eval img/s: {stock_eval:.1}  (ours {:.2}x)", row.ours.1 / stock_eval);
    }
}

fn main() {
    run_child_if_requested();
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    for &net in &args.nets {
        for &batch in &args.batches {
            for &threads in &args.threads {
                // The child always measures ours; with --stock or --compare it measures candle's ops too.
                let setup = Setup { device: args.device, batch };
                match run_isolated_on(net, threads, args.stock || args.compare, args.steps, args.windows, setup) {
                    Ok(row) => print(&row, &args),
                    Err(e) => {
                        eprintln!("error: {e}");
                        std::process::exit(1);
                    }
                }
            }
        }
    }
}
