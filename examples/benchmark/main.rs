//! Every searcher on a tabular benchmark: N seeds × B evaluations each,
//! looked up in a table instead of trained, in parallel over seeds.
//!
//! ```text
//! cargo run --release --example benchmark -- --table ../shared/bench/nb201_analog.csv \
//!     [--seeds 300] [--budget 150] [--threads 2] [--searchers random,bayes,...] [--noise 3] [--in-flight K]
//! ```
//!
//! The table is a CSV of the NAS-Bench-201 cell's six edge codes (`e0` …
//! `e5`, edges (1,2), (1,3), (1,4), (2,3), (2,4), (3,4)) and an `accuracy`
//! column, e.g. AnalogNAS-Bench's CIFAR-10 accuracy on analog in-memory
//! hardware (`../shared/bench/nb201_analog.csv` in the project's set-up); the
//! cell is written in the DSL in `nb201.rs`. Every searcher runs through the
//! driver ([`archspace::search::run`]) with the defaults a user gets (one
//! thread per run, `in_flight` at its default unless `--in-flight` is
//! given), seeds 0 … N−1.
//!
//! It prints, per searcher, the mean ± standard deviation over seeds of the
//! best accuracy within B evaluations and within B/3, the share of seeds
//! whose best is the table's optimum, the distinct architectures and trials
//! of a run, and the milliseconds per ask + tell.
//! Multi-fidelity searchers (halving, Hyperband, ASHA) pay `budget / 27` of
//! an evaluation per trial and see a blurred accuracy below the full budget
//! (see `fidelity.rs`, `--noise`); their best counts full-budget trials
//! only. A second table compares searchers on two objectives (accuracy up,
//! the cell's parameters down) by the hypervolume of their Pareto front
//! above the table's median accuracy, as a share of the whole table's.

mod fidelity;
mod nb201;
mod searchers;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use archspace::search::{
    Objective, Outcome, Proposal, SearchConfig, SearchError, SearchReport, Searcher, Table, Token, TrialRecord,
    hypervolume, run,
};
use archspace::{Architecture, SpaceDef};
use fidelity::{Fidelity, cell_params, rank_correlation};
use rayon::prelude::*;
use searchers::{Kind, Make};

/// A searcher that times its own asks and tells.
struct Timed {
    inner: Box<dyn Searcher>,
    spent: Duration,
    calls: u64,
}

impl Searcher for Timed {
    fn name(&self) -> &str {
        self.inner.name()
    }
    fn set_seed(&mut self, seed: u64) {
        self.inner.set_seed(seed)
    }
    fn ask(&mut self) -> Result<Proposal, SearchError> {
        let started = Instant::now();
        let proposal = self.inner.ask();
        self.spent += started.elapsed();
        self.calls += 1;
        proposal
    }
    fn tell(&mut self, token: Token, outcome: &Outcome) -> Result<(), SearchError> {
        let started = Instant::now();
        let told = self.inner.tell(token, outcome);
        self.spent += started.elapsed();
        told
    }
    fn invalid_count(&self) -> u64 {
        self.inner.invalid_count()
    }
    fn why_exhausted(&self) -> Option<String> {
        self.inner.why_exhausted()
    }
}

struct Args {
    table: PathBuf,
    seeds: u64,
    budget: usize,
    threads: usize,
    noise: f64,
    in_flight: Option<usize>,
    only: Option<Vec<String>>,
}

const USAGE: &str = "usage: benchmark --table CSV [--seeds N] [--budget B] [--threads T] [--noise SD] \
                     [--in-flight K] [--searchers name,name,...]";

fn parse_args() -> Result<Args, String> {
    let mut args =
        Args { table: PathBuf::new(), seeds: 300, budget: 150, threads: 2, noise: 3.0, in_flight: None, only: None };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value\n{USAGE}"));
        let number = |v: String| v.parse::<u64>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--table" => args.table = PathBuf::from(value()?),
            "--seeds" => args.seeds = number(value()?)?,
            "--budget" => args.budget = number(value()?)? as usize,
            "--threads" => args.threads = number(value()?)? as usize,
            "--noise" => args.noise = value()?.parse::<f64>().map_err(|e| format!("--noise: {e}"))?,
            "--in-flight" => args.in_flight = Some(number(value()?)? as usize),
            "--searchers" => args.only = Some(value()?.split(',').map(str::to_owned).collect()),
            "--help" | "-h" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown flag `{other}`\n{USAGE}")),
        }
    }
    if args.table.as_os_str().is_empty() {
        return Err(format!("--table is required\n{USAGE}"));
    }
    if args.seeds < 2 || args.budget < 3 || args.threads == 0 || args.noise.is_nan() || args.noise < 0.0 {
        return Err("--seeds must be at least 2, --budget at least 3, --threads at least 1, --noise ≥ 0".to_owned());
    }
    Ok(args)
}

