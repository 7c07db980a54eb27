//! One measurement per process: candle sizes its element-wise thread pool
//! once per process (from `CANDLE_NUM_THREADS` / `RAYON_NUM_THREADS`), so a
//! fair 1-thread figure needs a process of its own. [`run_isolated`]
//! starts the current executable again with the thread count in its
//! environment; that process must call [`run_child_if_requested`] first thing.

use serde::{Deserialize, Serialize};

use super::{Bench, ReferenceNet, compare, gemm_peak};
use crate::error::BackendError;
use crate::kernels::Kernels;

const CHILD_VAR: &str = "ARCHSPACE_THROUGHPUT_CHILD";
const MARKER: &str = "archspace-throughput-row ";

/// The figures of one net at one thread count.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// Net name.
    pub net: String,
    /// Threads (rayon pool and candle's element-wise pool).
    pub threads: usize,
    /// Our kernels: training and eval images/s.
    pub ours: (f64, f64),
    /// candle's ops, when measured: training and eval images/s.
    pub stock: Option<(f64, f64)>,
    /// GFLOP/s of a 1024³ gemm on the same threads, measured in the same process.
    pub gemm_peak: f64,
    /// FLOPs of one training image (forward + 2 × forward).
    pub train_flops: f64,
    /// FLOPs of one eval image.
    pub eval_flops: f64,
}

impl Row {
    /// Achieved training and eval GFLOP/s of our kernels, counting the
    /// FLOPs of the convolutions as defined: an effective rate, which can
    /// exceed the gemm probe where a convolution takes the Winograd path
    /// (2.25× fewer multiply-adds for a 3×3 one).
    pub fn ours_gflops(&self) -> (f64, f64) {
        (self.ours.0 * self.train_flops / 1e9, self.ours.1 * self.eval_flops / 1e9)
    }
}

#[derive(Serialize, Deserialize)]
struct Request {
    net: String,
    threads: usize,
    stock: bool,
    steps: usize,
    windows: usize,
}

/// Measures `net` with `threads` threads in a fresh process (our kernels,
/// and candle's ops too with `stock`), windows of `steps` steps, alternating.
pub fn run_isolated(
    net: ReferenceNet,
    threads: usize,
    stock: bool,
    steps: usize,
    windows: usize,
) -> Result<Row, BackendError> {
    let request = Request { net: net.name().into(), threads, stock, steps, windows };
    let io = |source| BackendError::Io { file: "the current executable".into(), source };
    let exe = std::env::current_exe().map_err(io)?;
    let output = std::process::Command::new(exe)
        .env(CHILD_VAR, serde_json::to_string(&request).map_err(|e| BackendError::Config(e.to_string()))?)
        .env("RAYON_NUM_THREADS", threads.to_string())
        .env("CANDLE_NUM_THREADS", threads.to_string())
        .output()
        .map_err(io)?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout.lines().find_map(|l| l.strip_prefix(MARKER)).ok_or_else(|| {
        BackendError::Config(format!(
            "the measuring process gave no result ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    })?;
    serde_json::from_str(line).map_err(|e| BackendError::Config(format!("unreadable measurement: {e}")))
}

/// In a process started by [`run_isolated`]: measures, prints the result
/// for the parent and exits. Elsewhere: returns at once.
pub fn run_child_if_requested() {
    let Ok(request) = std::env::var(CHILD_VAR) else { return };
    let result = serde_json::from_str::<Request>(&request)
        .map_err(|e| BackendError::Config(format!("bad measurement request: {e}")))
        .and_then(measure);
    match result {
        Ok(row) => match serde_json::to_string(&row) {
            Ok(json) => {
                println!("{MARKER}{json}");
                std::process::exit(0)
            }
            Err(e) => eprintln!("{e}"),
        },
        Err(e) => eprintln!("{e}"),
    }
    std::process::exit(1)
}

fn measure(request: Request) -> Result<Row, BackendError> {
    let net = ReferenceNet::from_name(&request.net)
        .ok_or_else(|| BackendError::Config(format!("unknown reference net `{}`", request.net)))?;
    let arch = net.architecture().map_err(|e| BackendError::Architecture(e.to_string()))?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(request.threads)
        .build()
        .map_err(|e| BackendError::Config(e.to_string()))?;
    pool.install(|| {
        let mut benches = vec![Bench::new(&arch, Kernels::Native, 64)?];
        if request.stock {
            benches.push(Bench::new(&arch, Kernels::Candle, 64)?);
        }
        let peak = gemm_peak(1024, 5);
        let figures = compare(&mut benches, request.steps, request.windows)?;
        Ok(Row {
            net: request.net.clone(),
            threads: request.threads,
            ours: (figures[0].train, figures[0].eval),
            stock: figures.get(1).map(|t| (t.train, t.eval)),
            gemm_peak: peak.max(gemm_peak(1024, 5)),
            train_flops: benches[0].train_flops_per_image(),
            eval_flops: benches[0].eval_flops_per_image(),
        })
    })
}
