//! The PostgreSQL trial store's guards and operations (needs a server:
//! `ARCHSPACE_TEST_POSTGRES`; skipped, saying so, without one): a second
//! coordinator, another search or another space are refused; an attempt
//! whose workers keep dying is recorded as failed; a store moves to a
//! JSON-lines log and back; a schema from a newer archspace is refused.

mod search_support;
mod store_support;

use std::time::Duration;

use archspace::search::postgres::{
    PostgresStore, SCHEMA_VERSION, SpaceIdentity, WorkerConfig, export_log, import_log, status, work,
};
use archspace::search::{
    EventSink, SearchConfig, SearchError, SearchEvent, TrialStatus, coordinate, evaluator, read_log, run,
};
use archspace::{Op, SpaceDef, choice};
use search_support::temp_log;
use store_support::*;

/// A worker thread in this process, serving the test search at `url`.
fn worker_thread(url: &str) -> std::thread::JoinHandle<Result<u64, SearchError>> {
    let url = url.to_owned();
    std::thread::spawn(move || {
        let eval = evaluator(|t, a| evaluate(t, a, Duration::from_millis(2)));
        let config = WorkerConfig { threads: 2, events: EventSink::Ignore, ..WorkerConfig::default() };
        work(&url, SPACE, &space(), &eval, &config).map(|r| r.recorded)
    })
}

#[test]
fn a_second_coordinator_another_search_and_another_space_are_refused() {
    let Some(server) = server("a_second_coordinator_another_search_and_another_space_are_refused") else { return };
    let _one = one_at_a_time();
    let url = search_url(&server, "refusals");
    let identity = SpaceIdentity::of(SPACE, &space()).expect("fingerprint");
    let settings = queue_settings(Duration::from_secs(5), 3);

    // The first coordinator holds the search while its store lives.
    let mut first = PostgresStore::open(&url, identity.clone(), settings.clone()).expect("open");
    let config = config(4, 2);
    let worker = worker_thread(&url);
    let report = coordinate(&mut searcher(), &mut first, &config).expect("first coordinator");
    assert_eq!(report.records.len(), 4);
    assert_eq!(worker.join().expect("worker").expect("work"), 4);
    let mut second = PostgresStore::open(&url, identity.clone(), settings.clone()).expect("open");
    let err = coordinate(&mut searcher(), &mut second, &config).expect_err("a second coordinator");
    assert!(matches!(err, SearchError::CoordinatorRunning { .. }), "{err}");
    assert!(err.to_string().contains(&format!(":{}", std::process::id())), "names the holder: {err}");
    drop(first);
    let resumed = coordinate(&mut searcher(), &mut second, &config).expect("free once the first is gone");
    assert_eq!(resumed.resumed, 4, "every trial came from the store");

    let other_seed = SearchConfig { seed: 24, ..config.clone() };
    let err = coordinate(&mut searcher(), &mut second, &other_seed).expect_err("another search");
    assert!(err.to_string().contains("the seed is 23 in the store but 24 now"), "{err}");

    let other = SpaceDef::new(|s| s.basic(Op::new("dense").param("units", choice([8, 16]))));
    let eval = evaluator(|t, a| evaluate(t, a, Duration::ZERO));
    let err = work(&url, SPACE, &other, &eval, &WorkerConfig::default()).expect_err("another space, same name");
    assert!(matches!(err, SearchError::StoreMismatch { .. }) && err.to_string().contains("fingerprint"), "{err}");
    let err = work(&url, "dense", &other, &eval, &WorkerConfig::default()).expect_err("another space");
    assert!(err.to_string().contains(&format!("explores space `{SPACE}`, not `dense`")), "{err}");
}

