//! ASHA (asynchronous successive halving) on real data: many small conv
//! nets trained for one epoch, the best of them for two, the best of those
//! for four, each promotion continuing its network from the checkpoint of
//! the rung below instead of training it again.
//!
//! ```text
//! cargo run --release --example asha
//! cargo run --release --example asha -- --trials 24 --threads 2 --max-epochs 8 --seed 1
//! ```
//!
//! The space is a stem conv, one or two conv blocks (3×3 or 5×5, 16 or 32
//! filters), a pooling choice and an optional dropout before the classifier.
//! Trials run on the core driver with [`AshaSearcher`] over budgets of 1, 2,
//! 4, … epochs up to `--max-epochs` (η = 2): trials start at rung 0, and
//! whenever a rung's top half has an architecture not yet promoted, it goes
//! up one rung. The evaluator trains with [`train::train_trial`]: a promoted
//! trial loads the checkpoint of the trial it continues from a
//! [`CheckpointStore`] on disk (in `--out`), trains only the epochs
//! between the two rungs, and saves its own. The learning-rate schedule
//! spans `--max-epochs` for every rung, so a continued network is exactly
//! the one a single run would give. The search log is resumed by a rerun
//! with the same flags, and so are the promoted trials' checkpoints.
//! The last line is `best: <validation accuracy>`.

use std::path::PathBuf;

use archspace::search::{AshaConfig, AshaSearcher, EvalError, FidelityConfig, Metrics, Objective, SearchConfig, Trial};
use archspace::search::{evaluator, run};
use archspace::{Architecture, SpaceDef, SpecError, choice};
use archspace_candle::data::{self, Dataset, Normalization};
use archspace_candle::ops::{self, Registry};
use archspace_candle::train::{self, Budget, CheckpointStore, OptimizerKind, TrainConfig};
use archspace_candle::{BackendError, Network, NetworkConfig};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// conv → batch norm → ReLU, kernel and filters chosen.
fn conv_block(s: &mut archspace::Space) -> Result<archspace::Io, SpecError> {
    let conv = s.basic(ops::conv2d(choice([16, 32]), choice([3, 5])).param("bias", false))?;
    let bn = s.basic(ops::batch_norm())?;
    let relu = s.basic(ops::relu())?;
    s.sequential(vec![conv, bn, relu])
}

/// The search space: 2 · (4 + 16) · 2 · 2 = 160 architectures.
fn space() -> SpaceDef {
    SpaceDef::new(|s| {
        let stem = s.in_scope("stem", |s| {
            let conv = s.basic(ops::conv2d(choice([8, 16]), 3).param("stride", 2).param("bias", false))?;
            let bn = s.basic(ops::batch_norm())?;
            let relu = s.basic(ops::relu())?;
            s.sequential(vec![conv, bn, relu])
        })?;
        let blocks = s.named("blocks").repeat(choice([1, 2]), conv_block)?;
        let pool = s.named("pool").or(archspace::Alternatives::list()
            .with(|s| s.basic(ops::global_avg_pool()))
            .with(|s| s.basic(ops::max_pool2d(2))))?;
        let drop = s.named("dropout").optional(|s| s.basic(ops::dropout(0.2)))?;
        let classifier = s.named("classifier").basic(ops::dense(10))?;
        let flat = s.named("flatten").basic(ops::flatten())?;
        s.sequential(vec![stem, blocks, pool, flat, drop, classifier])
    })
}

struct Args {
    trials: usize,
    threads: usize,
    max_epochs: usize,
    train: usize,
    seed: u64,
    out: PathBuf,
}

const USAGE: &str = "usage: asha [--trials N] [--threads T] [--max-epochs E] [--train IMAGES] [--seed S] [--out DIR]";

fn parse_args() -> Result<Args, String> {
    let mut a = Args { trials: 16, threads: 2, max_epochs: 4, train: 2000, seed: 0, out: "target/asha".into() };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value\n{USAGE}"));
        let number = |v: String| v.parse::<usize>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--trials" => a.trials = number(value()?)?,
            "--threads" => a.threads = number(value()?)?,
            "--max-epochs" => a.max_epochs = number(value()?)?,
            "--train" => a.train = number(value()?)?,
            "--seed" => a.seed = number(value()?)? as u64,
            "--out" => a.out = value()?.into(),
            "--help" | "-h" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown flag `{other}`\n{USAGE}")),
        }
    }
    if a.trials == 0 || a.threads == 0 || a.max_epochs == 0 || a.train == 0 {
        return Err(format!("every number must be at least 1\n{USAGE}"));
    }
    Ok(a)
}

