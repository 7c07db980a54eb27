//! A real architecture search on real data, in a few minutes on a laptop CPU.
//!
//! ```text
//! cargo run --release --example quickstart
//! cargo run --release --example quickstart -- --trials 16 --threads 2 --epochs 2
//! cargo run --release --example quickstart -- --full          # the full Fashion-MNIST (apt-get install dataset-fashion-mnist)
//! cargo run --release --example quickstart -- --data DIR      # any directory with the four (Fashion-)MNIST IDX files
//! cargo run --release --example quickstart -- --retry-failed  # resume, evaluating the log's failed trials again
//! cargo run --release --features archspace-candle/cuda --example quickstart -- --device cuda:0,cuda:1
//! cargo run --release --example quickstart -- --store runs/fashion.jsonl     # the search log at a path of your own
//! cargo run --release --example quickstart -- --store postgres://…           # coordinator of a search in PostgreSQL
//! cargo run --release --example quickstart -- --store postgres://… --worker  # a worker of it (as many as you like)
//! ```
//!
//! `--device` takes `cpu` (the default), `cuda`, `cuda:N` or a comma list of
//! GPUs: each trial takes a device from a pool and gives it back when it
//! ends, one trial per GPU at a time (`--trials-per-device` for more), and
//! as many trials run at once as the GPUs have slots unless `--threads`
//! says otherwise.
//!
//! With a `postgres://` store (`archspace::search::postgres`, cargo feature
//! `postgres`), the command without `--worker` coordinates the search (it
//! keeps `--threads` trials in flight) and the ones with `--worker` train
//! them, on this machine or others; give every one the same data flags
//! (the search's name in the store, unless the URL's `?search=` sets one,
//! carries them, as the log's name does).
//!
//! The space is written in the DSL (`#[search_space]`): a small conv net
//! with a stem, a first pooling, a stage of 1 or 2 cells (plain conv,
//! separable conv or a residual conv block, the stage's width shared by its
//! cells), a reduction (max pool or factorized reduce), a second conv, and a
//! head (global pool or flatten, optional dropout, dense), plus the learning
//! rate as a global hyperparameter that the trainer reads.
//!
//! The search runs on the core driver (`archspace::search::run`) with random
//! search: each trial is seeded from (seed, trial index), trained on a
//! training split and evaluated on a validation split (which ranks them) and
//! on the test set, several at once. The search log (JSON lines; a rerun with
//! the same flags resumes from it), the best architecture (JSON, and its
//! graph as DOT and SVG) and plots of the search (PNG and SVG: best so far,
//! every trial, Pareto fronts against parameters and FLOPs, per-decision
//! marginals) are written to `--out` (default `target/quickstart`).

use std::path::PathBuf;
use std::time::Instant;

use archspace::search::plot::{SearchTrace, plot_search};
use archspace::search::postgres::{PostgresStore, QueueSettings, SpaceIdentity, WorkerConfig, work};
use archspace::search::{
    EvalError, EventSink, Metrics, Objective, RandomSearcher, SearchConfig, SearchReport, StoreLocation, Trial,
    TrialRecord, TrialStatus, coordinate, evaluator, run as run_search,
};
use archspace::{Architecture, Op, Param, search_space};
use archspace_candle::data::{self, Dataset, Normalization};
use archspace_candle::ops::{self, Registry};
use archspace_candle::train::{self, Budget, OptimizerKind, TrainConfig};
use archspace_candle::{BackendError, DevicePool, DeviceSpec, Network, NetworkConfig};
use candle_core::Device;
use clap::Parser;
use clap::builder::RangedU64ValueParser;
use comfy_table::{CellAlignment, Table, presets};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A 3×3 convolution without bias (a batch norm follows it).
fn conv3x3(filters: impl Into<Param>) -> Op {
    ops::conv2d(filters, 3).param("bias", false)
}

/// A 3×3 separable convolution without bias.
fn separable3x3(filters: impl Into<Param>) -> Op {
    ops::separable_conv2d(filters, 3).param("bias", false)
}

