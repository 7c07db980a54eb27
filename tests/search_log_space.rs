//! `SearchConfig::space`: a log remembers the fingerprint of the space it
//! was written for, and a resume on a changed space is refused instead of
//! replaying scores that the old space's networks earned.

mod search_support;

use std::path::Path;

use archspace::SpaceDef;
use archspace::search::{
    EventSink, Metrics, RandomSearcher, SearchConfig, SearchError, SearchReport, Trial, evaluator, run,
};
use search_support::{seed_objective, seed_space, small_seed_space, temp_log};

/// Runs `trials` random trials of `def` with `log`, naming the space by its
/// fingerprint when `fingerprint` is set.
fn search(def: &SpaceDef, trials: usize, log: &Path, fingerprint: bool) -> Result<SearchReport, SearchError> {
    let eval = evaluator(|_: &Trial, a| Ok(Metrics::new().with("score", seed_objective(a))));
    let config = SearchConfig {
        trials,
        threads: 2,
        seed: 5,
        log: Some(log.to_owned()),
        fsync: false,
        events: EventSink::Ignore,
        space: if fingerprint { Some(def.fingerprint().expect("fingerprint")) } else { None },
        ..SearchConfig::default()
    };
    run(&mut RandomSearcher::per_decision(def.clone()), &eval, &config)
}

#[test]
fn a_log_resumes_on_its_space_and_is_refused_on_a_changed_one() {
    let log = temp_log("log-space", "changed.jsonl");
    search(&seed_space(), 6, &log, true).expect("first sitting");
    let written = std::fs::read(&log).expect("log");
    assert!(String::from_utf8_lossy(&written).lines().next().is_some_and(|h| h.contains("space_fingerprint")));

    // The same decision paths, fewer chain depths: another space.
    let err = search(&small_seed_space(), 8, &log, true).expect_err("another space");
    assert!(matches!(err, SearchError::LogMismatch { .. }), "{err}");
    assert!(err.to_string().contains("the space's fingerprint is"), "{err}");
    assert_eq!(std::fs::read(&log).expect("log"), written, "a refused resume leaves the log as it was");

    let resumed = search(&seed_space(), 8, &log, true).expect("the same space");
    assert_eq!((resumed.records.len(), resumed.resumed), (8, 6));
}

#[test]
fn a_log_without_a_fingerprint_resumes_as_before() {
    let log = temp_log("log-space", "unnamed.jsonl");
    search(&seed_space(), 4, &log, false).expect("first sitting");
    let header = std::fs::read_to_string(&log).expect("log");
    assert!(!header.contains("space_fingerprint"), "{header}");
    let resumed = search(&seed_space(), 6, &log, true).expect("an older log names no space");
    assert_eq!((resumed.records.len(), resumed.resumed), (6, 4));
}
