//! [`SearchReport`]: the trials of a finished search and its leaderboard.

use std::collections::HashMap;
use std::fmt;

use super::outcome::Objective;
use super::pareto::{hypervolume, pareto_front, record_scores};
use super::record::{TrialRecord, TrialStatus};

/// The completed trials that are each architecture's evaluation at the
/// largest budget it got (all completed trials when no budget is set): a
/// score at a smaller budget of a multi-fidelity search does not compete
/// with one at a larger budget.
pub(crate) fn final_evaluations(records: &[TrialRecord]) -> Vec<&TrialRecord> {
    let budget = |r: &TrialRecord| r.trial.budget.unwrap_or(f64::INFINITY);
    let mut largest: HashMap<&str, f64> = HashMap::new();
    for r in records.iter().filter(|r| r.status == TrialStatus::Completed) {
        let entry = largest.entry(r.hash.as_str()).or_insert(f64::NEG_INFINITY);
        *entry = entry.max(budget(r));
    }
    records
        .iter()
        .filter(|r| r.status == TrialStatus::Completed && r.score.is_some() && largest[r.hash.as_str()] == budget(r))
        .collect()
}

/// The result of [`run`](super::run): every trial record, in trial order.
#[derive(Clone, Debug, PartialEq)]
pub struct SearchReport {
    /// The searcher's name.
    pub searcher: String,
    /// The objective.
    pub objective: Objective,
    /// The trade-off objectives of a multi-objective search (see [`pareto`](Self::pareto)).
    pub tradeoffs: Vec<Objective>,
    /// Every trial, in trial order.
    pub records: Vec<TrialRecord>,
    /// Trials whose results came from the search log instead of running.
    pub resumed: usize,
    /// Failed trials of the log evaluated again
    /// ([`SearchConfig::retry_failed`](super::SearchConfig::retry_failed)).
    pub retried: usize,
    /// A cut-short last line of the search log that was dropped, if any.
    pub truncated_log_line: Option<usize>,
    /// `Invalid` architectures the searcher resampled.
    pub invalid: u64,
    /// Why the searcher stopped before the configured number of trials, if it did.
    pub exhausted: Option<String>,
}

impl SearchReport {
    /// The best trial: highest score, earliest among equals.
    pub fn best(&self) -> Option<&TrialRecord> {
        self.leaderboard(1).into_iter().next()
    }

    /// The objective's value of the best trial.
    pub fn best_value(&self) -> Option<f64> {
        self.best().and_then(|r| r.score).map(|s| self.objective.value_of(s))
    }

    /// The `k` best evaluated trials (duplicates left out), best first.
    ///
    /// With budgets (multi-fidelity searchers), each architecture counts at
    /// the largest budget it was evaluated with, and a larger budget ranks
    /// first: the best trial is the best of those trained longest.
    pub fn leaderboard(&self, k: usize) -> Vec<&TrialRecord> {
        let mut scored = final_evaluations(&self.records);
        let budget = |r: &TrialRecord| r.trial.budget.unwrap_or(f64::INFINITY);
        scored.sort_by(|a, b| {
            budget(b)
                .total_cmp(&budget(a))
                .then(b.score.unwrap_or(f64::NEG_INFINITY).total_cmp(&a.score.unwrap_or(f64::NEG_INFINITY)))
                .then(a.trial.id.cmp(&b.trial.id))
        });
        scored.truncate(k);
        scored
    }