/// A 3×3 average pool with stride 2 and `same` padding.
fn avg_pool3_stride2() -> Op {
    ops::avg_pool2d(3).param("stride", 2).param("padding", "same")
}

/// A 3×3 max pool with stride 2 and padding 1.
fn max_pool3_stride2() -> Op {
    ops::max_pool2d(3).param("stride", 2).param("padding", 1)
}

/// conv → batch norm → ReLU.
#[search_space]
fn conv_bn_relu(filters: Param) -> Space {
    let block = sequential(|| conv3x3(filters), || ops::batch_norm(), || ops::relu());
    expose!(block.in -> block.out)
}

/// A cell of the first stage: a plain, a separable or a residual conv block.
#[search_space]
fn cell(width: Param) -> Space {
    let block = or(
        || conv_bn_relu(width),
        || sequential(|| separable3x3(width), || ops::batch_norm(), || ops::relu()),
        || residual(|| conv_bn_relu(width), || identity(), || ops::add(2)),
    );
    expose!(block.in -> block.out)
}

/// The search space.
#[search_space]
fn conv_net() -> Space {
    let learning_rate = global([1e-3, 3e-3]);
    let width1 = shared([16, 32]);
    let width2 = shared([32, 64]);
    let stem = conv_bn_relu(choice([8, 16]));
    let pool1 = or(|| ops::max_pool2d(2), || avg_pool3_stride2());
    let stage1 = repeat(choice([1, 2]), || cell(width1));
    let reduce = or(|| max_pool3_stride2(), || ops::factorized_reduce(width2));
    let stage2 = conv_bn_relu(width2);
    let head_pool = or(|| ops::global_avg_pool(), || ops::flatten());
    let head_dropout = optional(|| ops::dropout(0.3));
    let classifier = ops::dense(10);
    connect!(stem.out -> pool1.in);
    connect!(pool1.out -> stage1.in);
    connect!(stage1.out -> reduce.in);
    connect!(reduce.out -> stage2.in);
    connect!(stage2.out -> head_pool.in);
    connect!(head_pool.out -> head_dropout.in);
    connect!(head_dropout.out -> classifier.in);
    expose!(stem.in -> classifier.out)
}

/// A positive count.
fn positive() -> RangedU64ValueParser<usize> {
    RangedU64ValueParser::new().range(1..)
}

/// A real architecture search on the embedded Fashion-MNIST subset: random
/// search over a small conv-net space, trials trained in parallel, a
/// leaderboard, the best architecture and plots.
#[derive(Parser, Debug)]
#[command(version)]
struct Cli {
    /// Architectures to train and evaluate.
    #[arg(long, default_value_t = 8, value_parser = positive())]
    trials: usize,
    /// Trials trained at once (and threads of the pool) [default: 2; on GPUs, their slots].
    #[arg(long, value_parser = positive())]
    threads: Option<usize>,
    /// Training epochs per trial.
    #[arg(long, default_value_t = 2, value_parser = positive())]
    epochs: usize,
    /// Master seed: the searcher's and each trial's (from seed and trial index).
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Use the full Fashion-MNIST of Debian's `dataset-fashion-mnist` package.
    #[arg(long, conflicts_with = "data")]
    full: bool,
    /// Any directory with the four (Fashion-)MNIST IDX files (gzipped or raw).
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// Training images held out to rank the trials.
    #[arg(long, default_value_t = 1000, value_parser = positive())]
    validation: usize,
    /// Where the search log, the best architecture and the plots go.
    #[arg(long, value_name = "DIR", default_value = "target/quickstart")]
    out: PathBuf,
    /// Resume, evaluating the log's failed trials again.
    #[arg(long)]
    retry_failed: bool,
    /// `cpu`, `cuda`, `cuda:N` or a comma list of GPUs (a GPU needs the `cuda` feature).
    #[arg(long = "device", value_name = "DEVICES", default_value = "cpu", value_parser = devices)]
    devices: ::std::vec::Vec<DeviceSpec>, // one value, a list (the full path keeps clap from repeating the flag)
    /// Trials at once per GPU.
    #[arg(long, default_value_t = 1, value_parser = positive())]
    trials_per_device: usize,
    /// Where the trials are recorded: a JSON-lines log path, or a
    /// `postgres://` URL (a search shared by a coordinator and workers).
    #[arg(long, value_name = "LOG|postgres://…")]
    store: Option<StoreLocation>,
    /// Train the trials of a search in PostgreSQL (needs `--store postgres://…`).
    #[arg(long)]
    worker: bool,
}

