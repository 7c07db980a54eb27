//! One search per log: a second search on a log in use, from another process
//! or from this one, fails at once naming the log and the holder, and writes
//! nothing; the log stays one clean search that resumes.

mod search_support;

use std::path::Path;
use std::time::{Duration, Instant};

use archspace::search::{
    EventSink, Metrics, RandomSearcher, SearchConfig, SearchError, TrialRecord, evaluator, read_log, run,
};
use search_support::{child_test, complete_lines, seed_objective, seed_space, temp_log, wait_for_log_lines};

const LOG_ENV: &str = "ARCHSPACE_LOCK_CHILD_LOG";
const TRIALS: usize = 12;

fn config(log: &Path) -> SearchConfig {
    SearchConfig {
        trials: TRIALS,
        threads: 1,
        seed: 3,
        log: Some(log.to_owned()),
        fsync: false,
        events: EventSink::Ignore,
        ..SearchConfig::default()
    }
}

fn search(log: &Path, millis: u64) -> Result<archspace::search::SearchReport, SearchError> {
    let eval = evaluator(|_, arch| {
        std::thread::sleep(Duration::from_millis(millis));
        Ok(Metrics::new().with("score", seed_objective(arch)))
    });
    run(&mut RandomSearcher::per_decision(seed_space()), &eval, &config(log))
}

/// Each trial of the log exactly once, 0..TRIALS.
fn assert_one_clean_search(log: &Path) {
    let contents = read_log(log).expect("the log reads");
    let mut ids: Vec<u64> = contents.records.iter().map(|r| r.trial.id).collect();
    ids.sort_unstable();
    assert_eq!(ids, (0..TRIALS as u64).collect::<Vec<_>>(), "each trial recorded exactly once");
}

/// Run by the parent test as a child process; does nothing otherwise.
#[test]
#[ignore = "a child process of `a_second_process_on_a_log_in_use_is_refused_and_writes_nothing`"]
fn lock_child() {
    let Some(log) = std::env::var_os(LOG_ENV) else { return };
    search(Path::new(&log), 150).expect("child search");
}

#[test]
fn a_second_process_on_a_log_in_use_is_refused_and_writes_nothing() {
    let log = temp_log("lock", "two-processes.jsonl");
    let mut child = child_test("lock_child").env(LOG_ENV, &log).spawn().expect("spawn child");
    // Header and one trial: the child's search is under way.
    wait_for_log_lines(&mut child, &log, 2);
    let refused = Instant::now();
    let err = search(&log, 0).expect_err("a second search on a log in use is refused");
    assert!(refused.elapsed() < Duration::from_secs(5), "refused at once, not after waiting");
    match &err {
        SearchError::LogLocked { path, holder } => {
            assert_eq!(path, &log);
            assert_eq!(*holder, Some(child.id()), "the refusal names the other process");
        }
        other => panic!("expected LogLocked, got {other:?}"),
    }
    let text = err.to_string();
    assert!(text.contains(&log.display().to_string()) && text.contains(&format!("process {}", child.id())), "{text}");

    assert!(child.wait().expect("child ends").success(), "the first search was not disturbed");
    assert_one_clean_search(&log);
    // Released with its process: the same search resumes, running nothing again.
    let resumed = search(&log, 0).expect("resumes once the first search ended");
    assert_eq!(resumed.resumed, TRIALS);
    let _ = std::fs::remove_file(&log);
}

#[test]
fn a_second_search_in_the_same_process_is_refused_too() {
    let log = temp_log("lock", "two-threads.jsonl");
    let first = std::thread::spawn({
        let log = log.clone();
        move || search(&log, 40)
    });
    let started = Instant::now();
    while complete_lines(&log) < 2 {
        assert!(started.elapsed() < Duration::from_secs(60), "the first search made no progress");
        std::thread::sleep(Duration::from_millis(2));
    }
    let err = search(&log, 0).expect_err("refused");
    assert!(matches!(err, SearchError::LogLocked { holder: Some(pid), .. } if pid == std::process::id()), "{err}");
    let report = first.join().expect("first search thread").expect("first search");
    let logged: Vec<TrialRecord> = read_log(&log).expect("log").records;
    assert_eq!(logged.len(), report.records.len(), "only the first search wrote to the log");
    assert_one_clean_search(&log);
    let _ = std::fs::remove_file(&log);
}
