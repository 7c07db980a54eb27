//! Training and eval throughput of the reference nets (`net1`, `seed`) with
//! 1 and 2 threads: this crate's kernels and candle's own ops side by side
//! (alternating windows in one process per thread count), achieved GFLOP/s,
//! and a 1024³ gemm probe measured in the same process.
//!
//! ```text
//! cargo bench -p archspace-candle --bench throughput
//! cargo bench -p archspace-candle --bench throughput -- --steps 6 --windows 7
//! ```
//!
//! GFLOP/s count each convolution's FLOPs as defined (direct), so they are
//! effective rates: 3×3 stride-1 convolutions on the Winograd path do 2.25×
//! fewer multiply-adds, and can beat the gemm probe.
//!
//! Figures on a shared machine are noisy; the ratios in one row are
//! measured side by side and are what to compare. Each row's process runs
//! with `RAYON_NUM_THREADS` and `CANDLE_NUM_THREADS` set to its thread count.

use archspace_candle::throughput::{ReferenceNet, run_child_if_requested, run_isolated};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn flag(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn main() {
    run_child_if_requested();
    let (steps, windows) = (flag("--steps", 4), flag("--windows", 5));
    println!(
        "{:<6} {:>3} | {:>9} {:>9} {:>6} | {:>9} {:>9} {:>6} | {:>11} {:>11} {:>9} {:>6}",
        "net",
        "thr",
        "train",
        "stock",
        "ratio",
        "eval",
        "stock",
        "ratio",
        "train GF/s",
        "eval GF/s",
        "gemm GF/s",
        "train%"
    );
    for net in [ReferenceNet::Net1, ReferenceNet::Seed] {
        for threads in [1, 2] {
            match run_isolated(net, threads, true, steps, windows) {
                Ok(row) => {
                    let (stock_train, stock_eval) = row.stock.unwrap_or((f64::NAN, f64::NAN));
                    let (train_gflops, eval_gflops) = row.ours_gflops();
                    println!(
                        "{:<6} {:>3} | {:>9.1} {:>9.1} {:>5.2}x | {:>9.1} {:>9.1} {:>5.2}x | {:>11.1} {:>11.1} {:>9.1} {:>5.0}%",
                        row.net,
                        row.threads,
                        row.ours.0,
                        stock_train,
                        row.ours.0 / stock_train,
                        row.ours.1,
                        stock_eval,
                        row.ours.1 / stock_eval,
                        train_gflops,
                        eval_gflops,
                        row.gemm_peak,
                        100.0 * train_gflops / row.gemm_peak
                    );
                }
                Err(e) => println!("{:<6} {threads:>3} | error: {e}", net.name()),
            }
        }
    }
    println!("img/s: median of {windows} windows of {steps} training steps (3x as many eval passes), batch 64");
}
