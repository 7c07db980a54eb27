//! [`SearchEvent`]: what a running search tells its user (a resumed log, a
//! dropped log line, a failed trial, a doubtful setting), and [`EventSink`]:
//! where it goes.
//!
//! The driver reports these itself, through [`SearchConfig::events`](super::SearchConfig::events),
//! so every program that runs a search says what happened without having to
//! remember to: by default each event is one line on standard error, printed
//! above the driver's progress bar.
//!
//! ```
//! use std::sync::{Arc, Mutex};
//! use archspace_core::search::{evaluator, run, EventSink, Metrics, RandomSearcher, SearchConfig, SearchEvent};
//! use archspace_core::{choice, Op, SpaceDef};
//! let def = SpaceDef::new(|s| s.basic(Op::new("dense").param("units", choice([8, 16]))));
//! let eval = evaluator(|trial, _| {
//!     if trial.id == 1 {
//!         return Err("out of memory".into());
//!     }
//!     Ok(Metrics::new().with("score", 1.0))
//! });
//! let seen = Arc::new(Mutex::new(Vec::new()));
//! let events = EventSink::custom({
//!     let seen = Arc::clone(&seen);
//!     move |event: &SearchEvent| seen.lock().unwrap().push(event.to_string())
//! });
//! let config = SearchConfig { trials: 3, events, ..SearchConfig::default() };
//! run(&mut RandomSearcher::per_decision(def), &eval, &config)?;
//! assert_eq!(*seen.lock().unwrap(), ["trial 1 failed: the evaluation failed: out of memory"]);
//! # Ok::<(), archspace_core::search::SearchError>(())
//! ```

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use super::progress::Progress;

/// Something a search reports while it runs: not an error (those stop the
/// search with a [`SearchError`](super::SearchError)), but worth knowing.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum SearchEvent {
    /// The search resumes a log that already holds trials.
    Resumed {
        /// The log.
        path: PathBuf,
        /// Trials recorded in it.
        trials: usize,
        /// Of those, trials whose last attempt failed.
        failed: usize,
        /// Whether the failed ones are evaluated again
        /// ([`SearchConfig::retry_failed`](super::SearchConfig::retry_failed)).
        retrying: bool,
    },
    /// The search resumes from a trial store (other than a search log)
    /// that already holds trials.
    StoreResumed {
        /// The store (a URL without its password).
        store: String,
        /// Trials recorded in it.
        trials: usize,
        /// Of those, trials whose last attempt failed.
        failed: usize,
        /// Whether the failed ones are evaluated again.
        retrying: bool,
    },
    /// The connection to the trial store was lost; it is retried with
    /// backoff (reported once per outage).
    StoreConnectionLost {
        /// The store (a URL without its password).
        store: String,
        /// What the client said.
        error: String,
    },
    /// The connection to the trial store is back.
    StoreReconnected {
        /// The store (a URL without its password).
        store: String,
        /// How long it was gone.
        after: std::time::Duration,
    },
    /// A trial's worker stopped sending heartbeats: the trial goes back to
    /// the queue, or fails when it was lost too often.
    TrialLost {
        /// The trial's id.
        trial: u64,
        /// Its attempt.
        attempt: u32,
        /// The worker that held it (its host and process id).
        worker: String,
        /// How often this attempt was lost, this time included.
        lost: u32,
        /// How often it may be lost before it is recorded as failed.
        limit: u32,
    },
    /// A worker waits for a search that its coordinator has not started yet.
    WaitingForSearch {
        /// The store (a URL without its password).
        store: String,
        /// The search's name.
        search: String,
    },
    /// The log's last line was cut short (a crash mid-write) and was dropped;
    /// the trial it held runs again.
    TruncatedLogLine {
        /// The log.
        path: PathBuf,
        /// The 1-based number of the dropped line.
        line: usize,
    },
    /// A trial evaluated by this run failed (reported once, as it finishes).
    TrialFailed {
        /// The trial's id.
        trial: u64,
        /// Its attempt: 1, or more for a retry.
        attempt: u32,
        /// Why.
        error: String,
    },
    /// More threads than cores: trials compete for the cores.
    ThreadsAboveCores {
        /// Threads asked for.
        threads: usize,
        /// Cores this process may use.
        cores: usize,
    },
    /// The file system cannot lock the log, so nothing stops a second search
    /// from writing to it at the same time.
    LogNotLocked {
        /// The log.
        path: PathBuf,
        /// What the system said.
        reason: String,
    },
}

