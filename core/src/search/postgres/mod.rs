//! Search on many machines: a PostgreSQL trial store with a coordinator and
//! elastic, fault-tolerant workers (cargo feature `postgres`).
//!
//! One **coordinator** owns the searcher ([`coordinate`](super::coordinate)
//! with a [`PostgresStore`]): it asks, queues each trial (decisions, seed,
//! budget, attempt, network hash) and tells the outcomes in trial order, so
//! the records equal those of [`run`](super::run) with the same settings.
//! Any number of **workers** ([`work`]), on any machines, join and leave at
//! any time: each claims pending trials (`SELECT … FOR UPDATE SKIP LOCKED`),
//! evaluates them with the same space and evaluator (the store keeps the
//! space's [`fingerprint`](crate::SpaceDef::fingerprint) and refuses another
//! one), sends heartbeats meanwhile and writes the records.
//!
//! Faults:
//! - a worker silent for the grace period ([`QueueSettings::grace`]) has its
//!   trials queued again, each lost claim recorded; an attempt lost more than
//!   [`QueueSettings::max_lost`] times is recorded as failed;
//! - a coordinator that stops resumes by running again: it tells the stored
//!   records to a fresh searcher, and awaits the trials still queued;
//! - a lost connection is retried with backoff (every process), for
//!   [`QueueSettings::reconnect_for`] / [`WorkerConfig::reconnect_for`];
//! - each trial attempt has one record, enforced by the database (a primary
//!   key on `(search, trial, attempt)`): a result that comes late, after its
//!   trial was queued again and recorded by another worker, is dropped.
//!
//! The tables are created, versioned and migrated by the library (see
//! [`SCHEMA_VERSION`]); one database holds any number of searches, told
//! apart by the `?search=NAME` of the store URL. [`status`] shows them,
//! [`export_log`] and [`import_log`] move a search to a JSON-lines log and
//! back.
//!
//! ```no_run
//! use archspace_core::search::postgres::{PostgresStore, QueueSettings, SpaceIdentity, WorkerConfig, work};
//! use archspace_core::search::{coordinate, evaluator, Metrics, RandomSearcher, SearchConfig};
//! use archspace_core::{choice, Op, SpaceDef};
//!
//! let space = || SpaceDef::new(|s| s.basic(Op::new("dense").param("units", choice([8, 16, 32]))));
//! let url = "postgres://nas@db.lab:5432/searches?search=dense";
//!
//! // The coordinator, on one machine:
//! let mut store = PostgresStore::open(url, SpaceIdentity::of("dense", &space())?, QueueSettings::default())?;
//! let config = SearchConfig { trials: 100, in_flight: Some(8), seed: 1, ..SearchConfig::default() };
//! let report = coordinate(&mut RandomSearcher::per_decision(space()), &mut store, &config)?;
//! println!("{report}");
//!
//! // Each worker, on any machine, with the same space and evaluator:
//! let eval = evaluator(|_, arch| {
//!     let units = arch.modules()[0].param("units").and_then(|v| v.as_int()).unwrap_or(0);
//!     Ok(Metrics::new().with("score", units as f64))
//! });
//! let done = work(url, "dense", &space(), &eval, &WorkerConfig { threads: 2, ..WorkerConfig::default() })?;
//! println!("recorded {} trials", done.recorded);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod connection;
mod schema;
mod search_row;
mod status;
mod store;
mod transfer;
mod worker;

pub use connection::DEFAULT_SEARCH;
pub use schema::SCHEMA_VERSION;
pub use search_row::SpaceIdentity;
pub use status::{SearchStatus, StoreStatus, space_of, status};
pub use store::{PostgresStore, QueueSettings};
pub use transfer::{export_log, import_log};
pub use worker::{WorkerConfig, WorkerReport, work};