#[test]
fn an_attempt_lost_too_often_is_recorded_as_failed() {
    let Some(server) = server("an_attempt_lost_too_often_is_recorded_as_failed") else { return };
    let _one = one_at_a_time();
    let url = search_url(&server, "lost");
    let mut client = postgres::Client::connect(&server, postgres::NoTls).expect("connect");
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let events = EventSink::custom({
        let seen = seen.clone();
        move |event: &SearchEvent| seen.lock().expect("events").push(event.clone())
    });
    let settings =
        archspace::search::postgres::QueueSettings { events, ..queue_settings(Duration::from_millis(300), 0) };
    let coordinator = std::thread::spawn({
        let url = url.clone();
        move || {
            let identity = SpaceIdentity::of(SPACE, &space()).expect("fingerprint");
            let mut store = PostgresStore::open(&url, identity, settings).expect("open");
            coordinate(&mut searcher(), &mut store, &config(6, 3))
        }
    });
    // A worker that claims trial 0 and dies: its heartbeat is an hour old.
    let name = url.rsplit("search=").next().expect("name");
    wait_until("trial 0 is queued", Duration::from_secs(30), || {
        let claimed = client
            .execute(
                "WITH dead AS (
                     INSERT INTO archspace_workers (search_id, host, pid, threads, heartbeat_at)
                     SELECT search_id, 'gone', 1, 1, now() - interval '1 hour' FROM archspace_searches WHERE name = $1
                     RETURNING worker_id, search_id)
                 UPDATE archspace_trials t SET state = 'running', worker_id = dead.worker_id, claim_id = 0
                 FROM dead WHERE t.search_id = dead.search_id AND t.trial_id = 0 AND t.state = 'pending'",
                &[&name],
            )
            .expect("claim trial 0");
        claimed == 1
    });
    let worker = worker_thread(&url);
    let report = coordinator.join().expect("coordinator").expect("coordinate");
    worker.join().expect("worker").expect("work");
    let first = &report.records[0];
    assert_eq!(first.status, TrialStatus::Failed);
    assert!(first.error.as_deref().is_some_and(|e| e.contains("lost 1 times") && e.contains("gone:1")), "{first:?}");
    let seen = seen.lock().expect("events");
    assert!(seen.iter().any(|e| matches!(e, SearchEvent::TrialLost { trial: 0, lost: 1, limit: 0, .. })), "{seen:?}");
    assert_eq!(search_status(&url).lost_claims, 1);
}

#[test]
fn a_search_moves_to_a_log_and_back() {
    let Some(server) = server("a_search_moves_to_a_log_and_back") else { return };
    let _one = one_at_a_time();
    let url = search_url(&server, "export");
    let worker = worker_thread(&url);
    let report = coordinate_search(&url, 12, 3, queue_settings(Duration::from_secs(5), 3));
    worker.join().expect("worker").expect("work");

    let log = temp_log("store-export", "export.jsonl");
    assert_eq!(export_log(&url, &log).expect("export"), 12);
    let err = export_log(&url, &log).expect_err("over an existing log");
    assert!(err.to_string().contains("will not export over"), "{err}");
    let contents = read_log(&log).expect("a log");
    let latest: Vec<_> = contents.latest().into_iter().cloned().collect();
    assert_eq!(timeless(&latest), timeless(&report.records));

    // The log resumes on one machine without evaluating anything.
    let never = evaluator(|_, _| -> Result<archspace::search::Metrics, _> { panic!("nothing is evaluated") });
    let resumed = run(&mut searcher(), &never, &SearchConfig { log: Some(log.clone()), ..config(12, 3) })
        .expect("the exported log resumes");
    assert_eq!((resumed.resumed, timeless(&resumed.records)), (12, timeless(&report.records)));

    // And back into a new search, which a coordinator finishes from there.
    let back = search_url(&server, "import");
    assert_eq!(import_log(&back, &log, SPACE, &space()).expect("import"), 12);
    assert_eq!(import_log(&back, &log, SPACE, &space()).expect("again: nothing new"), 12);
    let worker = worker_thread(&back);
    let longer = coordinate_search(&back, 16, 3, queue_settings(Duration::from_secs(5), 3));
    assert_eq!(worker.join().expect("worker").expect("work"), 4, "only the new trials are evaluated");
    assert_eq!((longer.resumed, timeless(&longer.records)), (12, single_process(16, 3)));
    let err = import_log(&back, &log, "another", &space()).expect_err("another space");
    assert!(matches!(err, SearchError::StoreMismatch { .. }), "{err}");
}

#[test]
fn the_schema_is_created_versioned_and_a_newer_one_refused() {
    let Some(server) = server("the_schema_is_created_versioned_and_a_newer_one_refused") else { return };
    let _one = one_at_a_time();
    let mut admin = postgres::Client::connect(&server, postgres::NoTls).expect("connect");
    let database = format!("archspace_schema_{}", std::process::id());
    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {database}")).expect("drop");
    admin.batch_execute(&format!("CREATE DATABASE {database}")).expect("create");
    let (base, _) = server.rsplit_once('/').expect("a URL with a database");
    let fresh = format!("{base}/{database}");

    let before = status(&fresh).expect("a fresh database gets the schema");
    assert!(before.searches.is_empty());
    let mut client = postgres::Client::connect(&fresh, postgres::NoTls).expect("connect");
    let version: i32 = client.query_one("SELECT version FROM archspace_schema", &[]).expect("version").get(0);
    assert_eq!(version, SCHEMA_VERSION);
    client.execute("UPDATE archspace_schema SET version = version + 1", &[]).expect("a newer schema");
    let err = status(&fresh).expect_err("a newer schema is refused");
    assert!(err.to_string().contains("written by a newer archspace"), "{err}");
    drop(client);
    admin.batch_execute(&format!("DROP DATABASE {database}")).expect("drop");
}
