//! The store's tables, created and versioned by the library.
//!
//! `archspace_schema` holds the schema's version. Every process checks it
//! when it connects, in one transaction under an advisory lock (so that
//! processes starting together migrate once): a database without the tables
//! gets them, an older schema is migrated step by step, and a newer one (a
//! newer archspace wrote it) is refused rather than misread.
//!
//! Version 1:
//! - `archspace_searches`: one row per search (by name): its settings (the
//!   search log's header, as JSON), its space's name and fingerprint, the
//!   queue's grace period and loss limit, who coordinates it, whether it is
//!   finished;
//! - `archspace_workers`: one row per worker process: host, process id,
//!   threads, last heartbeat, trials evaluated;
//! - `archspace_trials`: the queue, one row per trial attempt (primary key
//!   `(search_id, trial_id, attempt)`): the trial as JSON, its network's
//!   hash, its state (`pending`, `running`, `done`), the worker and claim
//!   holding it, how often it was lost;
//! - `archspace_records`: the results, one [`TrialRecord`](crate::search::TrialRecord)
//!   as JSON per trial attempt, with the primary key `(search_id, trial_id,
//!   attempt)`: the database itself refuses a second result for an attempt,
//!   so nothing is counted twice whatever the workers do;
//! - `archspace_lost_claims`: every claim given up on because its worker
//!   stopped sending heartbeats;
//! - triggers that notify `archspace_trials` when a trial becomes pending and
//!   `archspace_records` when a record is written (payload: the search's id),
//!   so that workers and the coordinator wake at once instead of polling.

use postgres::Client;

/// The version of the schema this archspace writes.
pub const SCHEMA_VERSION: i32 = 1;

/// Serializes concurrent migrations (an arbitrary key of archspace's).
const MIGRATION_LOCK: i64 = 0x4152_4353_0000_0001;

/// Migration `i` takes the schema from version `i` to `i + 1`.
const MIGRATIONS: [&str; SCHEMA_VERSION as usize] = [VERSION_1];

const VERSION_1: &str = r#"
CREATE TABLE archspace_searches (
    search_id bigserial PRIMARY KEY,
    name text NOT NULL UNIQUE,
    header json NOT NULL,
    space_name text NOT NULL,
    space_fingerprint text NOT NULL,
    grace_ms bigint NOT NULL CHECK (grace_ms > 0),
    max_lost integer NOT NULL CHECK (max_lost >= 0),
    coordinator text,
    created_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz
);
CREATE TABLE archspace_workers (
    worker_id bigserial PRIMARY KEY,
    search_id bigint NOT NULL REFERENCES archspace_searches ON DELETE CASCADE,
    host text NOT NULL,
    pid integer NOT NULL,
    threads integer NOT NULL,
    started_at timestamptz NOT NULL DEFAULT now(),
    heartbeat_at timestamptz NOT NULL DEFAULT now(),
    stopped_at timestamptz,
    evaluated bigint NOT NULL DEFAULT 0
);
CREATE SEQUENCE archspace_claim_ids;
CREATE TABLE archspace_trials (
    search_id bigint NOT NULL REFERENCES archspace_searches ON DELETE CASCADE,
    trial_id bigint NOT NULL CHECK (trial_id >= 0),
    attempt integer NOT NULL CHECK (attempt >= 1),
    trial json NOT NULL,
    hash text NOT NULL,
    state text NOT NULL CHECK (state IN ('pending', 'running', 'done')),
    worker_id bigint REFERENCES archspace_workers ON DELETE SET NULL,
    claim_id bigint,
    lost integer NOT NULL DEFAULT 0,
    queued_at timestamptz NOT NULL DEFAULT now(),
    claimed_at timestamptz,
    PRIMARY KEY (search_id, trial_id, attempt)
);
CREATE INDEX archspace_trials_by_state ON archspace_trials (search_id, state, trial_id, attempt);
CREATE TABLE archspace_records (
    search_id bigint NOT NULL REFERENCES archspace_searches ON DELETE CASCADE,
    trial_id bigint NOT NULL CHECK (trial_id >= 0),
    attempt integer NOT NULL CHECK (attempt >= 1),
    record json NOT NULL,
    worker_id bigint REFERENCES archspace_workers ON DELETE SET NULL,
    written_at timestamptz NOT NULL DEFAULT now(),
    seq bigserial NOT NULL,
    PRIMARY KEY (search_id, trial_id, attempt)
);
CREATE TABLE archspace_lost_claims (
    search_id bigint NOT NULL REFERENCES archspace_searches ON DELETE CASCADE,
    claim_id bigint NOT NULL,
    trial_id bigint NOT NULL,
    attempt integer NOT NULL,
    worker_id bigint REFERENCES archspace_workers ON DELETE SET NULL,
    claimed_at timestamptz,
    lost_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (search_id, claim_id)
);
CREATE FUNCTION archspace_notify_pending() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('archspace_trials', NEW.search_id::text);
    RETURN NULL;
END $$;
CREATE TRIGGER archspace_trials_pending AFTER INSERT OR UPDATE OF state ON archspace_trials
    FOR EACH ROW WHEN (NEW.state = 'pending') EXECUTE FUNCTION archspace_notify_pending();
CREATE FUNCTION archspace_notify_record() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('archspace_records', NEW.search_id::text);
    RETURN NULL;
END $$;
CREATE TRIGGER archspace_records_written AFTER INSERT ON archspace_records
    FOR EACH ROW EXECUTE FUNCTION archspace_notify_record();
"#;

/// Creates or migrates the schema; `Ok(Err(reason))` when the database's
/// schema is newer than this archspace knows.
pub(crate) fn migrate(client: &mut Client) -> Result<Result<(), String>, postgres::Error> {
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS archspace_schema (
             singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
             version integer NOT NULL,
             migrated_at timestamptz NOT NULL DEFAULT now()
         )",
    )?;
    let found: i32 = tx.query_opt("SELECT version FROM archspace_schema", &[])?.map_or(0, |row| row.get(0));
    if found > SCHEMA_VERSION {
        return Ok(Err(format!(
            "the database holds archspace's schema version {found}, written by a newer archspace; this one knows \
             versions up to {SCHEMA_VERSION}: use the newer archspace, or another database"
        )));
    }
    for migration in &MIGRATIONS[found as usize..] {
        tx.batch_execute(migration)?;
    }
    if found < SCHEMA_VERSION {
        tx.execute(
            "INSERT INTO archspace_schema (version) VALUES ($1)
             ON CONFLICT (singleton) DO UPDATE SET version = EXCLUDED.version, migrated_at = now()",
            &[&SCHEMA_VERSION],
        )?;
    }
    tx.commit()?;
    Ok(Ok(()))
}