/// What one run of one searcher gave.
struct RunResult {
    best: f64,
    /// Whether the run's best is the table's optimum.
    hit: bool,
    best_third: f64,
    distinct: usize,
    trials: usize,
    seconds_per_call: f64,
    hypervolume: f64,
    front: usize,
}

/// The evaluation cost of a record: its share of the full budget.
fn cost(record: &TrialRecord) -> f64 {
    record.trial.budget.map_or(1.0, |b| (b / searchers::MAX_BUDGET).min(1.0))
}

/// The best true accuracy of full-budget trials within `budget` evaluations' cost.
fn best_within(records: &[TrialRecord], budget: f64) -> f64 {
    let mut spent = 0.0;
    let mut best = f64::NEG_INFINITY;
    for r in records {
        spent += cost(r);
        if spent > budget + 1e-9 {
            break;
        }
        if cost(r) >= 1.0
            && let Some(a) = r.metrics.get("true_accuracy")
        {
            best = best.max(a);
        }
    }
    best
}

/// The scores (accuracy, −params) of the table's whole Pareto front.
fn table_front(def: &SpaceDef, table: &Table) -> Result<Vec<Vec<f64>>, String> {
    let mut points = Vec::new();
    for arch in def.enumerate() {
        let arch: Architecture = arch.map_err(|e| e.to_string())?;
        let accuracy = table.lookup(&arch)?.get("accuracy").unwrap_or(f64::NAN);
        points.push(vec![accuracy, -cell_params(&arch)]);
    }
    Ok(points.iter().filter(|p| !points.iter().any(|q| archspace::search::dominates(q, p))).cloned().collect())
}

struct Bench<'a> {
    def: SpaceDef,
    fidelity: Fidelity<'a>,
    budget: usize,
    in_flight: Option<usize>,
    reference: [f64; 2],
    optimum: f64,
}

impl Bench<'_> {
    fn run_one(&self, make: Make, kind: Kind, seed: u64) -> Result<RunResult, SearchError> {
        let mut searcher = Timed { inner: make(self.def.clone()), spent: Duration::ZERO, calls: 0 };
        let trials = match kind {
            Kind::MultiFidelity => self.budget * searchers::MAX_BUDGET as usize,
            _ => self.budget,
        };
        let tradeoffs = match kind {
            Kind::MultiObjective => vec![Objective::minimize("params")],
            _ => Vec::new(),
        };
        let config = SearchConfig {
            trials,
            seed,
            in_flight: self.in_flight,
            objective: Objective::maximize("accuracy"),
            tradeoffs,
            ..Default::default()
        };
        let report: SearchReport = run(&mut searcher, &self.fidelity, &config)?;
        let mut spent = 0.0;
        let used: Vec<&TrialRecord> = report
            .records
            .iter()
            .take_while(|r| {
                spent += cost(r);
                spent <= self.budget as f64 + 1e-9
            })
            .collect();
        let distinct: std::collections::HashSet<&str> = used.iter().map(|r| r.hash.as_str()).collect();
        let front = report.pareto();
        let points: Vec<Vec<f64>> = front
            .iter()
            .filter_map(|r| Some(vec![r.metrics.get("true_accuracy")?, -r.metrics.get("params")?]))
            .collect();
        let best = best_within(&report.records, self.budget as f64);
        Ok(RunResult {
            best,
            hit: best >= self.optimum,
            best_third: best_within(&report.records, (self.budget / 3) as f64),
            distinct: distinct.len(),
            trials: used.len(),
            seconds_per_call: searcher.spent.as_secs_f64() / searcher.calls.max(1) as f64,
            hypervolume: hypervolume(&points, &self.reference),
            front: front.len(),
        })
    }
}

fn mean_std(values: impl Iterator<Item = f64> + Clone) -> (f64, f64) {
    let n = values.clone().count() as f64;
    let mean = values.clone().sum::<f64>() / n;
    let var = values.map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    (mean, var.sqrt())
}

fn fail(message: impl std::fmt::Display) -> ! {
    eprintln!("error: {message}");
    std::process::exit(1)
}