    /// The Pareto front over [`objective`](Self::objective) and
    /// [`tradeoffs`](Self::tradeoffs): the completed trials (at their
    /// largest budget) that no other beats in every objective, best
    /// `objective` first. Without trade-offs, the best trials.
    ///
    /// ```
    /// use archspace_core::search::{evaluator, run, Metrics, Objective, RandomSearcher, SearchConfig};
    /// use archspace_core::{choice, Op, SpaceDef};
    /// let def = SpaceDef::new(|s| s.basic(Op::new("dense").param("units", choice([8, 16, 32, 64]))));
    /// let eval = evaluator(|_, arch| {
    ///     let units = arch.modules()[0].param("units").and_then(|v| v.as_int()).unwrap_or(0) as f64;
    ///     Ok(Metrics::new().with("accuracy", 1.0 - 1.0 / units).with("params", units * 10.0))
    /// });
    /// let config = SearchConfig {
    ///     trials: 4,
    ///     objective: Objective::maximize("accuracy"),
    ///     tradeoffs: vec![Objective::minimize("params")],
    ///     ..SearchConfig::default()
    /// };
    /// let report = run(&mut RandomSearcher::per_decision(def), &eval, &config)?;
    /// // More units: more accurate and larger; every one is a trade-off.
    /// assert_eq!(report.pareto().len(), 4);
    /// # Ok::<(), archspace_core::search::SearchError>(())
    /// ```
    pub fn pareto(&self) -> Vec<&TrialRecord> {
        pareto_front(&self.records, &self.objective, &self.tradeoffs)
    }

    /// The hypervolume of the Pareto front against `reference`, given in
    /// metric values (one per objective: `objective`, then the trade-offs),
    /// e.g. `[0.0, 1e6]` for accuracy above 0 and parameters below a million.
    pub fn hypervolume(&self, reference: &[f64]) -> f64 {
        let objectives: Vec<&Objective> = std::iter::once(&self.objective).chain(&self.tradeoffs).collect();
        let reference: Vec<f64> = objectives
            .iter()
            .zip(reference)
            .map(|(o, &v)| match o.goal {
                super::Goal::Maximize => v,
                super::Goal::Minimize => -v,
            })
            .collect();
        let points: Vec<Vec<f64>> =
            self.pareto().into_iter().filter_map(|r| record_scores(r, &self.objective, &self.tradeoffs)).collect();
        hypervolume(&points, &reference)
    }

    /// Number of trials with `status`.
    pub fn count(&self, status: TrialStatus) -> usize {
        self.records.iter().filter(|r| r.status == status).count()
    }
}

impl fmt::Display for SearchReport {
    /// A summary, why the searcher stopped early (if it did), the top-10
    /// leaderboard and, with trade-offs, the Pareto front.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}: {} trials ({} completed, {} failed, {} duplicates, {} from the log, {} retried), {} invalid resampled",
            self.searcher,
            self.records.len(),
            self.count(TrialStatus::Completed),
            self.count(TrialStatus::Failed),
            self.count(TrialStatus::Duplicate),
            self.resumed,
            self.retried,
            self.invalid,
        )?;
        if let Some(reason) = &self.exhausted {
            writeln!(f, "stopped early: {reason}")?;
        }
        writeln!(f, "{:>4}  {:>6}  {:>12}  {:>8}  decisions", "rank", "trial", self.objective.metric, "budget")?;
        for (rank, r) in self.leaderboard(10).iter().enumerate() {
            let value = r.score.map(|s| self.objective.value_of(s)).unwrap_or(f64::NAN);
            let budget = r.trial.budget.map(|b| b.to_string()).unwrap_or_else(|| "-".to_owned());
            let decisions: Vec<String> = r.trial.decisions.iter().map(|d| format!("{}={}", d.path, d.value)).collect();
            writeln!(f, "{:>4}  {:>6}  {:>12.6}  {:>8}  {}", rank + 1, r.trial.id, value, budget, decisions.join(" "))?;
        }
        if !self.tradeoffs.is_empty() {
            let front = self.pareto();
            let names: Vec<&str> =
                std::iter::once(&self.objective).chain(&self.tradeoffs).map(|o| o.metric.as_str()).collect();
            writeln!(f, "Pareto front ({} trials): {}", front.len(), names.join(" / "))?;
            for r in front {
                let values: Vec<String> =
                    names.iter().map(|n| r.metrics.get(n).map_or("-".to_owned(), |v| format!("{v:.6}"))).collect();
                writeln!(f, "  trial {:>6}: {}", r.trial.id, values.join(" / "))?;
            }
        }
        Ok(())
    }
}