/// A device list (`cpu`, or GPUs), not mixing the CPU with GPUs.
fn devices(text: &str) -> Result<Vec<DeviceSpec>, String> {
    let list = DeviceSpec::parse_list(text).map_err(|e| e.to_string())?;
    if list.contains(&DeviceSpec::Cpu) && list.len() > 1 {
        return Err("the CPU and GPUs are not mixed in one search".into());
    }
    Ok(list)
}

struct Args {
    trials: usize,
    threads: usize,
    epochs: usize,
    seed: u64,
    data: Option<PathBuf>,
    validation: usize,
    out: PathBuf,
    retry_failed: bool,
    devices: Vec<DeviceSpec>,
    trials_per_device: usize,
    store: Option<StoreLocation>,
    worker: bool,
}

fn parse_args() -> Args {
    let cli = Cli::parse();
    if cli.worker && !matches!(cli.store, Some(StoreLocation::Postgres(_))) {
        <Cli as clap::CommandFactory>::command()
            .error(
                clap::error::ErrorKind::MissingRequiredArgument,
                "--worker needs --store postgres://…: workers share a search through PostgreSQL",
            )
            .exit();
    }
    let devices = cli.devices;
    let threads = match (cli.threads, devices[0].is_cuda()) {
        (Some(threads), _) => threads,
        (None, true) => devices.len() * cli.trials_per_device,
        (None, false) => 2,
    };
    Args {
        trials: cli.trials,
        threads,
        epochs: cli.epochs,
        seed: cli.seed,
        data: if cli.full { Some(data::DEBIAN_DIR.into()) } else { cli.data },
        validation: cli.validation,
        out: cli.out,
        retry_failed: cli.retry_failed,
        devices,
        trials_per_device: cli.trials_per_device,
        store: cli.store,
        worker: cli.worker,
    }
}

struct Data {
    train: Dataset,
    validation: Dataset,
    test: Dataset,
    norm: Normalization,
}

/// Trains and evaluates one architecture: the evaluator the search driver calls.
fn evaluate_trial(
    trial: &Trial,
    arch: &Architecture,
    args: &Args,
    d: &Data,
    bar: &ProgressBar,
    device: &Device,
) -> Result<Metrics, BackendError> {
    let learning_rate = arch.global("hyperparameters/learning_rate").and_then(|v| v.as_float()).unwrap_or(1e-3);
    let config =
        NetworkConfig { seed: trial.seed, classes: Some(10), device: device.clone(), ..NetworkConfig::default() };
    let net = Network::build(arch, &d.train.shape, &Registry::standard(), &config)?;
    let train_config = TrainConfig {
        budget: Budget::Epochs(args.epochs),
        optimizer: OptimizerKind::AdamW,
        learning_rate,
        seed: trial.seed,
        ..TrainConfig::default()
    };
    bar.set_length((args.epochs * d.train.len()) as u64);
    let id = trial.id;
    let report = train::train(&net, &d.train, Some(&d.validation), &d.norm, &train_config, &mut |p| {
        bar.set_position(p.images as u64);
        bar.set_message(format!("trial {id:>2} epoch {} loss {:.3}", p.epoch + 1, p.loss));
    })?;
    let validation = report.epochs.last().and_then(|e| e.validation).map_or(0.0, |m| m.accuracy);
    let test = train::evaluate(&net, &d.test, &d.norm, 500)?.accuracy;
    Ok(Metrics::new()
        .with("validation_accuracy", validation)
        .with("test_accuracy", test)
        .with("params", net.param_count() as f64)
        .with("flops", net.report().total_flops() as f64)
        .with("learning_rate", learning_rate))
}

