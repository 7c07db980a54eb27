//! [`TrialStore`]: where a search keeps its trial records, and
//! [`TrialQueue`]: a store that workers evaluate trials from.
//!
//! The driver writes every finished trial to a store and, on a resume,
//! reads back what the store holds. Two stores come with archspace:
//!
//! - [`JsonLinesStore`], the [`SearchLog`] (JSON lines in a file): the
//!   default, always compiled, for a search in one process
//!   ([`run`](super::run) with [`SearchConfig::log`](super::SearchConfig::log));
//! - `PostgresStore` (in [`postgres`](super::postgres), behind the cargo
//!   feature `postgres`): also a [`TrialQueue`], so that one coordinator
//!   ([`coordinate`](super::coordinate)) owns the searcher while workers on
//!   any number of machines evaluate its trials.
//!
//! [`StoreLocation`] tells the two apart from the text a user gives
//! (`postgres://…` or a file path), so that one `--store` flag serves both.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::error::SearchError;
use super::events::SearchEvent;
use super::journal::{LogContents, LogHeader, SearchLog};
use super::lock::LockOutcome;
use super::record::{Trial, TrialRecord};

/// Where a search keeps its trial records.
///
/// A store holds one search, described by a [`LogHeader`]; a search begun on
/// a store that holds another one is refused (it says which setting
/// differs). Records are appended as trials finish, one per attempt, and a
/// record is durable once [`append`](Self::append) returns.
pub trait TrialStore: Send {
    /// Names the store in messages: the log's path, or the database URL
    /// without its password.
    fn location(&self) -> String;

    /// Begins the search `header` describes, or resumes it: creates the
    /// store's search when there is none, otherwise checks that the search
    /// is the same. Returns what the store holds, records in the order
    /// written. Warnings (a log that cannot be locked, a cut-short line) go
    /// to `events`.
    fn begin(&mut self, header: &LogHeader, events: &mut dyn FnMut(SearchEvent)) -> Result<LogContents, SearchError>;

    /// Appends one record (a trial's attempt).
    fn append(&mut self, record: &TrialRecord) -> Result<(), SearchError>;

    /// The error for a store whose trials are not the ones the searcher
    /// proposes now, saying `reason`.
    fn mismatch(&self, reason: String) -> SearchError {
        SearchError::StoreMismatch { store: self.location(), reason }
    }

    /// The event for a resume of `trials` recorded trials, `failed` of them
    /// failed, evaluated again when `retrying`.
    fn resumed(&self, trials: usize, failed: usize, retrying: bool) -> SearchEvent {
        SearchEvent::StoreResumed { store: self.location(), trials, failed, retrying }
    }
}

/// A trial put up for workers: what a worker needs to evaluate it, besides
/// the space's code and the evaluator.
#[derive(Clone, Debug, PartialEq)]
pub struct QueuedTrial {
    /// The trial (id, seed, budget, decisions).
    pub trial: Trial,
    /// Its attempt: 1, or more when a failed trial is evaluated again.
    pub attempt: u32,
    /// The [`ArchitectureHash`](crate::ArchitectureHash) of its network, in
    /// hex: a worker checks that its replay of the decisions builds the same.
    pub hash: String,
}

/// A [`TrialStore`] that other processes take trials from: the coordinator
/// ([`coordinate`](super::coordinate)) queues trials, workers claim and
/// evaluate them and append their records, and the coordinator waits for
/// those records.
pub trait TrialQueue: TrialStore {
    /// Puts `trials` up for workers. Queuing a trial attempt that is already
    /// queued (a coordinator resuming) changes nothing, but a queued attempt
    /// with other decisions is a [`mismatch`](TrialStore::mismatch).
    fn enqueue(&mut self, trials: &[QueuedTrial]) -> Result<(), SearchError>;

    /// Waits up to `timeout` for the records of the trial attempts
    /// `awaited` (`(trial id, attempt)`), and returns those written, possibly
    /// none. A queue that gives up on an attempt (its workers were lost too
    /// often) returns a failed record for it.
    fn wait_for_records(&mut self, awaited: &[(u64, u32)], timeout: Duration) -> Result<Vec<TrialRecord>, SearchError>;

    /// Marks the search finished: nothing more will be queued, so idle
    /// workers may leave.
    fn finish(&mut self) -> Result<(), SearchError>;
}

/// The JSON-lines search log as a [`TrialStore`]: the store of
/// [`run`](super::run) with [`SearchConfig::log`](super::SearchConfig::log).
/// Locked while a search holds it ([`LogLock`](super::LogLock)).
#[derive(Debug)]
pub struct JsonLinesStore {
    path: PathBuf,
    fsync: bool,
    log: Option<SearchLog>,
}

impl JsonLinesStore {
    /// The log at `path`, opened by [`begin`](TrialStore::begin); `fsync`
    /// syncs it to disk after each record.
    pub fn new(path: impl Into<PathBuf>, fsync: bool) -> Self {
        JsonLinesStore { path: path.into(), fsync, log: None }
    }

    /// The log's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl TrialStore for JsonLinesStore {
    fn location(&self) -> String {
        self.path.display().to_string()
    }

