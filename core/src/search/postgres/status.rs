//! [`status`]: what a store's searches are doing.

use std::fmt;
use std::time::Duration;

use crate::search::error::SearchError;
use crate::search::events::EventSink;

use super::connection::{Connection, Reconnect, StoreUrl};
use super::search_row;

/// One search in a store, as [`status`] sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct SearchStatus {
    /// The search's name.
    pub name: String,
    /// Its space's name.
    pub space: String,
    /// Its searcher's name.
    pub searcher: String,
    /// The coordinator that ran it last (`host:pid`).
    pub coordinator: Option<String>,
    /// Whether its coordinator finished it.
    pub finished: bool,
    /// Trial attempts waiting for a worker.
    pub pending: u64,
    /// Trial attempts a worker evaluates.
    pub running: u64,
    /// Trials whose last record completed.
    pub completed: u64,
    /// Trials whose last record failed.
    pub failed: u64,
    /// Trials recorded as duplicates of earlier ones.
    pub duplicates: u64,
    /// Claims given up on because their worker stopped sending heartbeats.
    pub lost_claims: u64,
    /// Workers that sent a heartbeat within the grace period and have not stopped.
    pub workers_alive: u64,
    /// Workers that ever joined.
    pub workers_total: u64,
    /// Records written in the last minute, per second.
    pub recent_per_second: f64,
    /// Records per second from the first record to the last.
    pub overall_per_second: f64,
    /// The best score so far (the objective's value, as [`SearchReport::best_value`](crate::search::SearchReport::best_value)).
    pub best_value: Option<f64>,
    /// The objective's metric.
    pub metric: String,
}

/// Every search in a store.
#[derive(Clone, Debug, PartialEq)]
pub struct StoreStatus {
    /// The store (its URL without the password).
    pub store: String,
    /// Its searches, oldest first.
    pub searches: Vec<SearchStatus>,
}

/// Reads the status of every search in the store at `url` (its `?search=`
/// is ignored): trials by state, workers alive, throughput, the best value.
pub fn status(url: &str) -> Result<StoreStatus, SearchError> {
    let reconnect = Reconnect { give_up_after: Duration::from_secs(30), events: EventSink::Ignore };
    let mut connection = Connection::open(StoreUrl::parse(url)?, reconnect, Vec::new())?;
    let rows = connection.run("cannot read the status", |c| {
        c.query(
            "WITH latest AS (
                 SELECT DISTINCT ON (search_id, trial_id) search_id, record->>'status' AS status,
                        (record->>'score')::float8 AS score
                 FROM archspace_records ORDER BY search_id, trial_id, attempt DESC
             )
             SELECT s.name, s.space_name, s.header->>'searcher', s.coordinator, s.finished_at IS NOT NULL,
                 (SELECT count(*) FROM archspace_trials t WHERE t.search_id = s.search_id AND t.state = 'pending'),
                 (SELECT count(*) FROM archspace_trials t WHERE t.search_id = s.search_id AND t.state = 'running'),
                 (SELECT count(*) FROM latest l WHERE l.search_id = s.search_id AND l.status = 'completed'),
                 (SELECT count(*) FROM latest l WHERE l.search_id = s.search_id AND l.status = 'failed'),
                 (SELECT count(*) FROM latest l WHERE l.search_id = s.search_id AND l.status = 'duplicate'),
                 (SELECT count(*) FROM archspace_lost_claims c WHERE c.search_id = s.search_id),
                 (SELECT count(*) FROM archspace_workers w WHERE w.search_id = s.search_id AND w.stopped_at IS NULL
                     AND w.heartbeat_at > now() - s.grace_ms * interval '1 millisecond'),
                 (SELECT count(*) FROM archspace_workers w WHERE w.search_id = s.search_id),
                 (SELECT count(*)::float8 / 60 FROM archspace_records r
                     WHERE r.search_id = s.search_id AND r.written_at > now() - interval '1 minute'),
                 (SELECT CASE WHEN count(*) > 1
                     THEN (count(*) - 1) / greatest(extract(epoch FROM max(written_at) - min(written_at))::float8, 1e-3)
                     ELSE 0 END FROM archspace_records r WHERE r.search_id = s.search_id),
                 (SELECT max(score) FROM latest l WHERE l.search_id = s.search_id),
                 s.header->'objective'->>'metric', s.header->'objective'->>'goal'
             FROM archspace_searches s ORDER BY s.search_id",
            &[],
        )
    })?;
    let count = |row: &postgres::Row, i: usize| row.get::<_, i64>(i).max(0) as u64;
    let searches = rows
        .iter()
        .map(|row| {
            let minimize = row.get::<_, Option<String>>(17).as_deref() == Some("minimize");
            SearchStatus {
                name: row.get(0),
                space: row.get(1),
                searcher: row.get::<_, Option<String>>(2).unwrap_or_default(),
                coordinator: row.get(3),
                finished: row.get(4),
                pending: count(row, 5),
                running: count(row, 6),
                completed: count(row, 7),
                failed: count(row, 8),
                duplicates: count(row, 9),
                lost_claims: count(row, 10),
                workers_alive: count(row, 11),
                workers_total: count(row, 12),
                recent_per_second: row.get(13),
                overall_per_second: row.get(14),
                best_value: row.get::<_, Option<f64>>(15).map(|s| if minimize { -s } else { s }),
                metric: row.get::<_, Option<String>>(16).unwrap_or_default(),
            }
        })
        .collect();
    Ok(StoreStatus { store: connection.shown().to_owned(), searches })
}

/// The name of the space that the search at `url` (`?search=NAME`)
/// explores, or `None` while its coordinator has not created it: a worker
/// program looks its space up by this name.
pub fn space_of(url: &str) -> Result<Option<String>, SearchError> {
    let reconnect = Reconnect { give_up_after: Duration::from_secs(30), events: EventSink::Ignore };
    let mut connection = Connection::open(StoreUrl::parse(url)?, reconnect, Vec::new())?;
    Ok(search_row::find(&mut connection)?.map(|row| row.space_name))
}

impl fmt::Display for StoreStatus {
    /// A table: one line per search.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "store {}: {} searches", self.store, self.searches.len())?;
        if self.searches.is_empty() {
            return Ok(());
        }
        writeln!(
            f,
            "{:<16} {:<12} {:<10} {:>8} {:>8} {:>9} {:>7} {:>5} {:>5} {:>9} {:>9} {:>20}  state",
            "search",
            "space",
            "searcher",
            "pending",
            "running",
            "completed",
            "failed",
            "dup",
            "lost",
            "workers",
            "trials/s",
            "best"
        )?;
        for s in &self.searches {
            let best = s.best_value.map_or_else(|| "-".to_owned(), |v| format!("{v:.4} {}", s.metric));
            let state = match (&s.coordinator, s.finished) {
                (_, true) => "finished".to_owned(),
                (Some(c), false) => format!("coordinated by {c}"),
                (None, false) => "not started".to_owned(),
            };
            writeln!(
                f,
                "{:<16} {:<12} {:<10} {:>8} {:>8} {:>9} {:>7} {:>5} {:>5} {:>9} {:>9.1} {:>20}  {state}",
                s.name,
                s.space,
                s.searcher,
                s.pending,
                s.running,
                s.completed,
                s.failed,
                s.duplicates,
                s.lost_claims,
                format!("{}/{}", s.workers_alive, s.workers_total),
                if s.recent_per_second > 0.0 { s.recent_per_second } else { s.overall_per_second },
                best
            )?;
        }
        writeln!(f, "(workers: alive/ever; trials/s: over the last minute, or overall when idle)")
    }
}
