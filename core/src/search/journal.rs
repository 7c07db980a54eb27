//! The search log: a crash-safe JSON-lines journal of trials.
//!
//! Line 1 is a [`LogHeader`] naming the search configuration; every other
//! line is one [`TrialRecord`], appended and flushed as the trial completes
//! (in completion order). A crash can only cut the last line short: such a
//! line is tolerated, reported and cut off when the log is reopened. Any
//! other unreadable line is a [`SearchError::CorruptLog`], never skipped.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::error::SearchError;
use super::lock::{LockOutcome, LogLock};
use super::outcome::Objective;
use super::record::TrialRecord;
use super::retry::{check_attempt, latest_attempts};

/// Version of the log format written by this crate.
pub const LOG_FORMAT: u32 = 1;

/// The first line of a search log: what must match for a resume.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LogHeader {
    /// Format version ([`LOG_FORMAT`]).
    pub archspace_search_log: u32,
    /// The searcher's name.
    pub searcher: String,
    /// The master seed.
    pub seed: u64,
    /// Trials in flight.
    pub in_flight: usize,
    /// The objective.
    pub objective: Objective,
    /// The trade-off objectives of a multi-objective search.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tradeoffs: Vec<Objective>,
    /// Whether duplicates are skipped.
    pub dedup: bool,
    /// The searched space's [fingerprint](crate::SpaceDef::fingerprint)
    /// (32 hex digits), where the search gave it
    /// ([`SearchConfig::space`](super::SearchConfig::space)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub space_fingerprint: Option<String>,
}

/// What a search log holds.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LogContents {
    /// The header, unless the log is empty.
    pub header: Option<LogHeader>,
    /// The trial records, in the order written; a retried trial has one per
    /// attempt (see [`latest`](Self::latest)).
    pub records: Vec<TrialRecord>,
    /// The 1-based number of a cut-short last line that was dropped.
    pub truncated_line: Option<usize>,
    /// Bytes of the log up to the end of the last complete line.
    pub valid_len: u64,
}

impl LogContents {
    /// The result of every trial: its last attempt, in trial order.
    pub fn latest(&self) -> Vec<&TrialRecord> {
        latest_attempts(&self.records)
    }
}

/// An open search log, appending trial records; it holds the log's
/// [`LogLock`] until dropped, so no other search can write to it meanwhile.
#[derive(Debug)]
pub struct SearchLog {
    path: PathBuf,
    file: File,
    fsync: bool,
    lock: LockOutcome,
}

fn io_error<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> SearchError + 'a {
    move |source| SearchError::Io { action, path: path.to_owned(), source }
}

/// Reads a search log without changing it.
pub fn read_log(path: &Path) -> Result<LogContents, SearchError> {
    let mut bytes = Vec::new();
    File::open(path).and_then(|mut f| f.read_to_end(&mut bytes)).map_err(io_error("cannot read", path))?;
    parse_log(path, &bytes)
}

fn parse_log(path: &Path, bytes: &[u8]) -> Result<LogContents, SearchError> {
    let mut contents = LogContents::default();
    let corrupt = |line: usize, reason: String| SearchError::CorruptLog { path: path.to_owned(), line, reason };
    let mut attempts = HashMap::new();
    let mut offset = 0usize;
    let mut number = 0usize;
    while offset < bytes.len() {
        number += 1;
        let (line, terminated) = match bytes[offset..].iter().position(|&b| b == b'\n') {
            Some(end) => (&bytes[offset..offset + end], true),
            None => (&bytes[offset..], false),
        };
        let parsed = std::str::from_utf8(line).map_err(|e| e.to_string()).and_then(|text| {
            if number == 1 {
                serde_json::from_str::<LogHeader>(text).map(|h| contents.header = Some(h)).map_err(|e| e.to_string())
            } else {
                let record: TrialRecord = serde_json::from_str(text).map_err(|e| e.to_string())?;
                let attempt = check_attempt(attempts.get(&record.trial.id).copied(), &record)?;
                attempts.insert(record.trial.id, attempt);
                contents.records.push(record);
                Ok(())
            }
        });
        match parsed {
            Ok(()) => {
                offset += line.len() + usize::from(terminated);
                contents.valid_len = offset as u64;
            }
            // A crash mid-write leaves a last line without its newline.
            Err(_) if !terminated => {
                contents.truncated_line = Some(number);
                break;
            }
            Err(reason) if number == 1 => return Err(corrupt(1, format!("not a search log header: {reason}"))),
            Err(reason) => return Err(corrupt(number, reason)),
        }
    }
    Ok(contents)
}

fn check_header(path: &Path, found: &LogHeader, expected: &LogHeader) -> Result<(), SearchError> {
    match header_difference(found, expected, "the log", "or start a new search with another log path") {
        Some(reason) => Err(SearchError::LogMismatch { path: path.to_owned(), reason }),
        None => Ok(()),
    }
}

