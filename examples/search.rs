//! Architecture search on the DeepArchitect paper's seed space with a
//! deterministic synthetic objective (no training).
//!
//! ```text
//! cargo run --release --example search -- --searcher <random|uniform|grid|mcts|smbo|bayes|local|evolution|halving|hyperband|asha> \
//!     --trials N --threads T --seed S --log PATH [--in-flight K] [--csv PATH] [--retry-failed]
//! ```
//!
//! # The objective
//! `accuracy` in `[0, 1]`, largest (1.0) for: three conv pairs per chain
//! (`n = 4`, 0.4), a 128-filter stem (0.2), dropout present (0.1) at rate 0.25
//! (0.1), and every chain conv at 64 filters (0.2 in proportion). With a
//! budget (successive halving), the trial's seed adds a deterministic "noise"
//! of at most ±0.05 / budget, as a short training run would. The evaluator
//! also reports `params` (a rough count from the filters) and `modules`.
//!
//! The search is deterministic: the same flags print the same leaderboard,
//! whatever `--threads` is (`--in-flight` defaults to
//! `archspace::search::DEFAULT_IN_FLIGHT`, not to the thread count). With `--log`,
//! every trial is appended to a JSON-lines log as it finishes; run the same
//! command again after a crash and it resumes where it stopped (with
//! `--retry-failed`, evaluating the log's failed trials again).
//! The last line printed is `best: <value>`.

use std::path::PathBuf;

use clap::Parser;
use clap::builder::RangedU64ValueParser;

use archspace::search::{
    AshaConfig, AshaSearcher, BayesConfig, BayesSearcher, EvolutionConfig, EvolutionSearcher, GridSearcher,
    HalvingConfig, HalvingSearcher, HyperbandConfig, HyperbandSearcher, LocalConfig, LocalSearcher, MctsSearcher,
    Metrics, Objective, RandomSearcher, SearchConfig, Searcher, SmboConfig, SmboSearcher, Trial, evaluator, export_csv,
    run, write_csv,
};
use archspace::{Architecture, Op, Param, SpaceDef, choice};

fn conv2d(filters: impl Into<Param>) -> Op {
    Op::new("conv2d").param("filters", filters).param("kernel", 3)
}

fn dropout(rate: impl Into<Param>) -> Op {
    Op::new("dropout").param("rate", rate)
}

fn concat(n: usize) -> Op {
    Op::new("concat").inputs_indexed(n)
}

/// The paper's seed space, line for line (as in examples/seed_space.rs).
fn seed_space() -> SpaceDef {
    SpaceDef::new(|s| {
        let n = s.named_choice("n", [1, 2, 4])?;
        let n2 = s.named_dependent("n2", &[n], |v| Ok((2 * v[0].as_int().unwrap_or(0)).into()))?;
        let stem = s.named("stem").basic(conv2d(choice([64, 128])))?;
        let drop = s.named("drop").optional(|s| s.basic(dropout(choice([0.25, 0.5]))))?;
        let conv = |s: &mut archspace::Space| s.basic(conv2d(choice([64, 128])));
        let left = s.named("left").repeat(n, conv)?;
        let right = s.named("right").repeat(n2, conv)?;
        let cat = s.named("cat").basic(concat(2))?;
        s.connect(stem.output("out")?, drop.input("in")?)?;
        s.connect(drop.output("out")?, left.input("in")?)?;
        s.connect(drop.output("out")?, right.input("in")?)?;
        s.connect(left.output("out")?, cat.input("in0")?)?;
        s.connect(right.output("out")?, cat.input("in1")?)?;
        Ok(s.border_of(&stem, &cat))
    })
}

fn filters(m: &archspace::ArchModule) -> i64 {
    m.param("filters").and_then(|v| v.as_int()).unwrap_or(0)
}

/// The synthetic objective documented at the top of this file.
fn synthetic(trial: &Trial, arch: &Architecture) -> Metrics {
    let convs: Vec<_> = arch.modules().iter().filter(|m| m.op == "conv2d").collect();
    let chain: Vec<_> = convs.iter().filter(|m| !m.path.starts_with("stem")).collect();
    let mut accuracy = if chain.len() == 12 { 0.4 } else { 0.0 };
    if convs.iter().any(|m| m.path.starts_with("stem") && filters(m) == 128) {
        accuracy += 0.2;
    }
    if let Some(d) = arch.modules().iter().find(|m| m.op == "dropout") {
        accuracy += 0.1;
        if d.param("rate").and_then(|v| v.as_float()) == Some(0.25) {
            accuracy += 0.1;
        }
    }
    accuracy += 0.2 * chain.iter().filter(|m| filters(m) == 64).count() as f64 / 12.0;
    if let Some(budget) = trial.budget {
        let unit = (trial.seed % 10_001) as f64 / 10_000.0;
        accuracy += (unit - 0.5) * 0.1 / budget.max(1.0);
    }
    let params: i64 = convs.iter().map(|m| 9 * filters(m) * filters(m)).sum();
    Metrics::new().with("accuracy", accuracy).with("params", params as f64).with("modules", arch.modules().len() as f64)
}