    fn begin(&mut self, header: &LogHeader, events: &mut dyn FnMut(SearchEvent)) -> Result<LogContents, SearchError> {
        let (log, contents) = SearchLog::open(&self.path, header, self.fsync)?;
        if let LockOutcome::Unsupported { reason } = log.lock() {
            events(SearchEvent::LogNotLocked { path: self.path.clone(), reason: reason.clone() });
        }
        if let Some(line) = contents.truncated_line {
            events(SearchEvent::TruncatedLogLine { path: self.path.clone(), line });
        }
        self.log = Some(log);
        Ok(contents)
    }

    fn append(&mut self, record: &TrialRecord) -> Result<(), SearchError> {
        match self.log.as_mut() {
            Some(log) => log.append(record),
            None => Err(SearchError::Config(format!(
                "search log `{}`: a record appended before the search began",
                self.path.display()
            ))),
        }
    }

    fn mismatch(&self, reason: String) -> SearchError {
        SearchError::LogMismatch { path: self.path.clone(), reason }
    }

    fn resumed(&self, trials: usize, failed: usize, retrying: bool) -> SearchEvent {
        SearchEvent::Resumed { path: self.path.clone(), trials, failed, retrying }
    }
}

/// Where trials are stored, as a user writes it: a PostgreSQL URL
/// (`postgres://` or `postgresql://`), or else the path of a JSON-lines log.
///
/// ```
/// use archspace_core::search::StoreLocation;
/// let db: StoreLocation = "postgres://nas@db.lab/searches?search=cifar".parse().unwrap();
/// assert!(matches!(db, StoreLocation::Postgres(_)));
/// let log: StoreLocation = "runs/cifar.jsonl".parse().unwrap();
/// assert_eq!(log, StoreLocation::JsonLines("runs/cifar.jsonl".into()));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub enum StoreLocation {
    /// A JSON-lines search log: one search in one process.
    JsonLines(PathBuf),
    /// A PostgreSQL database: a coordinator and workers on many machines.
    Postgres(String),
}

impl std::str::FromStr for StoreLocation {
    type Err = SearchError;

    fn from_str(text: &str) -> Result<Self, SearchError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(SearchError::Config(
                "an empty store: give a `postgres://…` URL or the path of a JSON-lines log".to_owned(),
            ));
        }
        let scheme = text.split_once("://").map(|(scheme, _)| scheme.to_ascii_lowercase());
        match scheme.as_deref() {
            Some("postgres" | "postgresql") => Ok(StoreLocation::Postgres(text.to_owned())),
            Some(other) if !other.contains(['/', '\\', '.']) => Err(SearchError::Config(format!(
                "store `{text}`: unknown scheme `{other}://`; give a `postgres://…` URL or the path of a JSON-lines log"
            ))),
            _ => Ok(StoreLocation::JsonLines(PathBuf::from(text))),
        }
    }
}

impl fmt::Display for StoreLocation {
    /// The path, or the URL with its password hidden.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreLocation::JsonLines(path) => write!(f, "{}", path.display()),
            StoreLocation::Postgres(url) => f.write_str(&without_password(url)),
        }
    }
}

impl fmt::Debug for StoreLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreLocation::JsonLines(path) => f.debug_tuple("JsonLines").field(path).finish(),
            StoreLocation::Postgres(_) => f.debug_tuple("Postgres").field(&self.to_string()).finish(),
        }
    }
}

/// `url` with its password (`user:password@`, or a `password=` parameter)
/// replaced by `***`.
pub(crate) fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let authority = match authority.rsplit_once('@') {
        Some((user, host)) if user.contains(':') => {
            format!("{}:***@{host}", user.split(':').next().unwrap_or_default())
        }
        _ => authority.to_owned(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let hidden: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
                    _ => pair.to_owned(),
                })
                .collect();
            format!("{path}?{}", hidden.join("&"))
        }
        None => tail.to_owned(),
    };
    format!("{scheme}://{authority}{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_are_urls_or_paths_and_hide_passwords() {
        let parse = |s: &str| s.parse::<StoreLocation>();
        assert!(matches!(parse("postgresql://h/db"), Ok(StoreLocation::Postgres(_))));
        assert!(matches!(parse("POSTGRES://h/db"), Ok(StoreLocation::Postgres(_))));
        assert_eq!(parse("./a://b.jsonl").ok(), Some(StoreLocation::JsonLines("./a://b.jsonl".into())));
        let err = parse("mysql://h/db").expect_err("another database");
        assert!(err.to_string().contains("unknown scheme `mysql://`"), "{err}");
        assert!(parse("  ").is_err());
        let secret = parse("postgres://nas:s3cret@db:5433/x?search=a").expect("a URL");
        assert_eq!(secret.to_string(), "postgres://nas:***@db:5433/x?search=a");
        assert!(!format!("{secret:?}").contains("s3cret"));
        assert_eq!(without_password("postgres://nas@db/x"), "postgres://nas@db/x");
        assert_eq!(without_password("postgres://db/x?user=a&password=no"), "postgres://db/x?user=a&password=***");
    }
}