struct Data {
    train: Dataset,
    validation: Dataset,
    norm: Normalization,
}

/// Trains `arch` as `trial` to its budget (continuing the rung below when
/// its checkpoint is in `store`) and measures validation accuracy.
fn evaluate(
    trial: &Trial,
    arch: &Architecture,
    d: &Data,
    store: &CheckpointStore,
    max: usize,
) -> Result<Metrics, BackendError> {
    let epochs = trial.budget.unwrap_or(max as f64).round() as usize;
    let network = NetworkConfig { seed: trial.seed, classes: Some(10), ..NetworkConfig::default() };
    let net = Network::build(arch, &d.train.shape, &Registry::standard(), &network)?;
    let config = TrainConfig {
        budget: Budget::Epochs(epochs),
        horizon: Some(Budget::Epochs(max)),
        optimizer: OptimizerKind::AdamW,
        learning_rate: 3e-3,
        seed: trial.seed,
        ..TrainConfig::default()
    };
    let report = train::train_trial(&net, &d.train, None, &d.norm, &config, trial, store, &mut |_| {})?;
    let validation = train::evaluate(&net, &d.validation, &d.norm, 500)?;
    Ok(Metrics::new()
        .with("validation_accuracy", validation.accuracy)
        .with("epochs", epochs as f64)
        .with("epochs_trained", report.images as f64 / d.train.len() as f64)
        .with("params", net.param_count() as f64))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = match parse_args() {
        Ok(a) => a,
        Err(msg) => {
            eprintln!("{msg}");
            std::process::exit(2);
        }
    };
    let (full, _) = data::fashion_mnist_subset()?;
    let (rest, validation) = full.split_off(1000, args.seed)?;
    let (_, train) = rest.split_off(args.train.min(rest.len().saturating_sub(1)), args.seed)?;
    let norm = train.normalization();
    let d = Data { train, validation, norm };
    let def = space();
    let fidelity = FidelityConfig { min_budget: 1.0, max_budget: args.max_epochs as f64, reduction: 2.0 };
    println!(
        "space: {} architectures | {} train, {} validation images | rungs of {:?} epochs | {} trials on {} threads",
        def.count()?,
        d.train.len(),
        d.validation.len(),
        fidelity.rung_budgets(),
        args.trials,
        args.threads
    );
    let name = format!("asha_t{}_e{}_s{}", args.train, args.max_epochs, args.seed);
    let store = CheckpointStore::on_disk(args.out.join(format!("{name}_checkpoints")))?;
    let max = args.max_epochs;
    let eval = evaluator(|trial: &Trial, arch: &Architecture| {
        evaluate(trial, arch, &d, &store, max).map_err(|e| Box::new(e) as EvalError)
    });
    let config = SearchConfig {
        trials: args.trials,
        threads: args.threads,
        seed: args.seed,
        objective: Objective::maximize("validation_accuracy"),
        log: Some(args.out.join(format!("{name}.jsonl"))),
        progress: true,
        ..SearchConfig::default()
    };
    let mut searcher = AshaSearcher::new(def, AshaConfig { fidelity, ..AshaConfig::default() });
    let report = run(&mut searcher, &eval, &config)?;
    print!("{report}");
    let trained: f64 = report.records.iter().filter_map(|r| r.metrics.get("epochs_trained")).sum();
    let budgeted: f64 = report.records.iter().filter_map(|r| r.metrics.get("epochs")).sum();
    println!(
        "{} trials, {} promoted; epochs trained {trained:.0}, against {budgeted:.0} had every trial started from scratch",
        report.records.len(),
        report.records.iter().filter(|r| r.trial.continues.is_some()).count()
    );
    match report.best_value() {
        Some(best) => println!("best: {best}"),
        None => println!("best: none"),
    }
    Ok(())
}
