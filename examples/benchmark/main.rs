//! Every searcher on a tabular benchmark: N seeds × B evaluations each,
//! looked up in a table instead of trained, in parallel over seeds.
//!
//! ```text
//! cargo run --release --example benchmark -- --table ../shared/bench/nb201_analog.csv \
//!     [--seeds 300] [--budget 150] [--threads 2] [--searchers random,evolution,...]
//! ```
//!
//! The table is a CSV of the NAS-Bench-201 cell's six edge codes (`e0` …
//! `e5`) and an `accuracy` column (e.g. AnalogNAS-Bench's CIFAR-10 accuracy
//! on analog hardware); the cell is written in the DSL in `nb201.rs`.
//! For each searcher it prints the mean ± standard deviation over seeds of
//! the best accuracy within B trials and within B/3, the distinct
//! architectures evaluated per run, and the milliseconds per ask + tell.

mod nb201;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use archspace::SpaceDef;
use archspace::search::{
    EvolutionConfig, EvolutionSearcher, GridSearcher, HalvingConfig, HalvingSearcher, MctsSearcher, Objective, Outcome,
    Proposal, RandomSearcher, SearchConfig, SearchError, Searcher, SmboConfig, SmboSearcher, Table, Token, run,
};
use rayon::prelude::*;

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
}

type Make = fn(SpaceDef, u64) -> Box<dyn Searcher>;

/// Every searcher, with the defaults a user gets.
fn searchers() -> Vec<(&'static str, Make)> {
    vec![
        ("random", |d, s| Box::new(RandomSearcher::per_decision(d, s))),
        ("uniform", |d, s| Box::new(RandomSearcher::uniform(d, s))),
        ("grid", |d, _| Box::new(GridSearcher::new(d))),
        ("mcts", |d, s| Box::new(MctsSearcher::new(d, s))),
        ("smbo", |d, s| Box::new(SmboSearcher::new(d, s, SmboConfig::default()))),
        ("evolution", |d, s| Box::new(EvolutionSearcher::new(d, s, EvolutionConfig::default()))),
        ("halving", |d, s| Box::new(HalvingSearcher::new(d, s, HalvingConfig::default()))),
    ]
}

struct Args {
    table: PathBuf,
    seeds: u64,
    budget: usize,
    threads: usize,
    only: Option<Vec<String>>,
}

const USAGE: &str =
    "usage: benchmark --table CSV [--seeds N] [--budget B] [--threads T] [--searchers name,name,...]";

fn parse_args() -> Result<Args, String> {
    let mut args = Args { table: PathBuf::new(), seeds: 300, budget: 150, threads: 2, only: None };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value\n{USAGE}"));
        let number = |v: String| v.parse::<u64>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--table" => args.table = PathBuf::from(value()?),
            "--seeds" => args.seeds = number(value()?)?,
            "--budget" => args.budget = number(value()?)? as usize,
            "--threads" => args.threads = number(value()?)? as usize,
            "--searchers" => args.only = Some(value()?.split(',').map(str::to_owned).collect()),
            "--help" | "-h" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown flag `{other}`\n{USAGE}")),
        }
    }
    if args.table.as_os_str().is_empty() {
        return Err(format!("--table is required\n{USAGE}"));
    }
    if args.seeds < 2 || args.budget < 3 || args.threads == 0 {
        return Err("--seeds must be at least 2, --budget at least 3 and --threads at least 1".to_owned());
    }
    Ok(args)
}

/// What one run of one searcher gave.
struct RunResult {
    best: f64,
    best_third: f64,
    distinct: usize,
    trials: usize,
    seconds_per_call: f64,
}

fn run_one(make: Make, def: &SpaceDef, table: &Table, seed: u64, budget: usize) -> Result<RunResult, SearchError> {
    let mut searcher = Timed { inner: make(def.clone(), seed), spent: Duration::ZERO, calls: 0 };
    let config = SearchConfig { trials: budget, seed, objective: Objective::maximize("accuracy"), ..Default::default() };
    let report = run(&mut searcher, table, &config)?;
    let best_within = |n: usize| {
        report.records.iter().take(n).filter_map(|r| r.metrics.get("accuracy")).fold(f64::NEG_INFINITY, f64::max)
    };
    let distinct: std::collections::HashSet<&str> = report.records.iter().map(|r| r.hash.as_str()).collect();
    Ok(RunResult {
        best: best_within(budget),
        best_third: best_within(budget / 3),
        distinct: distinct.len(),
        trials: report.records.len(),
        seconds_per_call: searcher.spent.as_secs_f64() / searcher.calls.max(1) as f64,
    })
}

fn mean_std(values: impl Iterator<Item = f64> + Clone) -> (f64, f64) {
    let n = values.clone().count() as f64;
    let mean = values.clone().sum::<f64>() / n;
    let var = values.map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    (mean, var.sqrt())
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(msg) => {
            eprintln!("{msg}");
            std::process::exit(2);
        }
    };
    let keys: Vec<(String, &str)> =
        nb201::EDGE_PATHS.iter().enumerate().map(|(i, path)| (format!("e{i}"), *path)).collect();
    let keys: Vec<(&str, &str)> = keys.iter().map(|(c, p)| (c.as_str(), *p)).collect();
    let table = match Table::read_csv(&args.table, &keys) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    let def = nb201::cell().def();
    if let Err(e) = rayon::ThreadPoolBuilder::new().num_threads(args.threads).build_global() {
        eprintln!("error: cannot start {} threads: {e}", args.threads);
        std::process::exit(1);
    }
    println!(
        "{} rows; optimum {:.4}; {} seeds × {} trials; {} threads",
        table.len(),
        table.optimum("accuracy", true).unwrap_or(f64::NAN),
        args.seeds,
        args.budget,
        args.threads
    );
    println!();
    println!("| searcher | best@{} | best@{} | distinct | trials | ms per ask+tell | wall s |", args.budget, args.budget / 3);
    println!("|---|---|---|---|---|---|---|");
    for (name, make) in searchers() {
        if args.only.as_ref().is_some_and(|only| !only.iter().any(|o| o == name)) {
            continue;
        }
        let started = Instant::now();
        let results: Result<Vec<RunResult>, SearchError> =
            (0..args.seeds).into_par_iter().map(|seed| run_one(make, &def, &table, seed, args.budget)).collect();
        let results = match results {
            Ok(r) => r,
            Err(e) => {
                eprintln!("error: {name}: {e}");
                std::process::exit(1);
            }
        };
        let (best, best_std) = mean_std(results.iter().map(|r| r.best));
        let (third, third_std) = mean_std(results.iter().map(|r| r.best_third));
        let (distinct, _) = mean_std(results.iter().map(|r| r.distinct as f64));
        let (trials, _) = mean_std(results.iter().map(|r| r.trials as f64));
        let (call, _) = mean_std(results.iter().map(|r| r.seconds_per_call * 1e3));
        println!(
            "| {name} | {best:.2} ± {best_std:.2} | {third:.2} ± {third_std:.2} | {distinct:.1} | {trials:.1} | {call:.3} | {:.1} |",
            started.elapsed().as_secs_f64()
        );
    }
}
