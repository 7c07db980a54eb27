//! [`work`]: a worker process's loop — claim pending trials, evaluate them,
//! record their outcomes, send heartbeats meanwhile.

use std::collections::HashMap;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use postgres::types::Json;

use crate::SpaceDef;
use crate::search::driver::{Evaluator, evaluate};
use crate::search::error::SearchError;
use crate::search::events::{EventSink, SearchEvent};
use crate::search::panic_output::{self, QuietEvaluationPanics};
use crate::search::record::{Trial, TrialRecord};

use super::connection::{Connection, Reconnect, StoreUrl};
use super::search_row::{self, SearchRow, SpaceIdentity, host_name};

/// How often an idle worker looks for trials without being notified.
const IDLE_POLL: Duration = Duration::from_secs(1);
/// How often a worker with free threads and running trials checks for
/// notifications of new trials.
const BUSY_POLL: Duration = Duration::from_millis(20);

/// Settings of a worker.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkerConfig {
    /// Trials evaluated at once, each on a thread of the worker's pool
    /// (work an evaluation splits with rayon runs on the same pool).
    pub threads: usize,
    /// Leave when the search is finished and no trial is left. Otherwise
    /// the worker waits for more (a coordinator resuming the search).
    pub leave_when_finished: bool,
    /// How long to keep reconnecting to a server that cannot be reached
    /// before giving up with an error. Default: 10 minutes.
    pub reconnect_for: Duration,
    /// Where lost connections are reported.
    pub events: EventSink,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            threads: 1,
            leave_when_finished: true,
            reconnect_for: Duration::from_secs(600),
            events: EventSink::default(),
        }
    }
}

/// What a worker did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WorkerReport {
    /// The worker's id in the store.
    pub worker_id: i64,
    /// Trials it evaluated and recorded.
    pub recorded: u64,
    /// Of those, trials that failed.
    pub failed: u64,
    /// Evaluations whose results it dropped because another worker had
    /// recorded the same attempt first (its trial had been queued again
    /// while this worker was out of touch).
    pub dropped: u64,
}

/// A finished evaluation, by claim.
enum Finished {
    Record(i64, TrialRecord),
    /// The decisions do not replay to the queued network here.
    OtherSpace(i64, String),
}

/// Evaluates trials of the search at `url` (see [`PostgresStore::open`](super::PostgresStore::open)
/// for its form) until the search is finished, on `config.threads` threads.
///
/// `space` names the space and `def` defines it as the coordinator's does:
/// a worker whose space has another name or fingerprint is refused
/// ([`SearchError::StoreMismatch`]). A worker started before the search
/// exists waits for its coordinator. While it evaluates, it sends a
/// heartbeat every quarter of the search's grace period; a lost connection
/// is retried with backoff, its trials going on meanwhile. The objective is
/// the search's, read from the store.
pub fn work<E: Evaluator + ?Sized>(
    url: &str,
    space: &str,
    def: &SpaceDef,
    evaluator: &E,
    config: &WorkerConfig,
) -> Result<WorkerReport, SearchError> {
    if config.threads == 0 {
        return Err(SearchError::Config("a worker needs at least 1 thread".to_owned()));
    }
    let identity = SpaceIdentity::of(space, def)?;
    let reconnect = Reconnect { give_up_after: config.reconnect_for, events: config.events.clone() };
    let mut connection = Connection::open(StoreUrl::parse(url)?, reconnect, vec!["archspace_trials"])?;
    let search = wait_for_search(&mut connection, config)?;
    search_row::check_space(&connection, &search, &identity)?;
    let (host, pid, threads) = (host_name(), std::process::id() as i32, config.threads as i32);
    let worker_id: i64 = connection.run("cannot register the worker", |c| {
        c.query_one(
            "INSERT INTO archspace_workers (search_id, host, pid, threads) VALUES ($1, $2, $3, $4) RETURNING worker_id",
            &[&search.id, &host, &pid, &threads],
        )
        .map(|row| row.get(0))
    })?;
    let mut worker = Worker { connection, search, worker_id, report: WorkerReport { worker_id, ..Default::default() } };
    let result = worker.serve(def, evaluator, config);
    worker.stop(result.is_err());
    result.map(|()| worker.report)
}

fn wait_for_search(connection: &mut Connection, config: &WorkerConfig) -> Result<SearchRow, SearchError> {
    let mut said = false;
    loop {
        if let Some(row) = search_row::find(connection)? {
            return Ok(row);
        }
        if !said {
            let (store, search) = (connection.shown().to_owned(), connection.search_name().to_owned());
            config.events.emit_plain(SearchEvent::WaitingForSearch { store, search });
            said = true;
        }
        connection.wait_for_notification(IDLE_POLL)?;
    }
}

