//! [`SearchReport`]: the trials of a finished search and its leaderboard.

use std::fmt;

use super::outcome::Objective;
use super::record::{TrialRecord, TrialStatus};

/// The result of [`run`](super::run): every trial record, in trial order.
#[derive(Clone, Debug, PartialEq)]
pub struct SearchReport {
    /// The searcher's name.
    pub searcher: String,
    /// The objective.
    pub objective: Objective,
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
    pub fn leaderboard(&self, k: usize) -> Vec<&TrialRecord> {
        let mut scored: Vec<&TrialRecord> =
            self.records.iter().filter(|r| r.status == TrialStatus::Completed && r.score.is_some()).collect();
        scored.sort_by(|a, b| {
            b.score
                .unwrap_or(f64::NEG_INFINITY)
                .total_cmp(&a.score.unwrap_or(f64::NEG_INFINITY))
                .then(a.trial.id.cmp(&b.trial.id))
        });
        scored.truncate(k);
        scored
    }

    /// Number of trials with `status`.
    pub fn count(&self, status: TrialStatus) -> usize {
        self.records.iter().filter(|r| r.status == status).count()
    }
}

impl fmt::Display for SearchReport {
    /// A summary and the top-10 leaderboard.
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
        writeln!(f, "{:>4}  {:>6}  {:>12}  {:>8}  decisions", "rank", "trial", self.objective.metric, "budget")?;
        for (rank, r) in self.leaderboard(10).iter().enumerate() {
            let value = r.score.map(|s| self.objective.value_of(s)).unwrap_or(f64::NAN);
            let budget = r.trial.budget.map(|b| b.to_string()).unwrap_or_else(|| "-".to_owned());
            let decisions: Vec<String> = r.trial.decisions.iter().map(|d| format!("{}={}", d.path, d.value)).collect();
            writeln!(f, "{:>4}  {:>6}  {:>12.6}  {:>8}  {}", rank + 1, r.trial.id, value, budget, decisions.join(" "))?;
        }
        Ok(())
    }
}
