//! Evaluating failed trials again ([`SearchConfig::retry_failed`](super::SearchConfig::retry_failed)):
//! the log holds one record per attempt; a trial's result is its last
//! attempt, while the searcher is told its first outcome, so retries never
//! change which trials are proposed.

use std::collections::{HashMap, hash_map::Entry};

use super::outcome::{Objective, Outcome};
use super::record::{TrialRecord, TrialStatus};

/// A trial as the log holds it.
#[derive(Clone, Debug)]
pub(crate) struct LoggedTrial {
    /// The outcome of its first attempt: what the searcher was told.
    pub(crate) told: Outcome,
    /// Its last attempt.
    pub(crate) latest: TrialRecord,
}

/// The logged trials by id, from the log's records in the order written.
pub(crate) fn logged_trials(records: Vec<TrialRecord>, tradeoffs: &[Objective]) -> HashMap<u64, LoggedTrial> {
    let mut trials: HashMap<u64, LoggedTrial> = HashMap::with_capacity(records.len());
    for record in records {
        match trials.entry(record.trial.id) {
            Entry::Occupied(mut e) => e.get_mut().latest = record,
            Entry::Vacant(e) => {
                e.insert(LoggedTrial { told: record.outcome_with(tradeoffs), latest: record });
            }
        }
    }
    trials
}

/// The last attempt of every trial in `records` (in the order written), in trial order.
pub(crate) fn latest_attempts(records: &[TrialRecord]) -> Vec<&TrialRecord> {
    let mut latest: HashMap<u64, &TrialRecord> = HashMap::with_capacity(records.len());
    for record in records {
        latest.insert(record.trial.id, record);
    }
    let mut latest: Vec<&TrialRecord> = latest.into_values().collect();
    latest.sort_by_key(|r| r.trial.id);
    latest
}

/// Checks `record` against the trial's earlier attempt in the log, if any
/// (`(attempt, status)`), and returns its own.
pub(crate) fn check_attempt(
    earlier: Option<(u32, TrialStatus)>,
    record: &TrialRecord,
) -> Result<(u32, TrialStatus), String> {
    let id = record.trial.id;
    match earlier {
        None if record.attempt == 1 => Ok((1, record.status)),
        None => Err(format!("trial {id} has attempt {} but no earlier attempt", record.attempt)),
        Some(_) if record.status == TrialStatus::Duplicate => Err(format!("trial {id} is recorded twice")),
        Some((attempt, TrialStatus::Failed)) if record.attempt == attempt + 1 => Ok((record.attempt, record.status)),
        Some((_, TrialStatus::Failed)) => {
            Err(format!("trial {id} is recorded twice (attempt {} is not a retry of the failed one)", record.attempt))
        }
        Some(_) => Err(format!("trial {id} is recorded twice")),
    }
}