impl SearchEvent {
    /// Whether the user should look into it (everything but a resume or a
    /// connection that came back).
    pub fn is_warning(&self) -> bool {
        !matches!(
            self,
            SearchEvent::Resumed { .. }
                | SearchEvent::StoreResumed { .. }
                | SearchEvent::StoreReconnected { .. }
                | SearchEvent::WaitingForSearch { .. }
        )
    }

    /// The line [`EventSink::Stderr`] prints: the event, after `warning: `
    /// for a warning.
    pub fn line(&self) -> String {
        if self.is_warning() { format!("warning: {self}") } else { self.to_string() }
    }
}

impl fmt::Display for SearchEvent {
    /// One line, without a final period.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SearchEvent::Resumed { path, trials, failed, retrying } => {
                write!(f, "resuming search log `{}`: {trials} trials recorded", path.display())?;
                match (failed, retrying) {
                    (0, _) => Ok(()),
                    (n, true) => write!(f, ", {n} failed, evaluated again (retry_failed)"),
                    (n, false) => write!(f, ", {n} failed, kept as failed (retry_failed evaluates them again)"),
                }
            }
            SearchEvent::StoreResumed { store, trials, failed, retrying } => {
                write!(f, "resuming the search in store `{store}`: {trials} trials recorded")?;
                match (failed, retrying) {
                    (0, _) => Ok(()),
                    (n, true) => write!(f, ", {n} failed, evaluated again (retry_failed)"),
                    (n, false) => write!(f, ", {n} failed, kept as failed (retry_failed evaluates them again)"),
                }
            }
            SearchEvent::StoreConnectionLost { store, error } => write!(
                f,
                "lost the connection to store `{store}` ({}); reconnecting with backoff",
                error.trim_end_matches('.')
            ),
            SearchEvent::StoreReconnected { store, after } => {
                write!(f, "reconnected to store `{store}` after {:.1} s", after.as_secs_f64())
            }
            SearchEvent::TrialLost { trial, attempt, worker, lost, limit } if lost > limit => write!(
                f,
                "trial {trial} (attempt {attempt}) lost its worker ({worker}) {lost} times: recorded as failed"
            ),
            SearchEvent::TrialLost { trial, attempt, worker, lost, limit } => write!(
                f,
                "trial {trial} (attempt {attempt}) lost its worker ({worker}), which stopped sending heartbeats: \
                 queued again (lost {lost} of at most {limit} times)"
            ),
            SearchEvent::WaitingForSearch { store, search } => {
                write!(f, "waiting for search `{search}` in store `{store}` to be started by its coordinator")
            }
            SearchEvent::TruncatedLogLine { path, line } => write!(
                f,
                "search log `{}`: its last line ({line}) was cut short, by a crash mid-write, and was dropped; \
                 that trial runs again",
                path.display()
            ),
            SearchEvent::TrialFailed { trial, attempt: 1, error } => write!(f, "trial {trial} failed: {error}"),
            SearchEvent::TrialFailed { trial, attempt, error } => {
                write!(f, "trial {trial} failed again (attempt {attempt}): {error}")
            }
            SearchEvent::ThreadsAboveCores { threads, cores } => write!(
                f,
                "{threads} threads on {cores} cores: trials compete for the cores, each taking longer and holding \
                 its memory longer; use at most {cores} unless evaluations mostly wait (on a GPU, a remote machine)"
            ),
            SearchEvent::LogNotLocked { path, reason } => write!(
                f,
                "search log `{}` cannot be locked ({reason}): make sure no other search writes to it",
                path.display()
            ),
        }
    }
}

