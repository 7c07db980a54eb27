//! `retry_failed`: a resume evaluates the log's failed trials again, with
//! their seeds, records each retry as a new attempt, and keeps the searcher's
//! trajectory (the searcher is told first outcomes).

mod search_support;

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use archspace::search::{
    EventSink, Metrics, SearchConfig, SearchReport, SmboConfig, SmboSearcher, Trial, TrialRecord, TrialStatus,
    evaluator, export_csv, read_log, run,
};
use search_support::{seed_objective, seed_space, temp_log};

fn config(trials: usize, log: Option<PathBuf>, retry_failed: bool) -> SearchConfig {
    SearchConfig {
        trials,
        threads: 2,
        in_flight: Some(3),
        seed: 11,
        log,
        fsync: false,
        retry_failed,
        events: EventSink::Ignore,
        ..SearchConfig::default()
    }
}

fn searcher() -> SmboSearcher {
    SmboSearcher::new(seed_space(), SmboConfig { candidates: 16, ..SmboConfig::default() })
}

/// Runs a search whose evaluator fails the trials in `failing` (a transient
/// fault, say) and returns the report and the (trial id, seed) pairs evaluated.
fn search(trials: usize, log: &Path, retry: bool, failing: &[u64]) -> (SearchReport, Vec<(u64, u64)>) {
    let evaluated = Mutex::new(Vec::new());
    let eval = evaluator(|t: &Trial, a| {
        evaluated.lock().expect("evaluated").push((t.id, t.seed));
        if failing.contains(&t.id) {
            return Err(format!("out of memory in trial {}", t.id).into());
        }
        Ok(Metrics::new().with("score", seed_objective(a)))
    });
    let report = run(&mut searcher(), &eval, &config(trials, Some(log.to_owned()), retry)).expect("search");
    let mut evaluated = evaluated.into_inner().expect("evaluated");
    evaluated.sort_unstable();
    (report, evaluated)
}

#[test]
fn failed_trials_are_evaluated_again_on_a_resume_with_retry_failed() {
    let log = temp_log("retry", "retry.jsonl");
    let (first, _) = search(10, &log, false, &[2, 5]);
    assert_eq!(first.count(TrialStatus::Failed), 2);

    let (kept, evaluated) = search(10, &log, false, &[]);
    assert!(evaluated.is_empty(), "without retry_failed, failures are kept: {evaluated:?}");
    assert_eq!((kept.count(TrialStatus::Failed), kept.retried), (2, 0));

    let (retried, evaluated) = search(10, &log, true, &[]);
    let seeds =
        |ids: &[u64]| -> Vec<(u64, u64)> { ids.iter().map(|&i| (i, first.records[i as usize].trial.seed)).collect() };
    assert_eq!(evaluated, seeds(&[2, 5]), "only the failed trials run again, with their own seeds");
    assert_eq!((retried.retried, retried.resumed, retried.count(TrialStatus::Failed)), (2, 8, 0));
    for id in [2, 5] {
        let record = &retried.records[id];
        assert_eq!((record.attempt, record.status, record.error.as_deref()), (2, TrialStatus::Completed, None));
        assert_eq!(record.trial, first.records[id].trial, "the retry is the same trial");
    }

    // The log keeps both attempts, in order; its result per trial is the last.
    let contents = read_log(&log).expect("a log with retries reads");
    assert_eq!(contents.records.len(), 12);
    let attempts: Vec<(u64, u32, TrialStatus)> = contents
        .records
        .iter()
        .filter(|r| [2, 5].contains(&r.trial.id))
        .map(|r| (r.trial.id, r.attempt, r.status))
        .collect();
    assert!(attempts.contains(&(2, 1, TrialStatus::Failed)) && attempts.contains(&(2, 2, TrialStatus::Completed)));
    assert!(contents.latest().iter().all(|r| r.status == TrialStatus::Completed));
    let csv = log.with_extension("csv");
    export_csv(&log, &csv).expect("export");
    assert_eq!(std::fs::read_to_string(&csv).expect("csv").lines().count(), 11, "one row per trial");

    let (again, evaluated) = search(10, &log, true, &[]);
    assert!(evaluated.is_empty() && again.retried == 0 && again.resumed == 10, "nothing left to retry");
    let timeless = |r: &SearchReport| r.records.iter().cloned().map(TrialRecord::without_timing).collect::<Vec<_>>();
    assert_eq!(timeless(&again), timeless(&retried), "the retried results are the log's results");
}

#[test]
fn a_trial_that_fails_again_gets_one_attempt_more_per_resume() {
    let log = temp_log("retry", "again.jsonl");
    search(4, &log, false, &[1]);
    let (second, _) = search(4, &log, true, &[1]);
    let (third, evaluated) = search(4, &log, true, &[1]);
    assert_eq!((second.records[1].attempt, third.records[1].attempt), (2, 3));
    assert_eq!(evaluated.iter().map(|&(id, _)| id).collect::<Vec<_>>(), [1]);
    assert_eq!(third.records[1].status, TrialStatus::Failed);
    let attempts: Vec<u32> =
        read_log(&log).expect("log").records.iter().filter(|r| r.trial.id == 1).map(|r| r.attempt).collect();
    assert_eq!(attempts, [1, 2, 3]);
}

#[test]
fn retries_never_change_which_trials_the_searcher_proposes() {
    // An adaptive searcher: outcomes steer its proposals. The retried search,
    // extended past the log, proposes what an uninterrupted search with the
    // same first outcomes proposes.
    let log = temp_log("retry", "trajectory.jsonl");
    search(9, &log, false, &[1, 4]);
    let (extended, _) = search(18, &log, true, &[]);
    let (uninterrupted, _) = search(18, &temp_log("retry", "uninterrupted.jsonl"), false, &[1, 4]);
    let decisions = |r: &SearchReport| r.records.iter().map(|r| r.trial.clone()).collect::<Vec<_>>();
    assert_eq!(decisions(&extended), decisions(&uninterrupted));
    assert_eq!(extended.records[4].status, TrialStatus::Completed);
    assert_eq!(uninterrupted.records[4].status, TrialStatus::Failed);
}