/// How the search `found` in a store (`place`, e.g. "the log") differs from
/// the one `expected` now, and how to proceed (`or_new`: how to start anew).
pub(crate) fn header_difference(found: &LogHeader, expected: &LogHeader, place: &str, or_new: &str) -> Option<String> {
    let setting = |what: &str, logged: String, now: String| {
        Some(format!(
            "{what} is {logged} in {place} but {now} now; to resume it, set {what} back to {logged}, {or_new}"
        ))
    };
    if found.archspace_search_log != expected.archspace_search_log {
        return Some(format!(
            "it is in log format {}, this version of archspace writes format {}; {or_new}",
            found.archspace_search_log, expected.archspace_search_log
        ));
    }
    if found.searcher != expected.searcher {
        return setting("the searcher", format!("`{}`", found.searcher), format!("`{}`", expected.searcher));
    }
    if found.seed != expected.seed {
        return setting("the seed", found.seed.to_string(), expected.seed.to_string());
    }
    if found.in_flight != expected.in_flight {
        return Some(format!(
            "trials in flight is {} in {place} but {} now; to resume it, run {} trials in flight \
             (`SearchConfig::in_flight`; any number of threads can run them), {or_new}",
            found.in_flight, expected.in_flight, found.in_flight
        ));
    }
    if found.objective != expected.objective {
        let objective = |o: &Objective| format!("{} `{}`", format!("{:?}", o.goal).to_lowercase(), o.metric);
        return setting("the objective", objective(&found.objective), objective(&expected.objective));
    }
    if found.tradeoffs != expected.tradeoffs {
        return setting("the trade-offs", format!("{:?}", found.tradeoffs), format!("{:?}", expected.tradeoffs));
    }
    if found.dedup != expected.dedup {
        return setting("de-duplication", found.dedup.to_string(), expected.dedup.to_string());
    }
    if let (Some(logged), Some(now)) = (&found.space_fingerprint, &expected.space_fingerprint)
        && logged != now
    {
        return Some(format!(
            "the space's fingerprint is {logged} in {place} but {now} now: the space changed since its \
             trials were scored, so their scores are not this space's; build the space as it was, {or_new}"
        ));
    }
    None
}

impl SearchLog {
    /// Opens the log at `path` for the search described by `header`: creates
    /// its folder if needed; locks it, failing at once with
    /// [`SearchError::LogLocked`] if another search holds it, before anything
    /// is read or written; creates it (writing the header) when missing or
    /// empty; otherwise reads it, checks the header, and cuts off a truncated
    /// last line.
    pub fn open(path: &Path, header: &LogHeader, fsync: bool) -> Result<(SearchLog, LogContents), SearchError> {
        if path.is_dir() {
            let reason = format!("it is a directory; give a file path, e.g. `{}`", path.join("search.jsonl").display());
            return Err(SearchError::Io {
                action: "cannot use as a search log",
                path: path.to_owned(),
                source: std::io::Error::other(reason),
            });
        }
        if let Some(folder) = path.parent().filter(|f| !f.as_os_str().is_empty()) {
            std::fs::create_dir_all(folder).map_err(io_error("cannot create the folder of", path))?;
        }
        let lock = LogLock::acquire(path)?;
        let exists = path.metadata().map(|m| m.len() > 0).unwrap_or(false);
        let contents = if exists { read_log(path)? } else { LogContents::default() };
        let file = OpenOptions::new().create(true).append(true).open(path).map_err(io_error("cannot open", path))?;
        let mut log = SearchLog { path: path.to_owned(), file, fsync, lock };
        match &contents.header {
            Some(found) => {
                check_header(path, found, header)?;
                if contents.truncated_line.is_some() {
                    log.file.set_len(contents.valid_len).map_err(io_error("cannot cut the truncated line of", path))?;
                }
                if contents.valid_len > 0 && !ends_with_newline(path, contents.valid_len)? {
                    log.write_line(b"")?;
                }
            }
            None => {
                log.file.set_len(0).map_err(io_error("cannot reset", path))?;
                let mut line = serde_json::to_vec(header).map_err(|e| SearchError::Config(e.to_string()))?;
                line.push(b'\n');
                log.write_line(&line)?;
            }
        }
        Ok((log, contents))
    }

    /// Appends one record and flushes it (and syncs it to disk when asked).
    pub fn append(&mut self, record: &TrialRecord) -> Result<(), SearchError> {
        let mut line = serde_json::to_vec(record).map_err(|e| SearchError::Config(e.to_string()))?;
        line.push(b'\n');
        self.write_line(&line)
    }

    fn write_line(&mut self, line: &[u8]) -> Result<(), SearchError> {
        let line = if line.is_empty() { b"\n".as_slice() } else { line };
        // One write call per line, so a crash cuts at most the last line.
        self.file.write_all(line).map_err(io_error("cannot append to", &self.path))?;
        self.file.flush().map_err(io_error("cannot flush", &self.path))?;
        if self.fsync {
            self.file.sync_data().map_err(io_error("cannot sync", &self.path))?;
        }
        Ok(())
    }

    /// The log's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether this search holds the log's lock, or why it could not.
    pub fn lock(&self) -> &LockOutcome {
        &self.lock
    }
}

fn ends_with_newline(path: &Path, len: u64) -> Result<bool, SearchError> {
    use std::io::{Seek, SeekFrom};
    let mut f = File::open(path).map_err(io_error("cannot read", path))?;
    let mut last = [0u8];
    f.seek(SeekFrom::Start(len - 1)).and_then(|_| f.read_exact(&mut last)).map_err(io_error("cannot read", path))?;
    Ok(last[0] == b'\n')
}

#[cfg(test)]
mod tests;