struct Worker {
    connection: Connection,
    search: SearchRow,
    worker_id: i64,
    report: WorkerReport,
}

impl Worker {
    fn serve<E: Evaluator + ?Sized>(
        &mut self,
        def: &SpaceDef,
        evaluator: &E,
        config: &WorkerConfig,
    ) -> Result<(), SearchError> {
        let _quiet = QuietEvaluationPanics::install();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(config.threads)
            .start_handler(|_| panic_output::mark_search_thread())
            .build()
            .map_err(|e| SearchError::ThreadPool(e.to_string()))?;
        let heartbeat_every = (self.search.grace / 4).clamp(Duration::from_millis(10), Duration::from_secs(15));
        let objective = self.search.header.objective.clone();
        let tradeoffs = self.search.header.tradeoffs.clone();
        let (sender, receiver) = mpsc::channel::<Finished>();
        let mut running: HashMap<i64, (u64, u32)> = HashMap::new();
        let mut generation = self.connection.generation;
        let mut next_heartbeat = Instant::now() + heartbeat_every;
        let mut look = true;
        let mut next_look = Instant::now();
        pool.in_place_scope(|scope| {
            loop {
                let now = Instant::now();
                if now >= next_heartbeat {
                    self.heartbeat()?;
                    next_heartbeat = now + heartbeat_every;
                }
                if self.connection.generation != generation {
                    // A new session: a claim whose answer was lost with the old
                    // one is held by no evaluation here; give it back.
                    generation = self.connection.generation;
                    self.release_claims(&running.keys().copied().collect::<Vec<_>>())?;
                }
                let free = config.threads.saturating_sub(running.len());
                if free > 0 && (look || now >= next_look) {
                    look = false;
                    next_look = now + IDLE_POLL;
                    let claimed = self.claim(free)?;
                    if claimed.is_empty() && running.is_empty() && config.leave_when_finished && self.finished()? {
                        return Ok(());
                    }
                    for (claim, attempt, trial, hash) in claimed {
                        running.insert(claim, (trial.id, attempt));
                        let (sender, objectives) = (sender.clone(), (&objective, tradeoffs.as_slice()));
                        scope.spawn(move |_| {
                            let finished = match def.replay(&trial.decisions) {
                                Ok(arch) if arch.canonical_hash().to_string() == hash => {
                                    let hash = arch.canonical_hash();
                                    Finished::Record(
                                        claim,
                                        evaluate(evaluator, objectives, trial, &arch, hash, attempt),
                                    )
                                }
                                Ok(arch) => Finished::OtherSpace(
                                    claim,
                                    format!(
                                        "its decisions build network {} here, {hash} in the queue",
                                        arch.canonical_hash()
                                    ),
                                ),
                                Err(e) => Finished::OtherSpace(claim, format!("its decisions do not replay here: {e}")),
                            };
                            // The receiver is gone only when the worker stopped on an error.
                            let _ = sender.send(finished);
                        });
                    }
                    if running.len() < config.threads {
                        continue;
                    }
                }
                let wait = next_heartbeat.saturating_duration_since(Instant::now());
                if running.is_empty() {
                    look = self.connection.wait_for_notification(wait.min(IDLE_POLL))?;
                    continue;
                }
                let wait = if running.len() < config.threads { wait.min(BUSY_POLL) } else { wait };
                match receiver.recv_timeout(wait) {
                    Ok(Finished::Record(claim, record)) => {
                        running.remove(&claim);
                        self.complete(&record)?;
                        look = true;
                    }
                    Ok(Finished::OtherSpace(claim, reason)) => {
                        running.remove(&claim);
                        let message = format!(
                            "a trial's network differs here: {reason}; build the worker from the coordinator's code"
                        );
                        return Err(SearchError::StoreMismatch {
                            store: self.connection.shown().to_owned(),
                            reason: message,
                        });
                    }
                    Err(_) if running.len() < config.threads => {
                        look = self.connection.wait_for_notification(Duration::ZERO)?;
                    }
                    Err(_) => {}
                }
            }
        })
    }

    fn heartbeat(&mut self) -> Result<(), SearchError> {
        let id = self.worker_id;
        self.connection.run("cannot send a heartbeat", |c| {
            c.execute("UPDATE archspace_workers SET heartbeat_at = now() WHERE worker_id = $1", &[&id])
        })?;
        Ok(())
    }