/// A custom receiver of [`SearchEvent`]s.
pub type EventHandler = Arc<dyn Fn(&SearchEvent) + Send + Sync>;

/// Where a search's [`SearchEvent`]s go.
#[derive(Clone, Default)]
pub enum EventSink {
    /// One line each on standard error (`warning: …` for warnings), above the
    /// progress bar if one is shown.
    #[default]
    Stderr,
    /// Nowhere.
    Ignore,
    /// To a function (a logger, a progress display of the program's own, a test).
    Custom(EventHandler),
}

impl EventSink {
    /// Events go to `handler`.
    pub fn custom(handler: impl Fn(&SearchEvent) + Send + Sync + 'static) -> Self {
        EventSink::Custom(Arc::new(handler))
    }

    pub(crate) fn emit(&self, event: SearchEvent, progress: &Progress) {
        match self {
            EventSink::Stderr => progress.println(&event.line()),
            _ => self.emit_plain(event),
        }
    }

    /// Emits `event` where no progress bar is shown (a worker, a store).
    pub(crate) fn emit_plain(&self, event: SearchEvent) {
        match self {
            EventSink::Stderr => eprintln!("{}", event.line()),
            EventSink::Ignore => {}
            EventSink::Custom(handler) => handler(&event),
        }
    }
}

impl fmt::Debug for EventSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventSink::Stderr => f.write_str("Stderr"),
            EventSink::Ignore => f.write_str("Ignore"),
            EventSink::Custom(_) => f.write_str("Custom(..)"),
        }
    }
}

impl PartialEq for EventSink {
    /// Custom sinks are equal when they share one handler.
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (EventSink::Stderr, EventSink::Stderr) | (EventSink::Ignore, EventSink::Ignore) => true,
            (EventSink::Custom(a), EventSink::Custom(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_reads_as_one_line() {
        let events = [
            SearchEvent::Resumed { path: "l".into(), trials: 4, failed: 1, retrying: false },
            SearchEvent::TruncatedLogLine { path: "l".into(), line: 6 },
            SearchEvent::TrialFailed { trial: 2, attempt: 2, error: "boom".into() },
            SearchEvent::ThreadsAboveCores { threads: 256, cores: 2 },
            SearchEvent::LogNotLocked { path: "l".into(), reason: "unsupported".into() },
            SearchEvent::StoreResumed { store: "postgres://db/x".into(), trials: 3, failed: 1, retrying: true },
            SearchEvent::StoreConnectionLost { store: "postgres://db/x".into(), error: "closed.".into() },
            SearchEvent::StoreReconnected { store: "postgres://db/x".into(), after: std::time::Duration::from_secs(2) },
            SearchEvent::TrialLost { trial: 4, attempt: 1, worker: "w".into(), lost: 1, limit: 3 },
            SearchEvent::TrialLost { trial: 4, attempt: 1, worker: "w".into(), lost: 4, limit: 3 },
        ];
        for event in &events {
            let text = event.to_string();
            assert!(!text.contains('\n') && !text.ends_with('.'), "{text}");
        }
        assert!(events[0].to_string().contains("retry_failed"));
        assert!(events[1].to_string().contains("line (6)") && events[1].to_string().contains("dropped"));
        assert!(events[2].to_string().contains("attempt 2"));
        assert!(!events[0].is_warning() && events[3].is_warning());
        assert!(events[3].line().starts_with("warning: 256 threads") && !events[0].line().starts_with("warning"));
        assert!(!events[5].is_warning() && events[6].is_warning() && !events[7].is_warning());
        assert!(events[8].to_string().contains("queued again (lost 1 of at most 3 times)"));
        assert!(events[9].to_string().contains("4 times: recorded as failed"));
    }

    #[test]
    fn custom_sinks_compare_by_handler() {
        let a = EventSink::custom(|_| {});
        assert_eq!(a, a.clone());
        assert_ne!(a, EventSink::custom(|_| {}));
        assert_eq!(EventSink::default(), EventSink::Stderr);
    }
}
