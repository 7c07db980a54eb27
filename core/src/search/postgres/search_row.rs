//! A search's row in `archspace_searches`: found by name, created by its
//! coordinator (or an import), checked by everyone who joins it.

use std::time::Duration;

use postgres::types::Json;

use crate::fingerprint::SpaceFingerprint;
use crate::search::error::SearchError;
use crate::search::journal::{LogHeader, header_difference};
use crate::{SpaceDef, SpecError};

use super::connection::Connection;

/// A search space as a store knows it: the name a worker program finds its
/// definition by, and the definition's [fingerprint](SpaceDef::fingerprint).
/// The store records the coordinator's and refuses a worker (or an import)
/// whose space differs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpaceIdentity {
    /// The space's name, e.g. `quickstart`.
    pub name: String,
    /// Its definition's fingerprint.
    pub fingerprint: SpaceFingerprint,
}

impl SpaceIdentity {
    /// The space `def`, named `name`.
    pub fn of(name: impl Into<String>, def: &SpaceDef) -> Result<Self, SpecError> {
        Ok(SpaceIdentity { name: name.into(), fingerprint: def.fingerprint()? })
    }
}

/// A search as its row holds it.
#[derive(Clone, Debug)]
pub(crate) struct SearchRow {
    pub(crate) id: i64,
    pub(crate) header: LogHeader,
    pub(crate) space_name: String,
    pub(crate) fingerprint: String,
    pub(crate) grace: Duration,
    pub(crate) max_lost: u32,
    pub(crate) coordinator: Option<String>,
}

const COLUMNS: &str = "search_id, header, space_name, space_fingerprint, grace_ms, max_lost, coordinator";

fn from_row(row: &postgres::Row) -> SearchRow {
    let Json(header) = row.get::<_, Json<LogHeader>>(1);
    SearchRow {
        id: row.get(0),
        header,
        space_name: row.get(2),
        fingerprint: row.get(3),
        grace: Duration::from_millis(row.get::<_, i64>(4).max(1) as u64),
        max_lost: row.get::<_, i32>(5).max(0) as u32,
        coordinator: row.get(6),
    }
}

/// The search named by the connection's URL, if it exists.
pub(crate) fn find(connection: &mut Connection) -> Result<Option<SearchRow>, SearchError> {
    let name = connection.search_name().to_owned();
    let query = format!("SELECT {COLUMNS} FROM archspace_searches WHERE name = $1");
    connection.run("cannot read the search", |c| c.query_opt(&query, &[&name]).map(|row| row.as_ref().map(from_row)))
}

/// Settings of a queue that its coordinator writes into the search's row.
#[derive(Clone, Copy, Debug)]
pub(crate) struct QueueLimits {
    pub(crate) grace: Duration,
    pub(crate) max_lost: u32,
}

/// The search named by the connection's URL: created as `header` describes
/// when missing, otherwise checked against `header` and `space`.
pub(crate) fn create_or_check(
    connection: &mut Connection,
    header: &LogHeader,
    space: &SpaceIdentity,
    limits: QueueLimits,
) -> Result<SearchRow, SearchError> {
    let name = connection.search_name().to_owned();
    let (space_name, fingerprint) = (space.name.clone(), space.fingerprint.to_string());
    let grace_ms = limits.grace.as_millis().clamp(1, i64::MAX as u128) as i64;
    let max_lost = limits.max_lost.min(i32::MAX as u32) as i32;
    let insert = "INSERT INTO archspace_searches (name, header, space_name, space_fingerprint, grace_ms, max_lost)
                  VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (name) DO NOTHING";
    let select = format!("SELECT {COLUMNS} FROM archspace_searches WHERE name = $1");
    let row = connection.run("cannot create the search", |c| {
        c.execute(insert, &[&name, &Json(header), &space_name, &fingerprint, &grace_ms, &max_lost])?;
        c.query_one(&select, &[&name]).map(|row| from_row(&row))
    })?;
    let or_new = format!("or start a new search with another name (`?search=` in the store URL; this one is `{name}`)");
    if let Some(reason) = header_difference(&row.header, header, "the store", &or_new) {
        return Err(SearchError::StoreMismatch { store: connection.shown().to_owned(), reason });
    }
    check_space(connection, &row, space)?;
    Ok(row)
}

/// Refuses a space other than the search's.
pub(crate) fn check_space(connection: &Connection, row: &SearchRow, space: &SpaceIdentity) -> Result<(), SearchError> {
    let fingerprint = space.fingerprint.to_string();
    if row.space_name == space.name && row.fingerprint == fingerprint {
        return Ok(());
    }
    let reason = if row.space_name != space.name {
        format!(
            "the search `{}` explores space `{}`, not `{}`; start this program with the search's space",
            connection.search_name(),
            row.space_name,
            space.name
        )
    } else {
        format!(
            "space `{}` here differs from the search's (fingerprint {fingerprint} here, {} in the store): this \
             program was built from other code than the coordinator's; build both from the same code",
            space.name, row.fingerprint
        )
    };
    Err(SearchError::StoreMismatch { store: connection.shown().to_owned(), reason })
}

/// This machine's name.
pub(crate) fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_owned())
}

/// This process, as a coordinator names itself: `host:pid`.
pub(crate) fn this_process() -> String {
    format!("{}:{}", host_name(), std::process::id())
}