    /// Claims up to `count` pending trials: `(claim, attempt, trial, hash)`.
    fn claim(&mut self, count: usize) -> Result<Vec<(i64, u32, Trial, String)>, SearchError> {
        let (search, worker, count) = (self.search.id, self.worker_id, count as i64);
        self.connection.run("cannot claim trials", |c| {
            let rows = c.query(
                // Materialized, so the locked rows are chosen once: as a
                // subquery of the join, the planner may scan it again and
                // claim more than the limit.
                "WITH next AS MATERIALIZED (
                     SELECT trial_id, attempt FROM archspace_trials
                     WHERE search_id = $1 AND state = 'pending'
                     ORDER BY trial_id, attempt LIMIT $3
                     FOR UPDATE SKIP LOCKED
                 )
                 UPDATE archspace_trials t
                 SET state = 'running', worker_id = $2, claim_id = nextval('archspace_claim_ids'), claimed_at = now()
                 FROM next
                 WHERE t.search_id = $1 AND t.trial_id = next.trial_id AND t.attempt = next.attempt
                 RETURNING t.claim_id, t.attempt, t.trial, t.hash",
                &[&search, &worker, &count],
            )?;
            Ok(rows
                .iter()
                .map(|row| (row.get(0), row.get::<_, i32>(1) as u32, row.get::<_, Json<Trial>>(2).0, row.get(3)))
                .collect())
        })
    }

    /// Records `record`; drops it if another worker recorded the attempt first.
    fn complete(&mut self, record: &TrialRecord) -> Result<(), SearchError> {
        let (search, worker) = (self.search.id, self.worker_id);
        let (trial, attempt) = (record.trial.id as i64, record.attempt as i32);
        let written_by: Option<i64> = self.connection.run("cannot record a trial", |c| {
            let row = c.query_one(
                "WITH written AS (
                     INSERT INTO archspace_records (search_id, trial_id, attempt, record, worker_id)
                     VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT DO NOTHING RETURNING trial_id
                 ), done AS (
                     UPDATE archspace_trials SET state = 'done', worker_id = NULL, claim_id = NULL
                     WHERE search_id = $1 AND trial_id = $2 AND attempt = $3 AND EXISTS (SELECT 1 FROM written)
                 ), counted AS (
                     UPDATE archspace_workers SET evaluated = evaluated + 1, heartbeat_at = now()
                     WHERE worker_id = $5 AND EXISTS (SELECT 1 FROM written)
                 )
                 SELECT CASE WHEN EXISTS (SELECT 1 FROM written) THEN $5 ELSE
                     (SELECT worker_id FROM archspace_records WHERE search_id = $1 AND trial_id = $2 AND attempt = $3)
                 END",
                &[&search, &trial, &attempt, &Json(record), &worker],
            )?;
            Ok(row.get(0))
        })?;
        // Written by this worker: now, or before a lost answer ran it again.
        if written_by == Some(worker) {
            self.report.recorded += 1;
            self.report.failed += u64::from(record.score.is_none());
        } else {
            self.report.dropped += 1;
        }
        Ok(())
    }

    /// Gives back this worker's running claims but `keep`.
    fn release_claims(&mut self, keep: &[i64]) -> Result<(), SearchError> {
        let (search, worker) = (self.search.id, self.worker_id);
        self.connection.run("cannot give trials back", |c| {
            c.execute(
                "UPDATE archspace_trials SET state = 'pending', worker_id = NULL, claim_id = NULL, claimed_at = NULL
                 WHERE search_id = $1 AND worker_id = $2 AND state = 'running' AND NOT (claim_id = ANY($3))",
                &[&search, &worker, &keep],
            )
        })?;
        Ok(())
    }

    /// Whether the coordinator marked the search finished and nothing is pending.
    fn finished(&mut self) -> Result<bool, SearchError> {
        let search = self.search.id;
        self.connection.run("cannot read the search", |c| {
            c.query_one(
                "SELECT s.finished_at IS NOT NULL AND NOT EXISTS (
                     SELECT 1 FROM archspace_trials t WHERE t.search_id = s.search_id AND t.state = 'pending')
                 FROM archspace_searches s WHERE s.search_id = $1",
                &[&search],
            )
            .map(|row| row.get(0))
        })
    }

    /// Marks the worker stopped; after an error, gives its trials back.
    fn stop(&mut self, failed: bool) {
        if failed {
            // Best effort: if it fails too, the grace period gives them back.
            let _ = self.release_claims(&[]);
        }
        let id = self.worker_id;
        let _ = self.connection.run("cannot mark the worker stopped", |c| {
            c.execute("UPDATE archspace_workers SET stopped_at = now() WHERE worker_id = $1", &[&id])
        });
    }
}
