//! One measurement per process: candle sizes its element-wise thread pool
//! once per process (from `CANDLE_NUM_THREADS` / `RAYON_NUM_THREADS`), so a
//! fair 1-thread figure needs a process of its own. [`run_isolated`]
//! starts the current executable again with the thread count in its
//! environment; that process must call [`run_child_if_requested`] first thing.

use serde::{Deserialize, Serialize};

use super::{Bench, ReferenceNet, compare, gemm_peak};
use crate::device::DeviceSpec;
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
    /// Where it ran (`cpu`, `cuda:0`).
    #[serde(default)]
    pub device: DeviceSpec,
    /// Images per batch.
    #[serde(default = "default_batch")]
    pub batch: usize,
}

fn default_batch() -> usize {
    Setup::default().batch
}

/// Where, and at which batch size, a measurement runs.
///
/// ```
/// use archspace_candle::throughput::Setup;
/// assert_eq!(Setup::default().batch, 64);
/// assert!(Setup::default().device == archspace_candle::DeviceSpec::Cpu);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Setup {
    /// The device (`--device` of `train_bench`).
    pub device: DeviceSpec,
    /// Images per batch, training and eval (`--batch`).
    pub batch: usize,
}

impl Default for Setup {
    fn default() -> Self {
        Setup { device: DeviceSpec::Cpu, batch: 64 }
    }
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
    #[serde(default)]
    setup: Setup,
}

/// Measures `net` with `threads` threads in a fresh process (our kernels,
/// and candle's ops too with `stock`), windows of `steps` steps, alternating;
/// batch 64 on the CPU.
pub fn run_isolated(
    net: ReferenceNet,
    threads: usize,
    stock: bool,
    steps: usize,
    windows: usize,
) -> Result<Row, BackendError> {
    run_isolated_on(net, threads, stock, steps, windows, Setup::default())
}

/// [`run_isolated`] on `setup`'s device and batch size. On a GPU the network runs candle's ops either way,
/// so `stock` measures nothing more there and the gemm probe (a CPU
/// figure) is 0.
pub fn run_isolated_on(
    net: ReferenceNet,
    threads: usize,
    stock: bool,
    steps: usize,
    windows: usize,
    setup: Setup,
) -> Result<Row, BackendError> {
    let request = Request { net: net.name().into(), threads, stock, steps, windows, setup };
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
    let Setup { device: spec, batch } = request.setup;
    if batch == 0 {
        return Err(BackendError::Config("the batch size must be at least 1".into()));
    }
    let device = spec.open()?;
    pool.install(|| {
        let mut benches = vec![Bench::on(&arch, Kernels::Native, batch, &device)?];
        if request.stock && device.is_cpu() {
            benches.push(Bench::on(&arch, Kernels::Candle, batch, &device)?);
        }
        let probe = || if device.is_cpu() { gemm_peak(1024, 5) } else { 0.0 };
        let peak = probe();
        let figures = compare(&mut benches, request.steps, request.windows)?;
        Ok(Row {
            net: request.net.clone(),
            threads: request.threads,
            ours: (figures[0].train, figures[0].eval),
            stock: figures.get(1).map(|t| (t.train, t.eval)),
            gemm_peak: peak.max(probe()),
            train_flops: benches[0].train_flops_per_image(),
            eval_flops: benches[0].eval_flops_per_image(),
            device: spec,
            batch,
        })
    })
}
