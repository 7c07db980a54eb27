//! Training and evaluation throughput (images/s) of the candle backend at
//! batch 64, for the reference nets of `../shared/bench/torch_reference.py`
//! (`net1`, `seed`, and `seed-largest`, the seed space's largest chains).
//!
//! ```text
//! cargo run --release --example train_bench                            # net1 and seed, 2 and 1 threads
//! cargo run --release --example train_bench -- --net net1 --threads 2
//! cargo run --release --example train_bench -- --net seed --threads 1 --stock
//! cargo run --release --example train_bench -- --net net1 --compare   # ours and stock, side by side
//! ```
//!
//! Each (net, threads) pair runs in a fresh process (candle sizes its
//! element-wise thread pool once per process) and prints a header and the
//! lines `train img/s: <n>` and `eval img/s: <n>`: this crate's kernels, or
//! candle's own ops with `--stock`. `--compare` measures both in alternating
//! windows of the same process and also prints the stock figures and the
//! ratio. A training step is forward, cross-entropy, backward and AdamW on
//! fixed random batches; eval is forward and argmax. `cargo bench -p
//! archspace-candle --bench throughput` prints the full table with GFLOP/s.

use archspace_candle::throughput::{ReferenceNet, Row, run_child_if_requested, run_isolated};
use clap::Parser;
use clap::builder::RangedU64ValueParser;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Training and evaluation images/s of the reference nets at batch 64.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// Nets to measure (comma-separated): net1, seed, seed-largest.
    #[arg(long = "net", alias = "arch", value_delimiter = ',', default_values = ["net1", "seed"], value_parser = net)]
    nets: Vec<ReferenceNet>,
    /// Thread counts (comma-separated), one process each.
    #[arg(long, value_delimiter = ',', default_values_t = [2, 1], value_parser = RangedU64ValueParser::<usize>::new().range(1..))]
    threads: Vec<usize>,
    /// Training steps per window.
    #[arg(long, default_value_t = 4, value_parser = RangedU64ValueParser::<usize>::new().range(1..))]
    steps: usize,
    /// Windows (the median is printed).
    #[arg(long, default_value_t = 5, value_parser = RangedU64ValueParser::<usize>::new().range(1..))]
    windows: usize,
    /// Measure candle's own ops instead of this crate's kernels.
    #[arg(long)]
    stock: bool,
    /// Measure both in alternating windows and print the ratio.
    #[arg(long)]
    compare: bool,
}

/// A reference net by name.
fn net(name: &str) -> Result<ReferenceNet, String> {
    ReferenceNet::from_name(name).ok_or_else(|| format!("unknown net `{name}`; expected net1, seed, seed-largest"))
}

fn print(row: &Row, args: &Args) {
    let kernels = if args.stock { "stock candle ops" } else { "archspace kernels" };
    let (train, eval) = if args.stock { row.stock.unwrap_or((f64::NAN, f64::NAN)) } else { row.ours };
    println!("{} threads={} {kernels}", row.net, row.threads);
    println!("train img/s: {train:.1}");
    println!("eval img/s: {eval:.1}");
    if let (true, Some((stock_train, stock_eval))) = (args.compare, row.stock) {
        println!("stock train img/s: {stock_train:.1}  (ours {:.2}x)", row.ours.0 / stock_train);
        println!("stock eval img/s: {stock_eval:.1}  (ours {:.2}x)", row.ours.1 / stock_eval);
    }
}

fn main() {
    run_child_if_requested();
    let args = Args::parse();
    for &net in &args.nets {
        for &threads in &args.threads {
            // The child always measures ours; with --stock or --compare it measures candle's ops too.
            match run_isolated(net, threads, args.stock || args.compare, args.steps, args.windows) {
                Ok(row) => print(&row, &args),
                Err(e) => {
                    eprintln!("error: {e}");
                    std::process::exit(1);
                }
            }
        }
    }
}