fn main() {
    let args = parse_args().unwrap_or_else(|msg| {
        eprintln!("{msg}");
        std::process::exit(2)
    });
    let keys: Vec<(String, &str)> =
        nb201::EDGE_PATHS.iter().enumerate().map(|(i, path)| (format!("e{i}"), *path)).collect();
    let keys: Vec<(&str, &str)> = keys.iter().map(|(c, p)| (c.as_str(), *p)).collect();
    let table = Table::read_csv(&args.table, &keys).unwrap_or_else(|e| fail(e));
    let def = nb201::cell().def();
    if let Err(e) = rayon::ThreadPoolBuilder::new().num_threads(args.threads).build_global() {
        fail(format!("cannot start {} threads: {e}", args.threads));
    }
    let fidelity = Fidelity {
        table: &table,
        min_budget: searchers::MIN_BUDGET,
        max_budget: searchers::MAX_BUDGET,
        noise: args.noise,
    };
    let front = table_front(&def, &table).unwrap_or_else(|e| fail(e));
    // The reference point: the table's median accuracy and more parameters
    // than any cell has, so the hypervolume measures the better half.
    let reference = [median_accuracy(&def, &table).unwrap_or_else(|e| fail(e)), -(6.0 * cell_params_max() + 1.0)];
    let table_hv = hypervolume(&front, &reference);
    let rho = rank_correlation(&fidelity, &def, 1.0).unwrap_or_else(|e| fail(e));
    println!(
        "{} rows; optimum {:.4}; {} seeds × {} evaluations; {} threads; simulated fidelity: noise {} at budget 1, \
         Spearman ρ {rho:.3} at budget 1 of {}; the table's Pareto front has {} cells",
        table.len(),
        table.optimum("accuracy", true).unwrap_or(f64::NAN),
        args.seeds,
        args.budget,
        args.threads,
        args.noise,
        searchers::MAX_BUDGET,
        front.len(),
    );
    let optimum = table.optimum("accuracy", true).unwrap_or(f64::NAN);
    let bench = Bench { def, fidelity, budget: args.budget, in_flight: args.in_flight, reference, optimum };
    let selected: Vec<_> = searchers::all()
        .into_iter()
        .filter(|(name, _, _)| args.only.as_ref().is_none_or(|only| only.iter().any(|o| o == name)))
        .collect();
    let mut header_single = false;
    let mut header_multi = false;
    for (name, kind, make) in selected {
        let started = Instant::now();
        let results: Vec<RunResult> = (0..args.seeds)
            .into_par_iter()
            .map(|seed| bench.run_one(make, kind, seed))
            .collect::<Result<_, _>>()
            .unwrap_or_else(|e| fail(format!("{name}: {e}")));
        let wall = started.elapsed().as_secs_f64();
        let (call, _) = mean_std(results.iter().map(|r| r.seconds_per_call * 1e3));
        if kind == Kind::MultiObjective {
            if !header_multi {
                println!(
                    "\n| searcher (accuracy ↑, params ↓) | hypervolume share | front size | ms per ask+tell | wall s |"
                );
                println!("|---|---|---|---|---|");
                header_multi = true;
            }
            let (hv, hv_std) = mean_std(results.iter().map(|r| r.hypervolume / table_hv));
            let (size, _) = mean_std(results.iter().map(|r| r.front as f64));
            println!("| {name} | {hv:.4} ± {hv_std:.4} | {size:.1} | {call:.3} | {wall:.1} |");
            continue;
        }
        if !header_single {
            println!(
                "\n| searcher | best@{} | best@{} | found the optimum | distinct | trials | ms per ask+tell | wall s |",
                args.budget,
                args.budget / 3
            );
            println!("|---|---|---|---|---|---|---|---|");
            header_single = true;
        }
        let (best, best_std) = mean_std(results.iter().map(|r| r.best));
        let (third, third_std) = mean_std(results.iter().map(|r| r.best_third));
        let (distinct, _) = mean_std(results.iter().map(|r| r.distinct as f64));
        let (trials, _) = mean_std(results.iter().map(|r| r.trials as f64));
        let hits = results.iter().filter(|r| r.hit).count();
        let share = 100.0 * hits as f64 / results.len() as f64;
        println!(
            "| {name} | {best:.2} ± {best_std:.2} | {third:.2} ± {third_std:.2} | {share:.0}% | {distinct:.1} | {trials:.1} | {call:.3} | {wall:.1} |"
        );
    }
}

/// The median accuracy of the table's cells.
fn median_accuracy(def: &SpaceDef, table: &Table) -> Result<f64, String> {
    let mut all = Vec::with_capacity(table.len());
    for arch in def.enumerate() {
        all.push(table.lookup(&arch.map_err(|e| e.to_string())?)?.get("accuracy").unwrap_or(f64::NAN));
    }
    all.sort_by(f64::total_cmp);
    all.get(all.len() / 2).copied().ok_or_else(|| "the table is empty".to_owned())
}

/// Parameters of the largest edge operation.
fn cell_params_max() -> f64 {
    9.0 * 16.0 * 16.0 + 2.0 * 16.0
}
