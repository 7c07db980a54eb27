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
use clap::Parser;
use clap::builder::RangedU64ValueParser;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Training and evaluation images/s of the reference nets.
#[derive(Parser, Debug)]
#[command(version)]
struct Cli {
    /// Nets to measure (comma-separated): net1, seed, seed-largest.
    #[arg(long = "net", alias = "arch", value_delimiter = ',', default_values = ["net1", "seed"], value_parser = net)]
    nets: Vec<ReferenceNet>,
    /// Thread counts (comma-separated), one process each [default: 2,1; on a GPU, all cores].
    #[arg(long, value_delimiter = ',', value_parser = positive())]
    threads: Vec<usize>,
    /// Training steps per window.
    #[arg(long, default_value_t = 4, value_parser = positive())]
    steps: usize,
    /// Windows (the median is printed).
    #[arg(long, default_value_t = 5, value_parser = positive())]
    windows: usize,
    /// Measure candle's own ops instead of this crate's kernels.
    #[arg(long)]
    stock: bool,
    /// Measure both in alternating windows and print the ratio.
    #[arg(long)]
    compare: bool,
    /// The device: cpu, cuda or cuda:N (a GPU needs the `cuda` feature).
    #[arg(long, default_value = "cpu", value_parser = device)]
    device: DeviceSpec,
    /// Batch sizes (comma-separated).
    #[arg(long = "batch", value_delimiter = ',', default_values_t = [Setup::default().batch], value_parser = positive())]
    batches: Vec<usize>,
}

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

/// A positive count.
fn positive() -> RangedU64ValueParser<usize> {
    RangedU64ValueParser::new().range(1..)
}

/// A reference net by name.
fn net(name: &str) -> Result<ReferenceNet, String> {
    ReferenceNet::from_name(name).ok_or_else(|| format!("unknown net `{name}`; expected net1, seed, seed-largest"))
}

/// A device by name.
fn device(name: &str) -> Result<DeviceSpec, String> {
    name.parse().map_err(|e| format!("{e}"))
}

fn parse_args() -> Args {
    let cli = Cli::parse();
    let threads = match (cli.threads.is_empty(), cli.device.is_cuda()) {
        (false, _) => cli.threads,
        // On a GPU the CPU threads only prepare batches: one run, all cores.
        (true, true) => vec![std::thread::available_parallelism().map_or(1, |n| n.get())],
        (true, false) => vec![2, 1],
    };
    let Cli { nets, steps, windows, stock, compare, device, batches, .. } = cli;
    Args { nets, threads, steps, windows, stock, compare, device, batches }
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
    let args = parse_args();
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
