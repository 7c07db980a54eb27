//! Shared by the PostgreSQL store tests: the server to use (or why a test
//! is skipped), a small search, and coordinator and worker child processes.
#![allow(dead_code)]

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use archspace::search::postgres::{
    PostgresStore, QueueSettings, SpaceIdentity, StoreStatus, WorkerConfig, export_log, status, work,
};
use archspace::search::{
    EvalError, EventSink, EvolutionConfig, EvolutionSearcher, Metrics, SearchConfig, SearchReport, Trial, TrialRecord,
    coordinate, read_log,
};
use archspace::{Architecture, SpaceDef};

use crate::search_support::{child_test, seed_objective, temp_log};

/// The server the tests use: a PostgreSQL URL (`.ci/run` starts one with
/// `scripts/postgres-cluster`).
pub const URL_ENV: &str = "ARCHSPACE_TEST_POSTGRES";
/// A command that restarts that server (`pg_ctl … restart`), for the test of
/// a lost connection; set by `scripts/postgres-cluster` too.
pub const RESTART_ENV: &str = "ARCHSPACE_TEST_POSTGRES_RESTART";

/// The server's URL, or `None` after printing why the test is skipped.
pub fn server(test: &str) -> Option<String> {
    match std::env::var(URL_ENV) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            eprintln!(
                "skipped {test}: it needs a PostgreSQL server and {URL_ENV} is not set (e.g. \
                 `scripts/postgres-cluster start /tmp/pg && source /tmp/pg/env`; .ci/run does this)"
            );
            None
        }
    }
}

/// One PostgreSQL test at a time in a test binary: they start processes
/// whose heartbeats should not wait for the other tests' on 2 cores.
pub fn one_at_a_time() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// `url` naming the search `search`, unique to this process.
pub fn search_url(url: &str, search: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::SeqCst);
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}search={search}-{}-{n}", std::process::id())
}

/// The space's name in the store.
pub const SPACE: &str = "seed";

/// The DeepArchitect seed space (25,008 architectures: searchers propose
/// each at most once, so the soak's 1,000 trials need more than a few hundred).
pub fn space() -> SpaceDef {
    archspace::spaces::seed()
}

/// An adaptive searcher: its proposals depend on the outcomes told, so a
/// wrong order of outcomes shows in the records.
pub fn searcher() -> EvolutionSearcher {
    EvolutionSearcher::new(space(), EvolutionConfig { population: 8, tournament: 3, ..EvolutionConfig::default() })
}

/// The search's settings; `in_flight` trials at once.
pub fn config(trials: usize, in_flight: usize) -> SearchConfig {
    SearchConfig { trials, in_flight: Some(in_flight), seed: 23, events: EventSink::Ignore, ..SearchConfig::default() }
}

/// Deterministic metrics (the seed-space objective and the trial's seed),
/// after `sleep` of work; every ninth trial fails.
pub fn evaluate(trial: &Trial, arch: &Architecture, sleep: Duration) -> Result<Metrics, EvalError> {
    std::thread::sleep(sleep);
    if trial.id % 9 == 4 {
        return Err(format!("trial {} runs out of memory", trial.id).into());
    }
    Ok(Metrics::new().with("score", seed_objective(arch)).with("seed_bits", (trial.seed % 1000) as f64))
}

/// The same search in one process, on two threads.
pub fn single_process(trials: usize, in_flight: usize) -> Vec<TrialRecord> {
    let eval = archspace::search::evaluator(|t, a| evaluate(t, a, Duration::ZERO));
    let config = SearchConfig { threads: 2, ..config(trials, in_flight) };
    let report = archspace::search::run(&mut searcher(), &eval, &config).expect("single-process search");
    timeless(&report.records)
}

/// Records without their timings, to compare runs.
pub fn timeless(records: &[TrialRecord]) -> Vec<TrialRecord> {
    records.iter().cloned().map(TrialRecord::without_timing).collect()
}

/// Queue settings with a short grace period, so lost workers show quickly.
pub fn queue_settings(grace: Duration, max_lost: u32) -> QueueSettings {
    QueueSettings { grace, max_lost, events: EventSink::Ignore, ..QueueSettings::default() }
}

/// Runs the coordinator of the test search at `url`.
pub fn coordinate_search(url: &str, trials: usize, in_flight: usize, settings: QueueSettings) -> SearchReport {
    let identity = SpaceIdentity::of(SPACE, &space()).expect("fingerprint");
    let mut store = PostgresStore::open(url, identity, settings).expect("open the store");
    coordinate(&mut searcher(), &mut store, &config(trials, in_flight)).expect("coordinate")
}

const CHILD_URL: &str = "ARCHSPACE_STORE_CHILD_URL";
const CHILD_TRIALS: &str = "ARCHSPACE_STORE_CHILD_TRIALS";
const CHILD_IN_FLIGHT: &str = "ARCHSPACE_STORE_CHILD_IN_FLIGHT";
const CHILD_GRACE_MS: &str = "ARCHSPACE_STORE_CHILD_GRACE_MS";
const CHILD_SLEEP_MS: &str = "ARCHSPACE_STORE_CHILD_SLEEP_MS";

fn env_number(name: &str) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or_else(|| panic!("{name} is not set"))
}

