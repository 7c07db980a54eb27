//! [`Trial`]: the unit of work, and [`TrialRecord`]: what became of it.

use serde::{Deserialize, Serialize};

use crate::architecture::Decision;

use super::outcome::{Metrics, Objective, Outcome};

/// One unit of work: everything a worker needs, besides the space's code, to
/// rebuild the architecture ([`SpaceDef::replay`](crate::SpaceDef::replay)
/// of `decisions`) and evaluate it reproducibly.
///
/// Multi-fidelity searchers ([`AshaSearcher`](super::AshaSearcher),
/// [`HyperbandSearcher`](super::HyperbandSearcher), [`HalvingSearcher`](super::HalvingSearcher))
/// set `budget` and `rung`; a promotion names the trial of the rung below
/// that it continues and keeps that trial's seed, so that training resumed
/// from that trial's checkpoint and training from scratch to the larger
/// budget are the same run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Trial {
    /// Index of the trial in the search (0, 1, …).
    pub id: u64,
    /// Seed for the evaluation's randomness: from (master seed, trial id),
    /// or the continued trial's seed.
    pub seed: u64,
    /// Budget (e.g. epochs) when the searcher sets one: the whole budget of
    /// the evaluation, including what a continued trial already spent.
    pub budget: Option<f64>,
    /// The decisions that replay the architecture, by path.
    pub decisions: Vec<Decision>,
    /// The rung of a multi-fidelity search (0: smallest budget).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rung: Option<u32>,
    /// The trial (of the rung below) whose evaluation this one continues.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub continues: Option<u64>,
}

impl Trial {
    /// A trial without budget or rung.
    pub fn new(id: u64, seed: u64, decisions: Vec<Decision>) -> Self {
        Trial { id, seed, budget: None, decisions, rung: None, continues: None }
    }
}

/// How a trial ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrialStatus {
    /// Evaluated, with a finite objective.
    Completed,
    /// The evaluation panicked, returned an error or a non-finite metric.
    Failed,
    /// The same network (and budget) as an earlier trial: not evaluated
    /// again; its outcome is copied.
    Duplicate,
}

/// A trial and its result: one line of the search log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrialRecord {
    /// The trial.
    #[serde(flatten)]
    pub trial: Trial,
    /// [`ArchitectureHash`](crate::ArchitectureHash) of the network, in hex.
    pub hash: String,
    /// How it ended.
    pub status: TrialStatus,
    /// The reported metrics (finite values only).
    pub metrics: Metrics,
    /// The objective as a score (larger is better), when there is one.
    pub score: Option<f64>,
    /// Why it failed.
    pub error: Option<String>,
    /// For a duplicate, the trial it copies.
    pub duplicate_of: Option<u64>,
    /// Wall-clock seconds of the evaluation.
    pub seconds: f64,
    /// 1 for a trial's first evaluation; 2, 3, … for the evaluations again
    /// of a failed trial ([`SearchConfig::retry_failed`](super::SearchConfig::retry_failed)),
    /// each a record of its own in the log, after the one it retries. Left
    /// out of the log line when 1.
    #[serde(default = "first_attempt", skip_serializing_if = "is_first_attempt")]
    pub attempt: u32,
}

fn first_attempt() -> u32 {
    1
}

fn is_first_attempt(attempt: &u32) -> bool {
    *attempt == 1
}

impl TrialRecord {
    /// The outcome a searcher is told for this record (single objective).
    pub fn outcome(&self) -> Outcome {
        self.outcome_with(&[])
    }

    /// The outcome a searcher is told for this record, with the trade-off
    /// objectives `tradeoffs` scored from its metrics.
    pub fn outcome_with(&self, tradeoffs: &[Objective]) -> Outcome {
        let failed = |reason: Option<&String>| Outcome::Failed {
            reason: reason.cloned().unwrap_or_else(|| "failed".to_owned()),
        };
        let Some(score) = self.score else { return failed(self.error.as_ref()) };
        match tradeoffs.iter().map(|o| o.score(&self.metrics)).collect::<Result<Vec<f64>, String>>() {
            Ok(tradeoffs) => Outcome::Completed { metrics: self.metrics.clone(), score, tradeoffs },
            Err(reason) => failed(Some(&reason)),
        }
    }

    /// This record with its timing zeroed, to compare runs.
    pub fn without_timing(mut self) -> Self {
        self.seconds = 0.0;
        self
    }
}
