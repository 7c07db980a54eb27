//! [`PostgresStore`]: the coordinator's side of the queue.

use std::time::{Duration, Instant};

use postgres::types::Json;

use crate::search::error::SearchError;
use crate::search::events::{EventSink, SearchEvent};
use crate::search::journal::{LogContents, LogHeader};
use crate::search::record::{Trial, TrialRecord, TrialStatus};
use crate::search::store::{QueuedTrial, TrialQueue, TrialStore};

use super::connection::{Connection, Reconnect, StoreUrl};
use super::search_row::{self, QueueLimits, SearchRow, SpaceIdentity, this_process};

/// Base of the advisory lock key a coordinator holds on its search.
const COORDINATOR_LOCK: i64 = 0x4152_4353_0100_0000;
/// How long a coordinator waits for the search's lock before it gives up.
const LOCK_PATIENCE: Duration = Duration::from_secs(3);

/// Settings of a [`PostgresStore`] (and of the search it coordinates).
#[derive(Clone, Debug, PartialEq)]
pub struct QueueSettings {
    /// A worker that sends no heartbeat for this long (it sends one every
    /// quarter of it) has its trials queued again. Default: 60 s.
    pub grace: Duration,
    /// How often an attempt may lose its worker before it is recorded as
    /// failed (`lost N times`) instead of queued again. Default: 3.
    pub max_lost: u32,
    /// How long to keep reconnecting to a server that cannot be reached
    /// before giving up with an error. Default: 10 minutes.
    pub reconnect_for: Duration,
    /// Where lost connections and lost workers are reported.
    pub events: EventSink,
}

impl Default for QueueSettings {
    fn default() -> Self {
        QueueSettings {
            grace: Duration::from_secs(60),
            max_lost: 3,
            reconnect_for: Duration::from_secs(600),
            events: EventSink::default(),
        }
    }
}

/// A search's trials in PostgreSQL, as its coordinator sees them: a
/// [`TrialStore`] and a [`TrialQueue`] for [`coordinate`](crate::search::coordinate).
///
/// One coordinator per search: it holds an advisory lock on the search for
/// as long as its session lives (a killed coordinator's goes with its
/// connection), and a second is refused with
/// [`SearchError::CoordinatorRunning`].
pub struct PostgresStore {
    connection: Connection,
    space: SpaceIdentity,
    settings: QueueSettings,
    search: Option<SearchRow>,
    next_requeue: Instant,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore").field("store", &self.connection.shown()).field("space", &self.space).finish()
    }
}

impl PostgresStore {
    /// Connects to the store at `url` (`postgres://user@host:port/database`,
    /// with `?search=NAME` to name the search: `default` otherwise) for a
    /// coordinator of a search over `space`, creating or migrating the
    /// schema. The search itself is created or checked when the coordinator
    /// begins.
    pub fn open(url: &str, space: SpaceIdentity, settings: QueueSettings) -> Result<Self, SearchError> {
        let reconnect = Reconnect { give_up_after: settings.reconnect_for, events: settings.events.clone() };
        let connection = Connection::open(StoreUrl::parse(url)?, reconnect, vec!["archspace_records"])?;
        Ok(PostgresStore { connection, space, settings, search: None, next_requeue: Instant::now() })
    }

    fn search(&self) -> Result<&SearchRow, SearchError> {
        self.search.as_ref().ok_or_else(|| self.connection.error("cannot use the queue", "the search has not begun"))
    }

