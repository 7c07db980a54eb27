//! The DeepArchitect paper's experiments on Fashion-MNIST: Table 1 (random
//! search over each space) and Table 2 (random search, MCTS, SMBO and
//! regularized evolution over the Genetic space).
//!
//! Every search goes through the public driver ([`archspace::search::run`])
//! with a search log per row and repeat, so an interrupted table resumes
//! where it stopped; trials run `threads` at a time. A row's figures are the
//! mean ± standard deviation over its repeats of the best trial's
//! validation accuracy (which ranks the trials), that trial's test
//! accuracy, its parameters, and the search's hours.
//!
//! ```no_run
//! use archspace_candle::data::fashion_mnist_subset;
//! use archspace_candle::spaces::experiment::{ExperimentConfig, ExperimentData, PaperTable, markdown, run_table};
//! let (train, test) = fashion_mnist_subset()?;
//! let data = ExperimentData::split(train, test, 1000, 0)?;
//! let config = ExperimentConfig { samples: 4, epochs: 1, repeats: 1, ..ExperimentConfig::new(PaperTable::Two) };
//! let rows = run_table(&config, &data, &mut |line| eprintln!("{line}"))?;
//! println!("{}", markdown(&rows, config.table));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::path::PathBuf;

use archspace::search::{
    EvalError, EventSink, EvolutionConfig, EvolutionSearcher, MctsSearcher, Metrics, Objective, RandomSearcher,
    SearchConfig, SearchError, SearchReport, Searcher, SmboConfig, SmboSearcher, Trial, evaluator, run,
};
use archspace::{Architecture, SpaceDef};

use super::{Paper, Scale};
use crate::data::{Dataset, Normalization};
use crate::error::BackendError;
use crate::ops::Registry;
use crate::train::{self, Budget, TrainConfig};
use crate::{Network, NetworkConfig};

/// Which of the paper's tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PaperTable {
    /// Random search over Genetic, Flat, NAS-Bench and NASNet-A (the
    /// paper's Table 1), and the hierarchical space.
    One,
    /// Random, MCTS, SMBO and regularized evolution over Genetic.
    Two,
}

impl PaperTable {
    /// The rows: (space, searcher name).
    pub fn rows(self) -> Vec<(Paper, &'static str)> {
        match self {
            PaperTable::One => Paper::ALL.map(|p| (p, "random")).to_vec(),
            PaperTable::Two => ["random", "mcts", "smbo", "evolution"].map(|s| (Paper::Genetic, s)).to_vec(),
        }
    }

    /// The paper's CIFAR-10 test accuracies for the rows (Negrinho et al. 2019, Tables 1 and 2).
    pub fn paper_figures(self) -> Vec<&'static str> {
        match self {
            PaperTable::One => vec!["90.07", "93.58", "94.59", "93.77", "not in the paper's table"],
            PaperTable::Two => vec!["91.61 ± 0.67", "91.45 ± 0.11", "91.93 ± 1.03", "91.32 ± 0.50"],
        }
    }
}

/// Settings of a table's run.
#[derive(Clone, Debug)]
pub struct ExperimentConfig {
    /// The table.
    pub table: PaperTable,
    /// Architectures sampled (trials) per search.
    pub samples: usize,
    /// Training epochs per trial.
    pub epochs: usize,
    /// Searches per row (seeds 0 … repeats−1).
    pub repeats: usize,
    /// Trials trained at once.
    pub threads: usize,
    /// Where the search logs go (one per row and repeat).
    pub out: PathBuf,
}

impl ExperimentConfig {
    /// The defaults for `table`: 16 samples, 1 epoch, 3 repeats, 2 threads,
    /// logs under `target/paper`.
    pub fn new(table: PaperTable) -> Self {
        ExperimentConfig { table, samples: 16, epochs: 1, repeats: 3, threads: 2, out: "target/paper".into() }
    }
}

/// The data of an experiment: training, validation and test sets.
pub struct ExperimentData {
    train: Dataset,
    validation: Dataset,
    test: Dataset,
    norm: Normalization,
}

