//! A real architecture search on real data, in a few minutes on a laptop CPU.
//!
//! ```text
//! cargo run --release --example quickstart
//! cargo run --release --example quickstart -- --trials 16 --threads 2 --epochs 2
//! cargo run --release --example quickstart -- --full          # the full Fashion-MNIST (apt-get install dataset-fashion-mnist)
//! cargo run --release --example quickstart -- --data DIR      # any directory with the four (Fashion-)MNIST IDX files
//! cargo run --release --example quickstart -- --retry-failed  # resume, evaluating the log's failed trials again
//! cargo run --release --example quickstart -- --store runs/fashion.jsonl     # the search log at a path of your own
//! cargo run --release --example quickstart -- --store postgres://…           # coordinator of a search in PostgreSQL
//! cargo run --release --example quickstart -- --store postgres://… --worker  # a worker of it (as many as you like)
//! ```
//!
//! With a `postgres://` store (`archspace::search::postgres`, cargo feature
//! `postgres`), the command without `--worker` coordinates the search (it
//! keeps `--threads` trials in flight) and the ones with `--worker` train
//! them, on this machine or others; give every one the same data flags
//! (the search's name in the store, unless the URL's `?search=` sets one,
//! carries them, as the log's name does).
//!
//! The space (written with the builder API) is a small conv net: a stem, a
//! first pooling, a stage of 1 or 2 cells (plain conv, separable conv or a
//! residual conv block), a reduction (max pool or factorized reduce), a
//! second conv, and a head (global pool or flatten, optional dropout, dense),
//! plus the learning rate as a carried hyperparameter.
//!
//! The search runs on the core driver (`archspace::search::run`) with random
//! search: each trial is seeded from (seed, trial index), trained on a
//! training split and evaluated on a validation split (which ranks them) and
//! on the test set, several at once. The search log (JSON lines; a rerun with
//! the same flags resumes from it), the best architecture (JSON) and its graph
//! (DOT) are written to `--out` (default `target/quickstart`).

use std::path::PathBuf;
use std::time::Instant;

use archspace::search::postgres::{PostgresStore, QueueSettings, SpaceIdentity, WorkerConfig, work};
use archspace::search::{
    EvalError, EventSink, Metrics, Objective, RandomSearcher, SearchConfig, StoreLocation, Trial, TrialRecord,
    TrialStatus, coordinate, evaluator, run as run_search,
};
use archspace::{Architecture, Name, Param, SpaceDef, SpecError, choice};
use archspace_candle::data::{self, Dataset, Normalization};
use archspace_candle::ops::{self, Registry};
use archspace_candle::train::{self, Budget, OptimizerKind, TrainConfig};
use archspace_candle::{BackendError, Network, NetworkConfig};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// conv → batch norm → ReLU.
fn conv_bn_relu(s: &mut archspace::Space, filters: impl Into<Param>, kernel: i64) -> Result<archspace::Io, SpecError> {
    let conv = s.basic(ops::conv2d(filters, kernel).param("bias", false))?;
    let bn = s.basic(ops::batch_norm())?;
    let relu = s.basic(ops::relu())?;
    s.sequential(vec![conv, bn, relu])
}

