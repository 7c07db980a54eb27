//! `cluster bench`: throughput of short trials and the coordinator's cost
//! per trial, with 1, 2, 4 workers, on the JSON-lines store (one process,
//! workers as threads) and on PostgreSQL (worker processes of this program),
//! side by side in one run. See docs/performance.md.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use archspace::search::postgres::{PostgresStore, QueueSettings, SpaceIdentity};
use archspace::search::{EventSink, SearchConfig, StoreLocation, coordinate, evaluator, run};

use crate::{Flags, registry, trial_time};

/// CPU seconds this process has used (all threads), from /proc (Linux).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line, in ticks of 1/100 s.
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / 100.0)
}

struct Row {
    store: &'static str,
    workers: usize,
    wall: f64,
    steady: Option<f64>,
    cpu: Option<f64>,
}

/// Seconds between the records at 10% and 90% of the search at `url`, per record.
fn steady_rate(server: &str, search: &str) -> Option<f64> {
    let mut client = postgres::Client::connect(server, postgres::NoTls).ok()?;
    let rows = client
        .query(
            "SELECT extract(epoch FROM r.written_at)::float8 FROM archspace_records r
             JOIN archspace_searches s USING (search_id) WHERE s.name = $1 ORDER BY r.written_at",
            &[&search],
        )
        .ok()?;
    let times: Vec<f64> = rows.iter().map(|r| r.get(0)).collect();
    let (from, to) = (times.len() / 10, times.len() * 9 / 10);
    (to > from + 1).then(|| (to - from) as f64 / (times[to] - times[from]).max(1e-9))
}

fn spawn_workers(url: &str, count: usize, trial_ms: u64) -> Result<Vec<Child>, Box<dyn std::error::Error>> {
    let exe = std::env::current_exe()?;
    let mut children = Vec::new();
    for _ in 0..count {
        children.push(
            Command::new(&exe)
                .args(["worker", "--store", url, "--space", "toy", "--trial-ms", &trial_ms.to_string()])
                .stdout(Stdio::null())
                .spawn()?,
        );
    }
    Ok(children)
}

pub fn measure(flags: &Flags) -> Result<(), Box<dyn std::error::Error>> {
    let trials = flags.number("--trials", 600usize)?;
    let work = trial_time(flags)?;
    let workers: Vec<usize> = (flags.text("--workers").unwrap_or("1,2,4").split(','))
        .map(|w| w.trim().parse::<usize>().map_err(|e| format!("--workers `{w}`: {e}")))
        .collect::<Result<_, _>>()?;
    let server = match flags.text("--store").map(str::parse::<StoreLocation>).transpose()? {
        Some(StoreLocation::Postgres(url)) => Some(url),
        Some(StoreLocation::JsonLines(_)) => return Err("bench --store takes a postgres:// URL".into()),
        None => None,
    };
    let dir = flags.text("--log-dir").map_or_else(
        || std::env::temp_dir().join(format!("archspace-cluster-bench-{}", std::process::id())),
        PathBuf::from,
    );
    std::fs::create_dir_all(&dir)?;
    let entry = registry::space("toy")?;
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!("{trials} trials of {} ms each (sleep), `toy` space, random search, {cores} cores", work.as_millis());
    let eval = evaluator(|t, a| registry::evaluate(t, a, work));
    let mut rows = Vec::new();
    for &w in &workers {
        let config = SearchConfig {
            trials,
            in_flight: Some(2 * w),
            seed: 1,
            events: EventSink::Ignore,
            ..SearchConfig::default()
        };
        let log = dir.join(format!("bench-w{w}.jsonl"));
        let _ = std::fs::remove_file(&log);
        let (cpu, started) = (cpu_seconds(), Instant::now());
        let mut searcher = registry::searcher("random", (entry.def)())?;
        run(&mut searcher, &eval, &SearchConfig { threads: w, log: Some(log), ..config.clone() })?;
        let wall = started.elapsed().as_secs_f64();
        let cpu = cpu.zip(cpu_seconds()).map(|(a, b)| b - a);
        rows.push(Row { store: "json-lines", workers: w, wall, steady: None, cpu });

        if let Some(server) = &server {
            let search = format!("bench-{}-w{w}", std::process::id());
            let separator = if server.contains('?') { '&' } else { '?' };
            let url = format!("{server}{separator}search={search}");
            let identity = SpaceIdentity::of(entry.name, &(entry.def)())?;
            let settings = QueueSettings { events: EventSink::Ignore, ..QueueSettings::default() };
            let mut store = PostgresStore::open(&url, identity, settings)?;
            let mut children = spawn_workers(&url, w, work.as_millis() as u64)?;
            let (cpu, started) = (cpu_seconds(), Instant::now());
            let mut searcher = registry::searcher("random", (entry.def)())?;
            coordinate(&mut searcher, &mut store, &config)?;
            let wall = started.elapsed().as_secs_f64();
            let cpu = cpu.zip(cpu_seconds()).map(|(a, b)| b - a);
            for child in &mut children {
                child.wait()?;
            }
            let steady = steady_rate(server, &search);
            rows.push(Row { store: "postgres", workers: w, wall, steady, cpu });
        }
    }
    println!(
        "{:<11} {:>7} {:>9} {:>10} {:>13} {:>9} {:>24}",
        "store", "workers", "in flight", "trials/s", "steady 10-90%", "of ideal", "coordinator CPU ms/trial"
    );
    for row in &rows {
        let rate = trials as f64 / row.wall;
        let ideal = row.workers as f64 / work.as_secs_f64().max(1e-9);
        println!(
            "{:<11} {:>7} {:>9} {:>10.1} {:>13} {:>8.0}% {:>24}",
            row.store,
            row.workers,
            2 * row.workers,
            rate,
            row.steady.map_or("-".to_owned(), |s| format!("{s:.1}")),
            100.0 * rate / ideal,
            row.cpu.map_or("-".to_owned(), |c| format!("{:.3}", 1000.0 * c / trials as f64)),
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
