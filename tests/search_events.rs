//! What a search says on its own, with the default settings every program
//! gets (as the quickstart runs it): a dropped log line, and each failed
//! trial once, in one line, without the panic hook's output; the hook is
//! back once the search ends. Checked on the standard error of a child
//! process running the search.

mod search_support;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use archspace::search::{EventSink, Metrics, RandomSearcher, SearchConfig, SearchEvent, SearchReport, evaluator, run};
use search_support::{child_test, seed_objective, seed_space, temp_log};

const CASE_ENV: &str = "ARCHSPACE_EVENTS_CHILD";
const LOG_ENV: &str = "ARCHSPACE_EVENTS_CHILD_LOG";

/// A search with a log and the default events, or with the events printed
/// above indicatif bars as the quickstart prints them.
fn search(log: Option<&Path>, trials: usize, panics: bool) -> SearchReport {
    search_with(log, trials, panics, EventSink::default())
}

fn quickstart_sink() -> EventSink {
    let bars = indicatif::MultiProgress::new();
    bars.add(indicatif::ProgressBar::new(4));
    EventSink::custom(move |event| bars.suspend(|| eprintln!("{}", event.line())))
}

fn search_with(log: Option<&Path>, trials: usize, panics: bool, events: EventSink) -> SearchReport {
    let eval = evaluator(|t, a| {
        if panics && t.id % 2 == 1 {
            panic!("boom in trial {}", t.id);
        }
        Ok(Metrics::new().with("score", seed_objective(a)))
    });
    let config =
        SearchConfig { trials, threads: 2, seed: 8, log: log.map(Path::to_owned), events, ..SearchConfig::default() };
    run(&mut RandomSearcher::per_decision(seed_space()), &eval, &config).expect("search")
}

/// Run by the tests below as a child process; does nothing otherwise.
#[test]
#[ignore = "a child process of the tests in this file"]
fn events_child() {
    let Some(case) = std::env::var_os(CASE_ENV) else { return };
    match case.to_str() {
        Some("truncated") => {
            let log = PathBuf::from(std::env::var_os(LOG_ENV).expect("log path"));
            search(Some(&log), 6, false);
        }
        Some("truncated-quickstart") => {
            let log = PathBuf::from(std::env::var_os(LOG_ENV).expect("log path"));
            search_with(Some(&log), 6, false, quickstart_sink());
        }
        Some("panics") => {
            search(None, 4, true);
            let _ = std::panic::catch_unwind(|| panic!("a panic after the search"));
        }
        other => panic!("unknown case {other:?}"),
    }
}

/// Runs `events_child` with `case` and returns its standard error.
fn child_stderr(case: &str, log: Option<&Path>, backtrace: Option<&str>) -> String {
    let mut command = child_test("events_child");
    command.env(CASE_ENV, case);
    if let Some(log) = log {
        command.env(LOG_ENV, log);
    }
    match backtrace {
        Some(value) => command.env("RUST_BACKTRACE", value),
        None => command.env_remove("RUST_BACKTRACE"),
    };
    let output = command.output().expect("child runs");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "child failed:\n{stderr}");
    stderr
}

#[test]
fn a_dropped_last_log_line_is_reported_by_every_program() {
    // The default sink, and the quickstart's (above its progress bars).
    for case in ["truncated", "truncated-quickstart"] {
        let log = temp_log("events", &format!("{case}.jsonl"));
        search(Some(&log), 3, false);
        let text = std::fs::read_to_string(&log).expect("log");
        let lines = text.lines().count();
        std::fs::write(&log, format!("{text}{{\"id\":3,\"seed\":1,\"deci")).expect("cut the last line");
        let stderr = child_stderr(case, Some(&log), None);
        let expected = format!(
            "warning: search log `{}`: its last line ({}) was cut short, by a crash mid-write, and was dropped",
            log.display(),
            lines + 1
        );
        assert_eq!(stderr.matches(&expected).count(), 1, "{case}: reported once:\n{stderr}");
        let resumed = format!("resuming search log `{}`: 3 trials recorded", log.display());
        assert!(stderr.contains(&resumed), "{case}: {stderr}");
        let _ = std::fs::remove_file(&log);
    }
}

#[test]
fn failed_trials_are_reported_once_without_the_panic_hook_output() {
    // With RUST_BACKTRACE set, the default hook would add a backtrace per trial.
    for backtrace in [None, Some("1")] {
        let stderr = child_stderr("panics", None, backtrace);
        for trial in [1, 3] {
            let line = format!("warning: trial {trial} failed: the evaluation panicked at tests/search_events.rs:");
            assert_eq!(stderr.matches(&line).count(), 1, "trial {trial} reported once:\n{stderr}");
            assert!(stderr.contains(&format!(": boom in trial {trial}\n")), "{stderr}");
        }
        assert!(!stderr.contains("trial 0 failed") && !stderr.contains("trial 2 failed"), "{stderr}");
        // The hook's own report ("thread '…' panicked at …") appears once: for
        // the panic after the search, so the previous hook is back.
        assert_eq!(stderr.matches("thread '").count(), 1, "{stderr}");
        assert!(stderr.contains("a panic after the search"), "{stderr}");
        assert_eq!(stderr.matches("stack backtrace").count(), usize::from(backtrace.is_some()), "{stderr}");
    }
}

#[test]
fn a_custom_sink_receives_the_events_in_place_of_standard_error() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let events = EventSink::custom({
        let seen = Arc::clone(&seen);
        move |event: &SearchEvent| seen.lock().expect("events").push(event.clone())
    });
    let eval = evaluator(|t, a| match t.id {
        2 => Err("out of memory".into()),
        _ => Ok(Metrics::new().with("score", seed_objective(a))),
    });
    let config = SearchConfig { trials: 4, events, ..SearchConfig::default() };
    run(&mut RandomSearcher::per_decision(seed_space()), &eval, &config).expect("search");
    let seen = seen.lock().expect("events");
    let failed: Vec<&SearchEvent> = seen.iter().filter(|e| matches!(e, SearchEvent::TrialFailed { .. })).collect();
    assert_eq!(
        failed,
        [&SearchEvent::TrialFailed { trial: 2, attempt: 1, error: "the evaluation failed: out of memory".into() }]
    );
}