/// The search space.
fn space() -> SpaceDef {
    SpaceDef::new(|s| {
        s.carrier(vec![(Name::Borrowed("learning_rate"), choice([1e-3, 3e-3]))])?;
        let width1 = s.shared("width1", [16, 32])?;
        let width2 = s.shared("width2", [32, 64])?;
        let stem = s.in_scope("stem", |s| conv_bn_relu(s, choice([8, 16]), 3))?;
        let pool1 = s.named("pool1").or(archspace::Alternatives::list()
            .with(|s| s.basic(ops::max_pool2d(2)))
            .with(|s| s.basic(ops::avg_pool2d(3).param("stride", 2).param("padding", "same"))))?;
        let cell = move |s: &mut archspace::Space| {
            s.or(archspace::Alternatives::named()
                .with_named("conv", move |s| conv_bn_relu(s, width1, 3))
                .with_named("separable", move |s| {
                    let sep = s.basic(ops::separable_conv2d(width1, 3).param("bias", false))?;
                    let bn = s.basic(ops::batch_norm())?;
                    let relu = s.basic(ops::relu())?;
                    s.sequential(vec![sep, bn, relu])
                })
                .with_named("residual", move |s| {
                    s.residual(|s| conv_bn_relu(s, width1, 3), |s| s.identity(), |s| s.basic(ops::add(2)))
                }))
        };
        let stage1 = s.named("stage1").repeat(choice([1, 2]), cell)?;
        let reduce = s.named("reduce").or(archspace::Alternatives::list()
            .with(|s| s.basic(ops::max_pool2d(3).param("stride", 2).param("padding", 1)))
            .with(move |s| s.basic(ops::factorized_reduce(width2))))?;
        let stage2 = s.in_scope("stage2", |s| conv_bn_relu(s, width2, 3))?;
        let pool = s.named("head_pool").or(archspace::Alternatives::list()
            .with(|s| s.basic(ops::global_avg_pool()))
            .with(|s| s.basic(ops::flatten())))?;
        let drop = s.named("head_dropout").optional(|s| s.basic(ops::dropout(0.3)))?;
        let dense = s.named("classifier").basic(ops::dense(10))?;
        s.sequential(vec![stem, pool1, stage1, reduce, stage2, pool, drop, dense])
    })
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
    store: Option<StoreLocation>,
    worker: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        trials: 8,
        threads: 2,
        epochs: 2,
        seed: 0,
        data: None,
        validation: 1000,
        out: "target/quickstart".into(),
        retry_failed: false,
        store: None,
        worker: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        let number = |v: String, name: &str| v.parse::<usize>().map_err(|e| format!("{name}: {e}"));
        match flag.as_str() {
            "--trials" => a.trials = number(value("--trials")?, "--trials")?,
            "--threads" => a.threads = number(value("--threads")?, "--threads")?,
            "--epochs" => a.epochs = number(value("--epochs")?, "--epochs")?,
            "--seed" => a.seed = number(value("--seed")?, "--seed")? as u64,
            "--validation" => a.validation = number(value("--validation")?, "--validation")?,
            "--full" => a.data = Some(data::DEBIAN_DIR.into()),
            "--data" => a.data = Some(value("--data")?.into()),
            "--out" => a.out = value("--out")?.into(),
            "--retry-failed" => a.retry_failed = true,
            "--store" => a.store = Some(value("--store")?.parse().map_err(|e| format!("--store: {e}"))?),
            "--worker" => a.worker = true,
            "--help" | "-h" => {
                return Err("usage: quickstart [--trials N] [--threads T] [--epochs E] [--seed S] \
                            [--full | --data DIR] [--validation N] [--out DIR] [--retry-failed] \
                            [--store LOG|postgres://… [--worker]]"
                    .into());
            }
            other => return Err(format!("unknown flag `{other}`; see --help")),
        }
    }
    if a.threads == 0 || a.trials == 0 || a.epochs == 0 {
        return Err("--threads, --trials and --epochs must be at least 1".into());
    }
    if a.worker && !matches!(a.store, Some(StoreLocation::Postgres(_))) {
        return Err("--worker needs --store postgres://…: workers share a search through PostgreSQL".into());
    }
    Ok(a)
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
) -> Result<Metrics, BackendError> {
    let learning_rate = arch.global("hyperparameters/learning_rate").and_then(|v| v.as_float()).unwrap_or(1e-3);
    let config = NetworkConfig { seed: trial.seed, classes: Some(10), ..NetworkConfig::default() };
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
    let def = space();
    println!(
        "space: {} architectures | data: {} train, {} validation, {} test ({}) | {} trials x {} epochs on {} threads",
        def.count()?,
        d.train.len(),
        d.validation.len(),
        d.test.len(),
        args.data.as_ref().map_or("embedded Fashion-MNIST subset".into(), |p| p.display().to_string()),
        args.trials,
        args.epochs,
        args.threads
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
    // Random search through the core driver: trial i's seed comes from
    // (seed, i), outcomes are logged as they complete, and a rerun with the
    // same flags resumes from the log instead of training again.
    let mut searcher = RandomSearcher::per_decision(def.clone(), args.seed);
    let eval = evaluator(|trial: &Trial, arch: &Architecture| {
        let bar = bars.add(ProgressBar::new(1));
        bar.set_style(style.clone());
        let result = evaluate_trial(trial, arch, args, &d, &bar);
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

    println!("\nleaderboard (ranked by validation accuracy)");
    println!(
        "{:>4} {:>5} {:>9} {:>9} {:>9} {:>10} {:>8} {:>7}  status",
        "rank", "trial", "val acc", "test acc", "params", "MFLOPs", "lr", "seconds"
    );
    let mut ranked: Vec<&TrialRecord> = report.leaderboard(report.records.len());
    ranked.extend(report.records.iter().filter(|r| r.score.is_none()));
    for (rank, r) in ranked.iter().enumerate() {
        let m = |name: &str| r.metrics.get(name).unwrap_or(0.0);
        let status = match (&r.status, &r.error) {
            (TrialStatus::Failed, Some(e)) => format!("failed: {e}"),
            (status, _) => format!("{status:?}").to_lowercase(),
        };
        println!(
            "{:>4} {:>5} {:>8.2}% {:>8.2}% {:>9} {:>10.2} {:>8.0e} {:>7.1}  {}",
            rank + 1,
            r.trial.id,
            100.0 * m("validation_accuracy"),
            100.0 * m("test_accuracy"),
            m("params"),
            m("flops") / 1e6,
            m("learning_rate"),
            r.seconds,
            status
        );
    }
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
    let records = match &args.store {
        Some(store @ StoreLocation::Postgres(_)) => format!("the search's records are in {store}"),
        _ => format!("the search log is {}", log_path.display()),
    };
    println!(
        "wrote {}/{{best_architecture.json, best_architecture.dot}}; {records}; total {:.1} s",
        args.out.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(msg) => {
            eprintln!("{msg}");
            std::process::exit(2);
        }
    };
    if let Err(e) = run(&args) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
