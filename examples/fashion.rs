//! The flagship: a Fashion-MNIST network under 100,000 parameters, found
//! by a multi-fidelity, multi-objective search on the CPU and retrained
//! with the full recipe.
//!
//! ```text
//! apt-get install dataset-fashion-mnist
//! cargo run --release --example fashion -- --hours 1
//! cargo run --release --example fashion -- --hours 4 --retrain-epochs 40 --top 3 --threads 2
//! cargo run --release --example fashion -- --hours 1 --data DIR --out target/fashion --log runs/fashion.jsonl
//! ```
//!
//! The search (ASHA over `archspace_candle::spaces::fashion_net`, written in
//! the DSL: cells of regular, separable and depthwise convolutions, widths,
//! depths, squeeze-excitation, pooling, a width multiplier, and the
//! training recipe as carried hyperparameters) trains on images carved from
//! the training set and ranks on a validation split of it; a network of
//! 100,000 parameters or more is refused by its shape inference before any
//! training. Rungs are 1, 3 and 9 epochs over the search's training images
//! (`--search-train`, `--max-epochs`), each promotion continuing the
//! checkpoint of the rung below. The search log, checkpoints and the wall
//! time spent are kept in `--out`: the same command run again continues the
//! search until `--hours` are spent over all sittings, then retrains
//! (`--search-only` stops before that).
//!
//! Then the `--top` architectures of the Pareto front (validation accuracy
//! up, parameters down) at the highest rung are trained on the whole
//! training set for `--retrain-epochs` (AdamW, warm-up and cosine, label
//! smoothing, flips, crops and random erasing as each carries them, or at
//! the strength `--final-augment` sets, an average of the weights with
//! batch-norm statistics re-estimated for it) and evaluated once on the
//! test set. The example prints the Pareto table
//! and the `flagship:` line, and writes each architecture (JSON and SVG),
//! the plots of the search (PNG and SVG) and `flagship.md` to `--out`.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Instant;

use archspace::search::plot::{SearchTrace, plot_search};
use archspace::search::{TrialRecord, TrialStatus};
use archspace_candle::data;
use archspace_candle::spaces::fashion_net;
use archspace_candle::spaces::flagship::{
    FlagshipConfig, FlagshipData, PARAMETER_BUDGET, Retrained, pareto_choice, retrain_all, search,
};
use clap::Parser;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Search Fashion-MNIST networks under 100,000 parameters, retrain the best, test once.
#[derive(Parser, Debug)]
#[command(version)]
struct Cli {
    /// Wall-clock hours of search, over all sittings (a rerun continues).
    #[arg(long)]
    hours: f64,
    /// A directory with the four Fashion-MNIST IDX files (gzipped or raw).
    #[arg(long, value_name = "DIR", default_value = data::DEBIAN_DIR)]
    data: PathBuf,
    /// The search log (JSON lines; default: in `--out`, named after the
    /// data and rungs); its time spent and checkpoints are kept beside it.
    #[arg(long, value_name = "PATH")]
    log: Option<PathBuf>,
    /// Where the search log, checkpoints, architectures and plots go.
    #[arg(long, value_name = "DIR", default_value = "target/fashion")]
    out: PathBuf,
    /// Epochs of the final training on the full training set.
    #[arg(long, default_value_t = 15)]
    retrain_epochs: usize,
    /// Pareto architectures to retrain.
    #[arg(long, default_value_t = 2)]
    top: usize,
    /// The final training's augmentation strength (0 flips, 1 also crops,
    /// 2 also random erasing) instead of the searched one.
    #[arg(long, value_parser = clap::value_parser!(i64).range(0..=2))]
    final_augment: Option<i64>,
    /// Threads of the search and of the final trainings (several at once).
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// The search's trials in flight (part of its trajectory; not `--threads`).
    #[arg(long, default_value_t = 2)]
    in_flight: usize,
    /// Training images held out to rank the search's trials.
    #[arg(long, default_value_t = 10_000)]
    validation: usize,
    /// Training images the search's trials train on (0: all the others).
    #[arg(long, default_value_t = 12_000)]
    search_train: usize,
    /// The top rung's epochs (rungs grow ×3 from 1).
    #[arg(long, default_value_t = 9)]
    max_epochs: usize,
    /// The search's seed.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Stop after the search (and its plots): print the architectures a
    /// final training would take; a later run retrains them.
    #[arg(long)]
    search_only: bool,
}

/// Prints a line (whole, from any thread).
struct Say(Mutex<()>);

impl Say {
    fn line(&self, text: &str) {
        let _guard = self.0.lock();
        println!("{text}");
    }
}

fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    let say = Say(Mutex::new(()));
    let config = FlagshipConfig {
        hours: cli.hours,
        threads: cli.threads,
        in_flight: cli.in_flight,
        seed: cli.seed,
        validation: cli.validation,
        search_train: cli.search_train,
        max_epochs: cli.max_epochs,
        retrain_epochs: cli.retrain_epochs,
        top: cli.top,
        final_augment: cli.final_augment,
        log: cli.log.clone(),
        ..FlagshipConfig::new(&cli.out)
    };
    config.check()?;
    if !cli.data.is_dir() {
        return Err(format!(
            "no data directory `{}`: install Debian's `dataset-fashion-mnist` or pass `--data DIR` \
             with the four Fashion-MNIST IDX files",
            cli.data.display()
        )
        .into());
    }
    let (train, test) = data::load_mnist_dir(&cli.data)?;
    let d = FlagshipData::split(train, test, &config)?;
    say.line(&format!(
        "space: {} architectures | search: {} training, {} validation images; final: {} training, {} test | \
         {:.2} h of search on {} threads, rungs up to {} epochs; then top {} for {} epochs",
        fashion_net().def().count()?,
        d.search_train.len(),
        d.validation.len(),
        d.full_train.len(),
        d.test.len(),
        cli.hours,
        cli.threads,
        cli.max_epochs,
        cli.top,
        cli.retrain_epochs
    ));
    let say_line = |text: &str| say.line(text);
    let outcome = search(&config, &d, &say_line)?;
    let report = &outcome.report;
    let over =
        report.records.iter().filter(|r| r.error.as_deref().is_some_and(|e| e.contains("parameter budget"))).count();
    say.line(&format!(
        "search: {} trials ({} refused over the budget, {} failed otherwise) in {:.2} h; log {}",
        report.records.len(),
        over,
        report.count(TrialStatus::Failed) - over,
        outcome.seconds / 3600.0,
        outcome.log.display()
    ));
    let def = fashion_net().def();
    let chosen: Vec<(TrialRecord, archspace::Architecture)> = pareto_choice(report, config.top)
        .into_iter()
        .map(|r| Ok((r.clone(), def.replay(&r.trial.decisions)?)))
        .collect::<Result<_, archspace::SpecError>>()?;
    if chosen.is_empty() {
        return Err("no trial completed: nothing to retrain".into());
    }
    let plots = plot_search(&SearchTrace::from_report(report), &cli.out)?;
    for (record, arch) in &chosen {
        let stem = cli.out.join(format!("architecture-{}", record.trial.id));
        std::fs::write(stem.with_extension("json"), serde_json::to_string_pretty(arch)?)?;
        std::fs::write(stem.with_extension("svg"), arch.to_svg())?;
    }
    for (record, _) in &chosen {
        let m = |name: &str| record.metrics.get(name).unwrap_or(f64::NAN);
        say.line(&format!(
            "chosen: trial {} (validation {:.4} at {} epochs, {} parameters, {:.2} MFLOPs, {:.0} images/s in the search)",
            record.trial.id,
            m("validation_accuracy"),
            m("epochs"),
            m("params"),
            m("flops") / 1e6,
            m("images_per_second")
        ));
    }
    if cli.search_only {
        return Ok(());
    }
    let retrain_started = Instant::now();
    let results = retrain_all(&config, &d, &chosen, &say_line)?;
    let table = pareto_table(&results);
    say.line(&format!("\n{table}"));
    let best = results
        .iter()
        .filter(|r| r.params < PARAMETER_BUDGET)
        .max_by(|a, b| a.test_accuracy.total_cmp(&b.test_accuracy))
        .ok_or("no retrained network is under the budget")?;
    let flagship = format!(
        "flagship: test accuracy {:.4}, parameters {}, search hours {:.1}",
        best.test_accuracy,
        best.params,
        outcome.seconds / 3600.0
    );
    say.line(&flagship);
    let summary = format!(
        "{table}\n{flagship}\n\nsearch {:.2} h, {} trials; final training {:.2} h this sitting; total {:.2} h\n",
        outcome.seconds / 3600.0,
        report.records.len(),
        retrain_started.elapsed().as_secs_f64() / 3600.0,
        started.elapsed().as_secs_f64() / 3600.0
    );
    std::fs::write(cli.out.join("flagship.md"), &summary)?;
    let names: Vec<String> = plots.iter().filter_map(|p| Some(p.file_name()?.to_string_lossy().into_owned())).collect();
    say.line(&format!(
        "wrote {}/{{flagship.md, architecture-*.json, architecture-*.svg, {}}}",
        cli.out.display(),
        names.join(", ")
    ));
    Ok(())
}

/// The retrained Pareto architectures as a Markdown table.
fn pareto_table(results: &[Retrained]) -> String {
    let mut table = String::from(
        "| trial | test accuracy | parameters | MFLOPs | validation (search) | search epochs | final epochs | augment | training minutes | images/s |\n\
         |---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for r in results {
        table.push_str(&format!(
            "| {} | {:.4} | {} | {:.2} | {:.4} | {} | {} | {} | {:.1} | {:.0} |\n",
            r.trial,
            r.test_accuracy,
            r.params,
            r.flops as f64 / 1e6,
            r.validation_accuracy,
            r.search_epochs,
            r.epochs,
            r.augment.map_or_else(|| "—".to_owned(), |a| a.to_string()),
            r.minutes,
            r.images_per_second
        ));
    }
    table
}

fn main() {
    let cli = Cli::parse();
    if let Err(e) = run(cli) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