    /// Queues again the running trials of workers that stopped sending
    /// heartbeats, and records as failed those lost too often.
    fn requeue_lost(&mut self) -> Result<Vec<TrialRecord>, SearchError> {
        let search = self.search()?.clone();
        let grace_ms = search.grace.as_millis() as f64;
        let max_lost = search.max_lost as i32;
        let lost = self.connection.run("cannot queue lost trials again", |c| {
            let mut tx = c.transaction()?;
            let rows = tx.query(
                "WITH stale AS MATERIALIZED (
                     SELECT t.trial_id, t.attempt, t.claim_id, t.worker_id, t.claimed_at,
                            w.host || ':' || w.pid AS worker
                     FROM archspace_trials t JOIN archspace_workers w ON w.worker_id = t.worker_id
                     WHERE t.search_id = $1 AND t.state = 'running'
                       AND w.heartbeat_at < now() - $2 * interval '1 millisecond'
                     FOR UPDATE OF t SKIP LOCKED
                 ), recorded AS (
                     INSERT INTO archspace_lost_claims (search_id, claim_id, trial_id, attempt, worker_id, claimed_at)
                     SELECT $1, claim_id, trial_id, attempt, worker_id, claimed_at FROM stale
                     ON CONFLICT DO NOTHING
                 )
                 UPDATE archspace_trials t
                 SET state = CASE WHEN t.lost + 1 > $3 THEN 'done' ELSE 'pending' END,
                     worker_id = NULL, claim_id = NULL, claimed_at = NULL, lost = t.lost + 1
                 FROM stale
                 WHERE t.search_id = $1 AND t.trial_id = stale.trial_id AND t.attempt = stale.attempt
                 RETURNING t.trial_id, t.attempt, t.lost, stale.worker, t.trial, t.hash",
                &[&search.id, &grace_ms, &max_lost],
            )?;
            let mut given_up = Vec::new();
            let mut lost = Vec::new();
            for row in &rows {
                let (attempt, times, worker): (i32, i32, String) = (row.get(1), row.get(2), row.get(3));
                let Json(trial) = row.get::<_, Json<Trial>>(4);
                lost.push((trial.id, attempt as u32, worker.clone(), times as u32));
                if times > max_lost {
                    let record = lost_record(trial, row.get(5), attempt as u32, times as u32, &worker);
                    tx.execute(
                        "INSERT INTO archspace_records (search_id, trial_id, attempt, record) VALUES ($1, $2, $3, $4)
                         ON CONFLICT DO NOTHING",
                        &[&search.id, &(record.trial.id as i64), &attempt, &Json(&record)],
                    )?;
                    given_up.push(record);
                }
            }
            tx.commit()?;
            Ok((lost, given_up))
        })?;
        let (lost, given_up) = lost;
        for (trial, attempt, worker, times) in lost {
            let event = SearchEvent::TrialLost { trial, attempt, worker, lost: times, limit: search.max_lost };
            self.settings.events.emit_plain(event);
        }
        Ok(given_up)
    }

    /// Takes the search's coordinator lock. A coordinator that was just
    /// killed holds it until the server has ended its session (a moment
    /// after the process died), so a refusal is retried for a few seconds.
    fn lock_search(&mut self, search: i64) -> Result<bool, SearchError> {
        let key = COORDINATOR_LOCK.wrapping_add(search);
        let give_up = Instant::now() + LOCK_PATIENCE;
        loop {
            if self.connection.try_lock(key)? {
                return Ok(true);
            }
            if Instant::now() >= give_up {
                return Ok(false);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn records_of(&mut self, awaited: &[(u64, u32)]) -> Result<Vec<TrialRecord>, SearchError> {
        let id = self.search()?.id;
        let trials: Vec<i64> = awaited.iter().map(|&(trial, _)| trial as i64).collect();
        let attempts: Vec<i32> = awaited.iter().map(|&(_, attempt)| attempt as i32).collect();
        self.connection.run("cannot read records", |c| {
            let rows = c.query(
                "SELECT r.record FROM archspace_records r
                 JOIN unnest($2::bigint[], $3::integer[]) AS a(trial_id, attempt)
                   ON r.trial_id = a.trial_id AND r.attempt = a.attempt
                 WHERE r.search_id = $1",
                &[&id, &trials, &attempts],
            )?;
            Ok(rows.iter().map(|row| row.get::<_, Json<TrialRecord>>(0).0).collect())
        })
    }

    fn check_still_coordinating(&self) -> Result<(), SearchError> {
        if self.connection.holds_lock() {
            return Ok(());
        }
        Err(SearchError::CoordinatorRunning {
            store: self.connection.shown().to_owned(),
            search: self.connection.search_name().to_owned(),
            holder: Some("it took the search over while this coordinator's connection was lost".to_owned()),
        })
    }
}

/// The failed record of an attempt lost `times` times, last by `worker`.
fn lost_record(trial: Trial, hash: String, attempt: u32, times: u32, worker: &str) -> TrialRecord {
    TrialRecord {
        trial,
        hash,
        status: TrialStatus::Failed,
        metrics: Default::default(),
        score: None,
        error: Some(format!(
            "lost {times} times: its workers stopped sending heartbeats (the last one {worker}); it may crash or \
             exhaust the machine it runs on"
        )),
        duplicate_of: None,
        seconds: 0.0,
        attempt,
    }
}

impl TrialStore for PostgresStore {
    fn location(&self) -> String {
        self.connection.shown().to_owned()
    }

    fn begin(&mut self, header: &LogHeader, _events: &mut dyn FnMut(SearchEvent)) -> Result<LogContents, SearchError> {
        let limits = QueueLimits { grace: self.settings.grace, max_lost: self.settings.max_lost };
        let row = search_row::create_or_check(&mut self.connection, header, &self.space, limits)?;
        if !self.lock_search(row.id)? {
            return Err(SearchError::CoordinatorRunning {
                store: self.connection.shown().to_owned(),
                search: self.connection.search_name().to_owned(),
                holder: row.coordinator.clone(),
            });
        }
        // This coordinator's limits replace those of the one before it.
        let me = this_process();
        let grace_ms = limits.grace.as_millis().clamp(1, i64::MAX as u128) as i64;
        let max_lost = limits.max_lost.min(i32::MAX as u32) as i32;
        let records = self.connection.run("cannot read the search's records", |c| {
            c.execute(
                "UPDATE archspace_searches SET coordinator = $2, finished_at = NULL, grace_ms = $3, max_lost = $4
                 WHERE search_id = $1",
                &[&row.id, &me, &grace_ms, &max_lost],
            )?;
            let rows = c.query("SELECT record FROM archspace_records WHERE search_id = $1 ORDER BY seq", &[&row.id])?;
            Ok(rows.iter().map(|row| row.get::<_, Json<TrialRecord>>(0).0).collect::<Vec<_>>())
        })?;
        let (grace, max_lost) = (limits.grace, limits.max_lost);
        self.search = Some(SearchRow { coordinator: Some(me), grace, max_lost, ..row });
        Ok(LogContents { header: Some(header.clone()), records, truncated_line: None, valid_len: 0 })
    }

    fn append(&mut self, record: &TrialRecord) -> Result<(), SearchError> {
        let id = self.search()?.id;
        let (trial, attempt) = (record.trial.id as i64, record.attempt as i32);
        self.connection.run("cannot write a record", |c| {
            c.execute(
                "INSERT INTO archspace_records (search_id, trial_id, attempt, record) VALUES ($1, $2, $3, $4)
                 ON CONFLICT DO NOTHING",
                &[&id, &trial, &attempt, &Json(record)],
            )
        })?;
        Ok(())
    }
}

impl TrialQueue for PostgresStore {
    fn enqueue(&mut self, trials: &[QueuedTrial]) -> Result<(), SearchError> {
        self.check_still_coordinating()?;
        let id = self.search()?.id;
        let ids: Vec<i64> = trials.iter().map(|q| q.trial.id as i64).collect();
        let attempts: Vec<i32> = trials.iter().map(|q| q.attempt as i32).collect();
        let bodies: Vec<Json<&Trial>> = trials.iter().map(|q| Json(&q.trial)).collect();
        let hashes: Vec<&str> = trials.iter().map(|q| q.hash.as_str()).collect();
        // Attempts queued before (by a coordinator that stopped) stay as they
        // are; their decisions must be the ones proposed now.
        let known = self.connection.run("cannot queue trials", |c| {
            let rows = c.query(
                "WITH given AS (
                     SELECT * FROM unnest($2::bigint[], $3::integer[], $4::json[], $5::text[])
                         AS g(trial_id, attempt, trial, hash)
                 ), added AS (
                     INSERT INTO archspace_trials (search_id, trial_id, attempt, trial, hash, state)
                     SELECT $1, trial_id, attempt, trial, hash, 'pending' FROM given
                     ON CONFLICT DO NOTHING
                     RETURNING trial_id, attempt
                 )
                 SELECT t.trial_id, t.trial FROM archspace_trials t JOIN given g
                   ON t.trial_id = g.trial_id AND t.attempt = g.attempt
                 WHERE t.search_id = $1
                   AND NOT EXISTS (SELECT 1 FROM added a WHERE a.trial_id = g.trial_id AND a.attempt = g.attempt)",
                &[&id, &ids, &attempts, &bodies, &hashes],
            )?;
            Ok(rows.iter().map(|row| row.get::<_, Json<Trial>>(1).0).collect::<Vec<Trial>>())
        })?;
        for stored in known {
            let now = trials.iter().find(|q| q.trial.id == stored.id).map(|q| &q.trial);
            if now.is_some_and(|now| now.decisions != stored.decisions || now.budget != stored.budget) {
                return Err(self.mismatch(format!(
                    "trial {} is queued with other decisions than the searcher proposes now (the searcher or the \
                     space changed); resume with the ones that queued it, or start a new search with another name",
                    stored.id
                )));
            }
        }
        Ok(())
    }

    fn wait_for_records(&mut self, awaited: &[(u64, u32)], timeout: Duration) -> Result<Vec<TrialRecord>, SearchError> {
        self.check_still_coordinating()?;
        let grace = self.search()?.grace;
        let mut records = Vec::new();
        if Instant::now() >= self.next_requeue {
            records = self.requeue_lost()?;
            self.next_requeue = Instant::now() + (grace / 4).clamp(Duration::from_millis(100), Duration::from_secs(5));
        }
        records.extend(self.records_of(awaited)?);
        if records.is_empty() {
            let wait = timeout.min(self.next_requeue.saturating_duration_since(Instant::now()));
            if self.connection.wait_for_notification(wait)? {
                records = self.records_of(awaited)?;
            }
        }
        Ok(records)
    }

    fn finish(&mut self) -> Result<(), SearchError> {
        let id = self.search()?.id;
        self.connection.run("cannot mark the search finished", |c| {
            c.execute("UPDATE archspace_searches SET finished_at = now() WHERE search_id = $1", &[&id])?;
            // Wakes idle workers, which then see the search is finished.
            c.execute("SELECT pg_notify('archspace_trials', $1)", &[&id.to_string()])
        })?;
        Ok(())
    }
}
