//! The PostgreSQL trial store with real processes (needs a server:
//! `ARCHSPACE_TEST_POSTGRES`; skipped, saying so, without one): a
//! coordinator and three workers, one worker and the coordinator killed
//! with SIGKILL part-way, still record every trial exactly once, with the
//! records of a single-process `run`; 1,000 short trials on four workers
//! lose and repeat none, in bounded memory.

mod search_support;
mod store_support;

use std::collections::BTreeSet;
use std::time::Duration;

use store_support::*;

#[test]
#[ignore = "a child process of the store tests"]
fn store_coordinator_child() {
    coordinator_child();
}

#[test]
#[ignore = "a child process of the store tests"]
fn store_worker_child() {
    worker_child();
}

/// Each (trial, attempt) once, and every trial of `0..trials`.
fn assert_exactly_once(records: &[archspace::search::TrialRecord], trials: usize) {
    let keys: BTreeSet<(u64, u32)> = records.iter().map(|r| (r.trial.id, r.attempt)).collect();
    assert_eq!(keys.len(), records.len(), "an attempt is recorded twice");
    let ids: BTreeSet<u64> = records.iter().map(|r| r.trial.id).collect();
    assert_eq!(ids, (0..trials as u64).collect(), "a trial is missing");
}

#[test]
fn killed_workers_and_coordinator_lose_and_repeat_nothing() {
    let Some(server) = server("killed_workers_and_coordinator_lose_and_repeat_nothing") else { return };
    let _one = one_at_a_time();
    let url = search_url(&server, "kills");
    let (trials, in_flight, grace) = (60, 6, Duration::from_millis(1500));
    let sleep = Duration::from_millis(150);

    let mut monitor = Monitor::new(&server, &url);
    let coordinator = spawn_coordinator("store_coordinator_child", &url, trials, in_flight, grace);
    let mut workers: Vec<_> = (0..3).map(|_| spawn_worker("store_worker_child", &url, sleep)).collect();
    wait_until("the search is under way", Duration::from_secs(60), || monitor.counts().0 >= 3);
    // A worker mid-trial: all three are busy.
    wait_until("every worker runs a trial", Duration::from_secs(60), || monitor.counts().1 >= 3);
    workers.remove(0).kill();

    let done = monitor.counts().0;
    wait_until("more trials are recorded", Duration::from_secs(60), || monitor.counts().0 >= done + 6);
    coordinator.kill();
    let recorded_when_killed = monitor.counts().0;
    assert!(recorded_when_killed + 20 < trials as u64, "killed part-way ({recorded_when_killed} recorded)");

    // A new worker joins, and the coordinator resumes.
    workers.push(spawn_worker("store_worker_child", &url, sleep));
    let coordinator = spawn_coordinator("store_coordinator_child", &url, trials, in_flight, grace);
    coordinator.finish("the resumed coordinator");
    let reports: Vec<String> = workers.into_iter().map(|w| w.finish("a worker")).collect();

    let records = stored_records(&url, "kills");
    assert_exactly_once(&records, trials);
    assert_eq!(records.len(), trials, "no trial has a second attempt");
    let latest = {
        let mut sorted = records.clone();
        sorted.sort_by_key(|r| r.trial.id);
        timeless(&sorted)
    };
    assert_eq!(latest, single_process(trials, in_flight), "the records of a single-process run");

    let status = search_status(&url);
    assert!(status.finished && status.pending == 0 && status.running == 0, "{status:?}");
    assert!(status.lost_claims >= 1, "the killed worker's trial was queued again: {status:?}");
    assert_eq!((status.workers_total, status.workers_alive), (4, 0), "{status:?}");
    let recorded: u64 = reports
        .iter()
        .filter_map(|r| r.split("recorded ").nth(1)?.split_whitespace().next()?.parse::<u64>().ok())
        .sum();
    assert!(recorded <= trials as u64, "workers recorded {recorded} trials: {reports:?}");
}

#[test]
fn a_thousand_short_trials_on_four_workers_lose_and_repeat_none_in_bounded_memory() {
    let Some(server) = server("a_thousand_short_trials_on_four_workers_lose_and_repeat_none_in_bounded_memory") else {
        return;
    };
    let _one = one_at_a_time();
    let url = search_url(&server, "soak");
    let (trials, in_flight) = (1000, 8);
    let coordinator = spawn_coordinator("store_coordinator_child", &url, trials, in_flight, Duration::from_secs(10));
    let workers: Vec<_> = (0..4).map(|_| spawn_worker("store_worker_child", &url, Duration::from_millis(10))).collect();
    let pids: Vec<u32> = workers.iter().map(|w| w.id()).chain([coordinator.id()]).collect();
    let memory = || pids.iter().map(|&pid| resident_kib(pid)).collect::<Vec<_>>();
    let mut monitor = Monitor::new(&server, &url);
    wait_until("a quarter is done", Duration::from_secs(120), || monitor.counts().0 >= 250);
    let early = memory();
    wait_until("nearly all are done", Duration::from_secs(120), || monitor.counts().0 >= 900);
    let late = memory();
    coordinator.finish("the coordinator");
    for worker in workers {
        worker.finish("a worker");
    }
    for ((before, after), pid) in early.iter().zip(&late).zip(&pids) {
        if let (Some(before), Some(after)) = (before, after) {
            // 650 trials later: what a process holds per trial (the
            // coordinator's records) is far below this bound; a leak of a
            // connection's buffers or a claim's state per trial is not.
            assert!(after.saturating_sub(*before) < 8 * 1024, "process {pid} grew from {before} to {after} KiB");
        }
    }
    let records = stored_records(&url, "soak");
    assert_exactly_once(&records, trials);
    assert_eq!(records.len(), trials);
    assert_eq!(search_status(&url).lost_claims, 0, "no worker was lost");
}
