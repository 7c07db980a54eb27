//! Plots of a search, read from its trial records, so that any search log
//! can be plotted after the fact (feature `plots`): the best score so far
//! against the trial (one line per search when comparing several), every
//! trial's score, the Pareto front of the score against a cost (parameters,
//! FLOPs) and the mean score per value of each decision. Each is written
//! as PNG or SVG (from the file's extension) with `plotters`, its text
//! drawn from an embedded font: no system library is needed.
//!
//! The numbers behind each plot are plain functions too: [`best_so_far`],
//! [`pareto_front`], [`marginals`].
//!
//! ```no_run
//! use archspace_core::search::plot::{SearchTrace, plot_search};
//! let trace = SearchTrace::from_log("target/quickstart/search_log.jsonl".as_ref())?;
//! for path in plot_search(&trace, "target/quickstart/plots".as_ref())? {
//!     println!("wrote {}", path.display());
//! }
//! # Ok::<(), archspace_core::search::plot::PlotError>(())
//! ```

mod data;
mod figures;
mod render;

use std::path::{Path, PathBuf};

pub use data::{Marginal, best_so_far, marginals, pareto_front};
use figures::{BestSoFarFigure, MarginalsFigure, ParetoFigure, ScoresFigure};

use super::error::SearchError;
use super::journal::read_log;
use super::outcome::Objective;
use super::record::TrialRecord;
use super::report::SearchReport;

/// Why a plot was not written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PlotError {
    /// The search log could not be read.
    #[error(transparent)]
    Log(#[from] SearchError),
    /// The file name does not end in `.png` or `.svg`.
    #[error("cannot tell the image format of `{path}`: name it `.png` or `.svg`")]
    Format {
        /// The file asked for.
        path: PathBuf,
    },
    /// Nothing to plot (e.g. no trial has a score yet).
    #[error("nothing to plot in `{path}`: {reason}")]
    Empty {
        /// The file asked for.
        path: PathBuf,
        /// What is missing.
        reason: String,
    },
    /// A directory for the plots could not be made.
    #[error("cannot create `{path}`: {source}")]
    Io {
        /// The directory.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Drawing or writing the image failed.
    #[error("cannot draw `{path}`: {message}")]
    Draw {
        /// The file asked for.
        path: PathBuf,
        /// What plotters reported.
        message: String,
    },
}

/// One search to plot: a name for legends, its objective (the plotted
/// values are the objective's metric, whatever its direction) and its
/// trial records.
#[derive(Clone, Debug, PartialEq)]
pub struct SearchTrace {
    /// Shown in legends.
    pub name: String,
    /// The objective the scores come from.
    pub objective: Objective,
    /// The trials.
    pub records: Vec<TrialRecord>,
}

impl SearchTrace {
    /// A trace of `records` scored by `objective`.
    pub fn new(name: impl Into<String>, objective: Objective, records: Vec<TrialRecord>) -> Self {
        SearchTrace { name: name.into(), objective, records }
    }

    /// The trace of a finished search, named after its searcher (a trial
    /// evaluated again after a failure counts with its last attempt).
    pub fn from_report(report: &SearchReport) -> Self {
        let records = super::retry::latest_attempts(&report.records).into_iter().cloned().collect();
        SearchTrace::new(&report.searcher, report.objective.clone(), records)
    }

    /// The trace of the search log at `path`, named `<searcher> (<file stem>)`
    /// (a log without a header: the file stem, and `maximize("score")`); a
    /// trial evaluated again after a failure counts with its last attempt.
    ///
    /// # Errors
    /// [`PlotError::Log`] where the log cannot be read or is corrupt.
    pub fn from_log(path: &Path) -> Result<Self, PlotError> {
        let contents = read_log(path)?;
        let stem = path.file_stem().map_or_else(|| path.display().to_string(), |s| s.to_string_lossy().into_owned());
        let (name, objective) = match &contents.header {
            Some(header) => (format!("{} ({stem})", header.searcher), header.objective.clone()),
            None => (stem, Objective::default()),
        };
        let records = contents.latest().into_iter().cloned().collect();
        Ok(SearchTrace::new(name, objective, records))
    }

    /// The objective's value (not the score) of each trial with a score.
    fn values(&self) -> impl Iterator<Item = (&TrialRecord, f64)> {
        self.records.iter().filter_map(|r| Some((r, self.objective.value_of(r.score?))))
    }
}

/// Best score so far against the trial, one line per trace, to `path`
/// (`.png` or `.svg`).
///
/// # Errors
/// [`PlotError::Empty`] where no trace has a scored trial; see [`PlotError`].
pub fn plot_best_so_far(traces: &[SearchTrace], path: &Path) -> Result<(), PlotError> {
    render::render(&BestSoFarFigure { traces }, path)
}

/// Every trial's score against its index (failed trials marked below),
/// with the best so far, to `path`.
///
/// # Errors
/// As [`plot_best_so_far`].
pub fn plot_scores(trace: &SearchTrace, path: &Path) -> Result<(), PlotError> {
    render::render(&ScoresFigure { trace }, path)
}

/// Every trial's score against the metric `cost` (e.g. `params`, `flops`;
/// log scale), the Pareto front (lowest cost for its score) drawn as a
/// line, to `path`.
///
/// # Errors
/// [`PlotError::Empty`] where no scored trial reports a positive `cost`.
pub fn plot_pareto(trace: &SearchTrace, cost: &str, path: &Path) -> Result<(), PlotError> {
    render::render(&ParetoFigure { trace, cost }, path)
}

/// The mean score per value of each decision (the decisions that
/// mattered most in these trials first, see [`marginals`]), to `path`.
///
/// # Errors
/// As [`plot_best_so_far`].
pub fn plot_marginals(trace: &SearchTrace, path: &Path) -> Result<(), PlotError> {
    render::render(&MarginalsFigure { trace }, path)
}

/// Every plot of one search into `dir` (made if missing), as PNG and SVG:
/// `best_so_far`, `scores`, `marginals`, and `pareto_params` /
/// `pareto_flops` where the trials report `params` / `flops`. Returns the
/// files written.
///
/// # Errors
/// See [`PlotError`]; [`PlotError::Empty`] where no trial has a score.
pub fn plot_search(trace: &SearchTrace, dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    std::fs::create_dir_all(dir).map_err(|source| PlotError::Io { path: dir.to_owned(), source })?;
    let mut written = Vec::new();
    for extension in ["png", "svg"] {
        let file = |stem: &str| dir.join(format!("{stem}.{extension}"));
        plot_best_so_far(std::slice::from_ref(trace), &file("best_so_far"))?;
        plot_scores(trace, &file("scores"))?;
        plot_marginals(trace, &file("marginals"))?;
        written.extend([file("best_so_far"), file("scores"), file("marginals")]);
        for cost in ["params", "flops"] {
            if trace.records.iter().any(|r| r.score.is_some() && r.metrics.get(cost).is_some_and(|c| c > 0.0)) {
                plot_pareto(trace, cost, &file(&format!("pareto_{cost}")))?;
                written.push(file(&format!("pareto_{cost}")));
            }
        }
    }
    Ok(written)
}

#[cfg(test)]
mod tests;
