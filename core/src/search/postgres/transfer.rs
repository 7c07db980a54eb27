//! Moving a search between a store and a JSON-lines log, both ways.

use std::path::Path;
use std::time::Duration;

use postgres::types::Json;

use crate::SpaceDef;
use crate::search::error::SearchError;
use crate::search::events::EventSink;
use crate::search::journal::{SearchLog, read_log};
use crate::search::record::TrialRecord;

use super::connection::{Connection, Reconnect, StoreUrl};
use super::search_row::{self, QueueLimits, SpaceIdentity};
use super::store::QueueSettings;

fn connect(url: &str) -> Result<Connection, SearchError> {
    let reconnect = Reconnect { give_up_after: Duration::from_secs(30), events: EventSink::Ignore };
    Connection::open(StoreUrl::parse(url)?, reconnect, Vec::new())
}

/// Writes the search at `url` (`?search=NAME`) to a new JSON-lines search
/// log at `log`: its header, then every record in the order written. The
/// log reads as any other ([`read_log`], [`export_csv`](crate::search::export_csv)),
/// and [`run`](crate::search::run) resumes it on one machine. Returns the
/// number of records; refuses to write over a log that exists.
pub fn export_log(url: &str, log: &Path) -> Result<usize, SearchError> {
    if log.metadata().is_ok_and(|m| m.len() > 0) {
        return Err(SearchError::Io {
            action: "will not export over",
            path: log.to_owned(),
            source: std::io::Error::other("the file exists; give a new path, or remove it first"),
        });
    }
    let mut connection = connect(url)?;
    let Some(search) = search_row::find(&mut connection)? else {
        let reason = format!("no search `{}` in the store", connection.search_name());
        return Err(connection.error("cannot export", reason));
    };
    let records: Vec<TrialRecord> = connection.run("cannot read records", |c| {
        let rows = c.query("SELECT record FROM archspace_records WHERE search_id = $1 ORDER BY seq", &[&search.id])?;
        Ok(rows.iter().map(|row| row.get::<_, Json<TrialRecord>>(0).0).collect())
    })?;
    let (mut out, _) = SearchLog::open(log, &search.header, true)?;
    for record in &records {
        out.append(record)?;
    }
    Ok(records.len())
}

/// Copies the JSON-lines search log at `log` into the store at `url`, as
/// the search named by its `?search=` over `space` (named `space_name`): a
/// coordinator can then go on with it, with workers on other machines.
///
/// The search is created with the log's settings, or, if it exists, must
/// have the same settings and space; records it holds already are kept
/// (they must equal the log's). Returns the number of records copied.
pub fn import_log(url: &str, log: &Path, space_name: &str, space: &SpaceDef) -> Result<usize, SearchError> {
    let contents = read_log(log)?;
    let Some(header) = contents.header else {
        return Err(SearchError::CorruptLog { path: log.to_owned(), line: 1, reason: "the log is empty".to_owned() });
    };
    let mut connection = connect(url)?;
    let identity = SpaceIdentity::of(space_name, space)?;
    let defaults = QueueSettings::default();
    let limits = QueueLimits { grace: defaults.grace, max_lost: defaults.max_lost };
    let search = search_row::create_or_check(&mut connection, &header, &identity, limits)?;
    let conflicts: Vec<TrialRecord> = connection.run("cannot import records", |c| {
        let mut tx = c.transaction()?;
        let mut conflicts = Vec::new();
        for record in &contents.records {
            let (trial, attempt) = (record.trial.id as i64, record.attempt as i32);
            let added = tx.execute(
                "INSERT INTO archspace_records (search_id, trial_id, attempt, record) VALUES ($1, $2, $3, $4)
                 ON CONFLICT DO NOTHING",
                &[&search.id, &trial, &attempt, &Json(record)],
            )?;
            if added == 0 {
                let row = tx.query_one(
                    "SELECT record FROM archspace_records WHERE search_id = $1 AND trial_id = $2 AND attempt = $3",
                    &[&search.id, &trial, &attempt],
                )?;
                let Json(stored) = row.get::<_, Json<TrialRecord>>(0);
                if stored.clone().without_timing() != record.clone().without_timing() {
                    conflicts.push(stored);
                }
            }
        }
        if conflicts.is_empty() {
            tx.commit()?;
        }
        Ok(conflicts)
    })?;
    if let Some(stored) = conflicts.first() {
        let reason = format!(
            "trial {} (attempt {}) is recorded in the store with another result than in `{}`; nothing was imported",
            stored.trial.id,
            stored.attempt,
            log.display()
        );
        return Err(SearchError::StoreMismatch { store: connection.shown().to_owned(), reason });
    }
    Ok(contents.records.len())
}