impl ExperimentData {
    /// `validation` images of `train` (drawn with `seed`) held out to rank
    /// the trials; `test` scores the best trial.
    pub fn split(train: Dataset, test: Dataset, validation: usize, seed: u64) -> Result<Self, BackendError> {
        test.check_matches("the test set", &train, "the training set")?;
        let (train, validation) = train.split_off(validation, seed)?;
        let norm = train.normalization();
        Ok(ExperimentData { train, validation, test, norm })
    }
}

/// Why a table could not be run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExperimentError {
    /// A search failed (its log, its settings).
    #[error("{row}, repeat {repeat}: {source}")]
    Search {
        /// The row, e.g. `genetic / random`.
        row: String,
        /// The repeat (its seed).
        repeat: usize,
        /// The cause.
        source: Box<SearchError>,
    },
    /// Every trial of a search failed.
    #[error("{row}, repeat {repeat}: every trial failed")]
    NoResult {
        /// The row.
        row: String,
        /// The repeat.
        repeat: usize,
    },
    /// A setting that cannot run.
    #[error("{0}")]
    Config(String),
    /// A space that cannot be built.
    #[error(transparent)]
    Spec(#[from] archspace::SpecError),
}

/// One search's outcome: its best trial (by validation accuracy).
#[derive(Clone, Debug, PartialEq)]
pub struct RunResult {
    /// The best trial's validation accuracy.
    pub validation: f64,
    /// The best trial's test accuracy.
    pub test: f64,
    /// The best trial's parameters.
    pub params: f64,
    /// The search's hours: its trials' evaluation time over the trials
    /// run at once (`threads`), read from its records, so that a search
    /// resumed from its log reports the time it took, not the replay's.
    pub hours: f64,
}

/// A row of a table: its space, searcher and one result per repeat.
#[derive(Clone, Debug)]
pub struct Row {
    /// The space.
    pub space: Paper,
    /// The searcher.
    pub searcher: &'static str,
    /// One result per repeat.
    pub results: Vec<RunResult>,
}

fn searcher(name: &str, def: SpaceDef) -> Result<Box<dyn Searcher>, ExperimentError> {
    Ok(match name {
        "random" => Box::new(RandomSearcher::per_decision(def)),
        "mcts" => Box::new(MctsSearcher::new(def)),
        "smbo" => Box::new(SmboSearcher::new(def, SmboConfig::default())),
        "evolution" => Box::new(EvolutionSearcher::new(def, EvolutionConfig::default())),
        other => return Err(ExperimentError::Config(format!("no searcher `{other}` in the paper's tables"))),
    })
}

/// Trains `arch` for `epochs` and scores it on the validation and test sets.
fn evaluate(trial: &Trial, arch: &Architecture, epochs: usize, d: &ExperimentData) -> Result<Metrics, BackendError> {
    let config = NetworkConfig { seed: trial.seed, classes: Some(10), ..NetworkConfig::default() };
    let net = Network::build(arch, &d.train.shape, &Registry::standard(), &config)?;
    let settings = TrainConfig { budget: Budget::Epochs(epochs), seed: trial.seed, ..TrainConfig::default() };
    let report = train::train(&net, &d.train, Some(&d.validation), &d.norm, &settings, &mut |_| {})?;
    let validation = report.epochs.last().and_then(|e| e.validation).map_or(0.0, |m| m.accuracy);
    let test = train::evaluate(&net, &d.test, &d.norm, 500)?.accuracy;
    Ok(Metrics::new()
        .with("validation_accuracy", validation)
        .with("test_accuracy", test)
        .with("params", net.param_count() as f64))
}

