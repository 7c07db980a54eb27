//! [`SearchError`]: everything that can go wrong in a search.

use std::path::PathBuf;

use thiserror::Error;

use crate::error::SpecError;

use super::searcher::Token;

/// Every failure of a searcher, the search driver or the search log.
///
/// A failed *evaluation* is not an error: the driver records it as a failed
/// trial and goes on. These are the failures that stop a search.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum SearchError {
    /// The space itself failed (not the `Invalid` outcome, which searchers resample).
    #[error("the search space failed: {0}")]
    Space(#[from] SpecError),
    /// Too many consecutive `Invalid` architectures.
    #[error("`{searcher}` drew {attempts} invalid architectures in a row; the space rejects almost everything")]
    TooManyInvalid {
        /// The searcher's name.
        searcher: String,
        /// The attempts made.
        attempts: u32,
    },
    /// A token that the searcher never issued, or already told.
    #[error("`{searcher}` was told about token {token}, which it did not issue or was already told")]
    UnknownToken {
        /// The searcher's name.
        searcher: String,
        /// The token.
        token: Token,
    },
    /// A saved searcher state that does not fit this searcher.
    #[error("cannot restore the state of `{searcher}`: {reason}")]
    State {
        /// The searcher's name.
        searcher: String,
        /// What is wrong.
        reason: String,
    },
    /// The searcher does not implement saving and restoring its state.
    #[error("`{searcher}` cannot save or restore its state")]
    StateUnsupported {
        /// The searcher's name.
        searcher: String,
    },
    /// A configuration value out of range.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// The space is too large for exhaustive enumeration.
    #[error("the space has {count} architectures; grid search enumerates at most {limit}")]
    SpaceTooLarge {
        /// The number of architectures.
        count: String,
        /// The configured limit.
        limit: u64,
    },
    /// The searcher waits for outcomes while none are in flight.
    #[error("`{searcher}` waits for outcomes but no trial is in flight")]
    Stalled {
        /// The searcher's name.
        searcher: String,
    },
    /// Reading or writing a file failed.
    #[error("{action} `{}`: {source}", path.display())]
    Io {
        /// What was being done, e.g. "cannot append to".
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A search log line that cannot be read (other than a truncated last line).
    #[error("search log `{}` is corrupt at line {line}: {reason}", path.display())]
    CorruptLog {
        /// The log file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// A search log written by a different search configuration.
    #[error("search log `{}` does not belong to this search: {reason}", path.display())]
    LogMismatch {
        /// The log file.
        path: PathBuf,
        /// What differs.
        reason: String,
    },
    /// A benchmark table that cannot be read.
    #[error("table `{file}`, line {line}: {reason}")]
    Table {
        /// The file, or `<text>`.
        file: String,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// Another search (another process, or another search in this one)
    /// holds the log: two searches on one log would record every trial twice.
    #[error(
        "search log `{}` is in use by another search{}; wait for it to end, or give this search another log",
        path.display(),
        holder.map(|pid| format!(" (process {pid})")).unwrap_or_default()
    )]
    LogLocked {
        /// The log file.
        path: PathBuf,
        /// The process id of the search holding it, when known.
        holder: Option<u32>,
    },
    /// A trial store that holds another search than this one, or a worker
    /// whose space differs from the search's.
    #[error("store `{store}` does not belong to this search: {reason}")]
    StoreMismatch {
        /// The store (a path, or a URL without its password).
        store: String,
        /// What differs, and how to proceed.
        reason: String,
    },
    /// The trial store failed: a database error, or a lost connection that
    /// did not come back in time.
    #[error("store `{store}`: {action}: {reason}")]
    Store {
        /// The store (a URL without its password).
        store: String,
        /// What was being done, e.g. "cannot queue trials".
        action: String,
        /// The cause, as the database said it.
        reason: String,
    },
    /// Another coordinator runs the search: two would queue every trial twice.
    #[error(
        "search `{search}` in store `{store}` has a coordinator already{}; wait for it to end, or stop it first",
        holder.as_ref().map(|h| format!(" ({h})")).unwrap_or_default()
    )]
    CoordinatorRunning {
        /// The store (a URL without its password).
        store: String,
        /// The search's name in the store.
        search: String,
        /// Where the running coordinator is, when known (host and process id).
        holder: Option<String>,
    },
    /// The rayon thread pool could not be built.
    #[error("cannot start the thread pool: {0}")]
    ThreadPool(String),
}
