//! A network fault: the PostgreSQL server restarts (`pg_ctl restart`)
//! while a coordinator and two worker processes run; they reconnect, and the
//! search ends with every trial recorded once, as in a single-process run.
//! Needs `ARCHSPACE_TEST_POSTGRES` and `ARCHSPACE_TEST_POSTGRES_RESTART` (a
//! command that restarts that server, which only a throw-away server should
//! be given to); skipped, saying so, without them. A test binary of its own,
//! so that no other store test runs during the restart.

mod search_support;
mod store_support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use archspace::search::postgres::QueueSettings;
use archspace::search::{EventSink, SearchEvent};
use store_support::*;

#[test]
#[ignore = "a child process of the store tests"]
fn store_worker_child() {
    worker_child();
}

#[test]
fn workers_and_coordinator_recover_from_a_server_restart() {
    let Some(server) = server("workers_and_coordinator_recover_from_a_server_restart") else { return };
    let Ok(restart) = std::env::var(RESTART_ENV) else {
        eprintln!(
            "skipped workers_and_coordinator_recover_from_a_server_restart: {RESTART_ENV} is not set (a command \
             that restarts the server at {URL_ENV}; scripts/postgres-cluster sets it for its throw-away cluster)"
        );
        return;
    };
    let url = search_url(&server, "restart");
    let (trials, in_flight) = (40, 4);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let events = EventSink::custom({
        let seen = seen.clone();
        move |event: &SearchEvent| seen.lock().expect("events").push(event.to_string())
    });
    // A grace period longer than the restart: the workers keep their trials.
    let settings = QueueSettings { events, ..queue_settings(Duration::from_secs(30), 3) };
    let coordinator = std::thread::spawn({
        let url = url.clone();
        move || coordinate_search(&url, trials, in_flight, settings)
    });
    let workers: Vec<_> = (0..2).map(|_| spawn_worker("store_worker_child", &url, Duration::from_millis(40))).collect();
    let count = |url: &str| {
        archspace::search::postgres::status(url).map_or(0, |all| {
            all.searches.iter().filter(|s| url.ends_with(&s.name)).map(|s| s.completed + s.failed).sum::<u64>()
        })
    };
    wait_until("trials are recorded", Duration::from_secs(60), || count(&url) >= 8);
    shell(&restart);
    let report = coordinator.join().expect("the coordinator came through the restart");
    let outputs: Vec<String> = workers.into_iter().map(|w| w.finish("a worker")).collect();

    assert_eq!(timeless(&report.records), single_process(trials, in_flight));
    let records = stored_records(&url, "restart");
    assert_eq!(records.len(), trials, "each trial recorded once");
    let seen = seen.lock().expect("events");
    assert!(seen.iter().any(|e| e.starts_with("reconnected to store")), "the coordinator reconnected: {seen:?}");
    for output in &outputs {
        assert!(output.contains("lost the connection to store"), "{output}");
        assert!(output.contains("reconnected to store"), "{output}");
    }
}