struct Args {
    searcher: String,
    config: SearchConfig,
    csv: Option<PathBuf>,
}

/// The searchers `--searcher` takes.
const SEARCHERS: [&str; 11] =
    ["random", "uniform", "grid", "mcts", "smbo", "bayes", "local", "evolution", "halving", "hyperband", "asha"];

/// Every searcher on the paper's seed space with a synthetic objective (no training).
#[derive(Parser, Debug)]
#[command(version)]
struct Cli {
    /// The searcher.
    #[arg(long, default_value = "random", value_parser = SEARCHERS)]
    searcher: String,
    /// Trials to run.
    #[arg(long, default_value_t = 100)]
    trials: usize,
    /// Threads evaluating trials.
    #[arg(long, default_value_t = SearchConfig::default().threads, value_parser = RangedU64ValueParser::<usize>::new().range(1..))]
    threads: usize,
    /// Trials in flight [default: archspace::search::DEFAULT_IN_FLIGHT, whatever the threads].
    #[arg(long, value_parser = RangedU64ValueParser::<usize>::new().range(1..))]
    in_flight: Option<usize>,
    /// Master seed.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Search log (JSON lines): appended as trials finish, resumed on a rerun.
    #[arg(long, value_name = "PATH")]
    log: Option<PathBuf>,
    /// Also write the trials as CSV.
    #[arg(long, value_name = "PATH")]
    csv: Option<PathBuf>,
    /// Evaluate failed trials of a resumed log again.
    #[arg(long)]
    retry_failed: bool,
}

fn parse_args() -> Args {
    let cli = Cli::parse();
    Args {
        searcher: cli.searcher,
        config: SearchConfig {
            trials: cli.trials,
            threads: cli.threads,
            in_flight: cli.in_flight,
            seed: cli.seed,
            log: cli.log,
            retry_failed: cli.retry_failed,
            objective: Objective::maximize("accuracy"),
            progress: true,
            ..SearchConfig::default()
        },
        csv: cli.csv,
    }
}

fn make_searcher(name: &str, def: SpaceDef) -> Result<Box<dyn Searcher>, String> {
    Ok(match name {
        "random" => Box::new(RandomSearcher::per_decision(def)),
        "uniform" => Box::new(RandomSearcher::uniform(def)),
        "grid" => Box::new(GridSearcher::new(def)),
        "mcts" => Box::new(MctsSearcher::new(def)),
        "smbo" => Box::new(SmboSearcher::new(def, SmboConfig::default())),
        "bayes" => Box::new(BayesSearcher::new(def, BayesConfig::default())),
        "local" => Box::new(LocalSearcher::new(def, LocalConfig::default())),
        "evolution" => Box::new(EvolutionSearcher::new(def, EvolutionConfig::default())),
        "halving" => Box::new(HalvingSearcher::new(def, HalvingConfig::default())),
        "hyperband" => Box::new(HyperbandSearcher::new(def, HyperbandConfig::default())),
        "asha" => Box::new(AshaSearcher::new(def, AshaConfig::default())),
        other => {
            return Err(format!("unknown searcher `{other}`; expected one of {}", SEARCHERS.join(", ")));
        }
    })
}

fn main() {
    let args = parse_args();
    let mut searcher = match make_searcher(&args.searcher, seed_space()) {
        Ok(s) => s,
        Err(msg) => {
            eprintln!("{msg}");
            std::process::exit(2);
        }
    };
    let eval = evaluator(|trial, arch| Ok(synthetic(trial, arch)));
    let report = match run(&mut searcher, &eval, &args.config) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    print!("{report}");
    if let Some(csv) = &args.csv {
        let written = match &args.config.log {
            Some(log) => export_csv(log, csv).map_err(|e| e.to_string()),
            None => std::fs::File::create(csv)
                .and_then(|f| write_csv(&report.records, std::io::BufWriter::new(f)))
                .map_err(|e| format!("cannot write `{}`: {e}", csv.display())),
        };
        if let Err(e) = written {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
    match report.best_value() {
        Some(best) => println!("best: {best}"),
        None => println!("best: none"),
    }
}