/// The body of a coordinator child process (an ignored test of the binary).
pub fn coordinator_child() {
    let Ok(url) = std::env::var(CHILD_URL) else { return };
    let settings = QueueSettings {
        events: EventSink::Stderr,
        ..queue_settings(Duration::from_millis(env_number(CHILD_GRACE_MS)), 3)
    };
    coordinate_search(&url, env_number(CHILD_TRIALS) as usize, env_number(CHILD_IN_FLIGHT) as usize, settings);
}

/// The body of a worker child process (an ignored test of the binary):
/// prints its report on standard output.
pub fn worker_child() {
    let Ok(url) = std::env::var(CHILD_URL) else { return };
    let sleep = Duration::from_millis(env_number(CHILD_SLEEP_MS));
    let eval = archspace::search::evaluator(move |t, a| evaluate(t, a, sleep));
    let report =
        work(&url, SPACE, &space(), &eval, &WorkerConfig { threads: 1, ..WorkerConfig::default() }).expect("worker");
    println!("worker report: recorded {} dropped {}", report.recorded, report.dropped);
}

/// A child process, killed (SIGKILL) if still running when dropped, so a
/// failing test leaves none behind.
pub struct Process(Option<Child>);

impl Process {
    /// Its process id.
    pub fn id(&self) -> u32 {
        self.0.as_ref().map_or(0, Child::id)
    }

    /// Kills it with SIGKILL and reaps it.
    pub fn kill(mut self) {
        if let Some(mut child) = self.0.take() {
            child.kill().expect("SIGKILL");
            child.wait().expect("reap");
        }
    }

    /// Waits for it to end and returns its output, asserting it succeeded.
    pub fn finish(mut self, what: &str) -> String {
        let child = self.0.take().expect("a running child");
        let output = child.wait_with_output().expect("wait for the child");
        let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
        assert!(output.status.success(), "{what} failed ({}):\n{text}", output.status);
        text
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Starts the ignored test `name` (a [`coordinator_child`]) as a child
/// process, its output piped.
pub fn spawn_coordinator(name: &str, url: &str, trials: usize, in_flight: usize, grace: Duration) -> Process {
    let child = child_test(name)
        .env(CHILD_URL, url)
        .env(CHILD_TRIALS, trials.to_string())
        .env(CHILD_IN_FLIGHT, in_flight.to_string())
        .env(CHILD_GRACE_MS, grace.as_millis().to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the coordinator");
    Process(Some(child))
}

/// Starts the ignored test `name` (a [`worker_child`]) as a child process,
/// its output piped.
pub fn spawn_worker(name: &str, url: &str, sleep: Duration) -> Process {
    let child = child_test(name)
        .env(CHILD_URL, url)
        .env(CHILD_SLEEP_MS, sleep.as_millis().to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn a worker");
    Process(Some(child))
}

/// The status of the search at `url`.
pub fn search_status(url: &str) -> archspace::search::postgres::SearchStatus {
    let all: StoreStatus = status(url).expect("status");
    let name = url.rsplit("search=").next().expect("a search name").to_owned();
    all.searches.into_iter().find(|s| s.name == name).expect("the search is in the store")
}

/// Watches a search through a connection of its own.
pub struct Monitor {
    client: postgres::Client,
    search: String,
}

impl Monitor {
    /// A monitor of the search at `url`.
    pub fn new(server: &str, url: &str) -> Self {
        let client = postgres::Client::connect(server, postgres::NoTls).expect("connect");
        Monitor { client, search: url.rsplit("search=").next().expect("a search name").to_owned() }
    }

    /// Trials recorded, and trial attempts running (0 before the search exists).
    pub fn counts(&mut self) -> (u64, u64) {
        let row = self.client.query_one(
            "SELECT (SELECT count(DISTINCT trial_id) FROM archspace_records r WHERE r.search_id = s.search_id),
                    (SELECT count(*) FROM archspace_trials t WHERE t.search_id = s.search_id AND t.state = 'running')
             FROM (SELECT max(search_id) AS search_id FROM archspace_searches WHERE name = $1) s",
            &[&self.search],
        );
        match row {
            Ok(row) => (row.get::<_, i64>(0) as u64, row.get::<_, i64>(1) as u64),
            // The coordinator has not created the schema yet (a fresh database).
            Err(e) if e.code() == Some(&postgres::error::SqlState::UNDEFINED_TABLE) => (0, 0),
            Err(e) => panic!("count: {e}"),
        }
    }
}

/// Polls `condition` every 20 ms for at most `limit`, failing with `what`.
pub fn wait_until(what: &str, limit: Duration, mut condition: impl FnMut() -> bool) {
    let started = Instant::now();
    while !condition() {
        assert!(started.elapsed() < limit, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Every record of the search at `url`, in the order written (through an export).
pub fn stored_records(url: &str, name: &str) -> Vec<TrialRecord> {
    let log = temp_log("store", &format!("{name}.jsonl"));
    export_log(url, &log).expect("export");
    let records = read_log(&log).expect("the export reads as a log").records;
    let _ = std::fs::remove_file(&log);
    records
}

/// The resident memory of process `pid` in KiB (Linux), if readable.
pub fn resident_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Runs `command` (a shell command line), asserting it succeeds.
pub fn shell(command: &str) {
    let status = Command::new("sh").args(["-c", command]).status().expect("run the command");
    assert!(status.success(), "`{command}` failed: {status}");
}