fn load(args: &Args) -> Result<Data, BackendError> {
    let (full_train, test) = match &args.data {
        None => data::fashion_mnist_subset()?,
        Some(dir) => data::load_mnist_dir(dir)?,
    };
    let (train, validation) = full_train.split_off(args.validation, args.seed)?;
    let norm = train.normalization();
    Ok(Data { train, validation, test, norm })
}

fn run(args: &Args) -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    let d = load(args)?;
    let def = conv_net().def();
    // On the CPU one slot per thread (no trial waits); on GPUs
    // `--trials-per-device` each.
    let per_device = if args.devices[0].is_cuda() { args.trials_per_device } else { args.threads };
    let devices = DevicePool::open(&args.devices, per_device)?;
    let names: Vec<String> = args.devices.iter().map(ToString::to_string).collect();
    println!(
        "space: {} architectures | data: {} train, {} validation, {} test ({}) | {} trials x {} epochs on {} threads, {}",
        def.count()?,
        d.train.len(),
        d.validation.len(),
        d.test.len(),
        args.data.as_ref().map_or("embedded Fashion-MNIST subset".into(), |p| p.display().to_string()),
        args.trials,
        args.epochs,
        args.threads,
        names.join(",")
    );
    let out_error = |e: std::io::Error| format!("cannot write to the output directory `{}`: {e}", args.out.display());
    std::fs::create_dir_all(&args.out).map_err(out_error)?;
    // The log is resumed by a rerun, so its name carries what the log's own
    // header does not: the data and the training budget.
    let data_tag = match &args.data {
        None => "subset".to_owned(),
        Some(dir) => dir.file_name().map_or("data".to_owned(), |n| n.to_string_lossy().replace(' ', "_")),
    };
    let search_name = format!("{data_tag}_e{}_v{}", args.epochs, args.validation);
    let log_path = match &args.store {
        Some(StoreLocation::JsonLines(path)) => path.clone(),
        _ => args.out.join(format!("search_log_{search_name}.jsonl")),
    };
    let bars = MultiProgress::new();
    let total = bars.add(ProgressBar::new(args.trials as u64));
    total.set_style(ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} trials {msg}")?);
    let style = ProgressStyle::with_template("  [{bar:30}] {pos:>6}/{len:6} images {msg}")?;
    // Random search through the core driver: `--seed` is the search's one
    // seed (the searcher's, and trial i's comes from (seed, i)), outcomes are
    // logged as they complete, and a rerun with the same flags resumes from
    // the log instead of training again.
    let mut searcher = RandomSearcher::per_decision(def.clone());
    let eval = evaluator(|trial: &Trial, arch: &Architecture| {
        let bar = bars.add(ProgressBar::new(1));
        bar.set_style(style.clone());
        let lease = devices.acquire();
        let result = evaluate_trial(trial, arch, args, &d, &bar, lease.device());
        drop(lease);
        bar.finish_and_clear();
        total.inc(1);
        if let Ok(m) = &result {
            let test = m.get("test_accuracy").unwrap_or(0.0);
            total.set_message(format!("last: trial {} test {:.1}%", trial.id, 100.0 * test));
        }
        result.map_err(|e| Box::new(e) as EvalError)
    });
    let config = SearchConfig {
        trials: args.trials,
        threads: args.threads,
        seed: args.seed,
        objective: Objective::maximize("validation_accuracy"),
        log: Some(log_path.clone()),
        retry_failed: args.retry_failed,
        // The search's own messages (a resume, failed trials) go above the bars.
        events: EventSink::custom({
            let bars = bars.clone();
            move |event| bars.suspend(|| eprintln!("{}", event.line()))
        }),
        ..SearchConfig::default()
    };
    let report = match &args.store {
        Some(StoreLocation::Postgres(url)) => {
            let separator = if url.contains('?') { '&' } else { '?' };
            let url =
                if url.contains("search=") { url.clone() } else { format!("{url}{separator}search={search_name}") };
            if args.worker {
                let worker =
                    WorkerConfig { threads: args.threads, events: config.events.clone(), ..WorkerConfig::default() };
                let done = work(&url, "quickstart", &def, &eval, &worker)?;
                total.finish();
                println!(
                    "\nworker {}: trained {} trials; the coordinator prints the leaderboard",
                    done.worker_id, done.recorded
                );
                return Ok(());
            }
            let settings = QueueSettings { events: config.events.clone(), ..QueueSettings::default() };
            let mut store = PostgresStore::open(&url, SpaceIdentity::of("quickstart", &def)?, settings)?;
            total.set_message("coordinating: workers train the trials");
            coordinate(&mut searcher, &mut store, &SearchConfig { log: None, ..config })?
        }
        _ => run_search(&mut searcher, &eval, &config)?,
    };
    total.finish();
    let records = match &args.store {
        Some(store @ StoreLocation::Postgres(_)) => format!("the search's records are in {store}"),
        _ => format!("the search log is {}", log_path.display()),
    };

    println!("\nleaderboard (ranked by validation accuracy)\n{}", leaderboard(&report));
    let best = report.best().ok_or("every trial failed")?;
    let arch = def.replay(&best.trial.decisions)?;
    println!(
        "\nbest: trial {} — test accuracy {:.2}%, {} parameters",
        best.trial.id,
        100.0 * best.metrics.get("test_accuracy").unwrap_or(0.0),
        best.metrics.get("params").unwrap_or(0.0)
    );
    println!("{arch}");
    std::fs::write(args.out.join("best_architecture.json"), serde_json::to_string_pretty(&arch)?).map_err(out_error)?;
    std::fs::write(args.out.join("best_architecture.dot"), arch.to_dot()).map_err(out_error)?;
    std::fs::write(args.out.join("best_architecture.svg"), arch.to_svg()).map_err(out_error)?;
    let plots = plot_search(&SearchTrace::from_report(&report), &args.out)?;
    let plots: Vec<String> = plots.iter().filter_map(|p| Some(p.file_name()?.to_string_lossy().into_owned())).collect();
    println!(
        "wrote {}/{{best_architecture.json, best_architecture.dot, best_architecture.svg, {}}}; {records}; \
         total {:.1} s",
        args.out.display(),
        plots.join(", "),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Every trial, best first (failed ones last), one row each.
fn leaderboard(report: &SearchReport) -> Table {
    let mut table = Table::new();
    table.load_preset(presets::ASCII_BORDERS_ONLY_CONDENSED);
    table.set_header(["rank", "trial", "val acc", "test acc", "params", "MFLOPs", "lr", "seconds", "status"]);
    let mut ranked: Vec<&TrialRecord> = report.leaderboard(report.records.len());
    ranked.extend(report.records.iter().filter(|r| r.score.is_none()));
    for (rank, r) in ranked.iter().enumerate() {
        let m = |name: &str| r.metrics.get(name).unwrap_or(0.0);
        let status = match (&r.status, &r.error) {
            (TrialStatus::Failed, Some(e)) => format!("failed: {e}"),
            (status, _) => format!("{status:?}").to_lowercase(),
        };
        table.add_row([
            format!("{}", rank + 1),
            format!("{}", r.trial.id),
            format!("{:.2}%", 100.0 * m("validation_accuracy")),
            format!("{:.2}%", 100.0 * m("test_accuracy")),
            format!("{}", m("params")),
            format!("{:.2}", m("flops") / 1e6),
            format!("{:.0e}", m("learning_rate")),
            format!("{:.1}", r.seconds),
            status,
        ]);
    }
    for column in 0..8 {
        if let Some(column) = table.column_mut(column) {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
    table
}

fn main() {
    let args = parse_args();
    if let Err(e) = run(&args) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