/// Runs every row of `config.table`, `config.repeats` times, calling
/// `progress` with a line per finished search.
pub fn run_table(
    config: &ExperimentConfig,
    data: &ExperimentData,
    progress: &mut dyn FnMut(&str),
) -> Result<Vec<Row>, ExperimentError> {
    if config.samples == 0 || config.epochs == 0 || config.repeats == 0 || config.threads == 0 {
        return Err(ExperimentError::Config("samples, epochs, repeats and threads must be at least 1".into()));
    }
    let table = match config.table {
        PaperTable::One => "table1",
        PaperTable::Two => "table2",
    };
    let dir = config.out.join(table);
    std::fs::create_dir_all(&dir)
        .map_err(|e| ExperimentError::Config(format!("cannot create the log directory `{}`: {e}", dir.display())))?;
    let eval = evaluator(|trial: &Trial, arch: &Architecture| {
        evaluate(trial, arch, config.epochs, data).map_err(|e| Box::new(e) as EvalError)
    });
    let mut rows = Vec::new();
    for (space, name) in config.table.rows() {
        let row = format!("{} / {name}", space.name());
        let def = space.space(Scale::Cpu);
        let fingerprint = def.fingerprint()?;
        let mut results = Vec::with_capacity(config.repeats);
        for repeat in 0..config.repeats {
            let log =
                dir.join(format!("{}_{name}_s{}_e{}_r{repeat}.jsonl", space.name(), config.samples, config.epochs));
            let search = SearchConfig {
                trials: config.samples,
                threads: config.threads,
                in_flight: Some(config.threads),
                seed: repeat as u64,
                objective: Objective::maximize("validation_accuracy"),
                log: Some(log),
                space: Some(fingerprint),
                events: EventSink::Ignore,
                ..SearchConfig::default()
            };
            let mut searcher = searcher(name, def.clone())?;
            let report = run(searcher.as_mut(), &eval, &search).map_err(|e| ExperimentError::Search {
                row: row.clone(),
                repeat,
                source: Box::new(e),
            })?;
            let best = report.best().ok_or_else(|| ExperimentError::NoResult { row: row.clone(), repeat })?;
            let metric = |m: &str| best.metrics.get(m).unwrap_or(f64::NAN);
            let result = RunResult {
                validation: metric("validation_accuracy"),
                test: metric("test_accuracy"),
                params: metric("params"),
                hours: search_hours(&report, config.threads),
            };
            progress(&format!(
                "{row}, repeat {repeat}: best validation {:.2}%, test {:.2}%",
                100.0 * result.validation,
                100.0 * result.test
            ));
            results.push(result);
        }
        rows.push(Row { space, searcher: name, results });
    }
    Ok(rows)
}

/// The hours of a search that ran `threads` trials at once: the sum of
/// its trials' evaluation seconds (kept in the log) over `threads`.
fn search_hours(report: &SearchReport, threads: usize) -> f64 {
    report.records.iter().map(|r| r.seconds).sum::<f64>() / threads as f64 / 3600.0
}

/// Mean and (sample) standard deviation.
fn mean_std(values: impl Iterator<Item = f64> + Clone) -> (f64, f64) {
    let n = values.clone().count() as f64;
    let mean = values.clone().sum::<f64>() / n;
    let var = if n > 1.0 { values.map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0) } else { 0.0 };
    (mean, var.sqrt())
}

/// Accuracies as a percentage: the mean ± standard deviation over
/// repeats, or the one value of a single repeat (which has no spread).
fn percent(accuracies: impl Iterator<Item = f64> + Clone) -> String {
    let (mean, sd) = mean_std(accuracies.clone().map(|a| 100.0 * a));
    if accuracies.count() > 1 { format!("{mean:.2} ± {sd:.2}") } else { format!("{mean:.2}") }
}

/// The rows as a markdown table, with the paper's CIFAR-10 figures beside them.
pub fn markdown(rows: &[Row], table: PaperTable) -> String {
    let mut out = String::from(
        "| space | searcher | validation % | test % | params | search hours | paper (CIFAR-10 test %) |\n\
         |---|---|---|---|---|---|---|\n",
    );
    for (row, paper) in rows.iter().zip(table.paper_figures()) {
        let val = percent(row.results.iter().map(|r| r.validation));
        let test = percent(row.results.iter().map(|r| r.test));
        let (params, _) = mean_std(row.results.iter().map(|r| r.params));
        let (hours, _) = mean_std(row.results.iter().map(|r| r.hours));
        out.push_str(&format!(
            "| {} | {} | {val} | {test} | {params:.0} | {hours:.2} | {paper} |\n",
            row.space.name(),
            row.searcher,
        ));
    }
    out
}
