//! A search on many machines: one coordinator, any number of workers, all
//! sharing a PostgreSQL trial store (or, on one machine, a JSON-lines log).
//!
//! ```text
//! # a throw-away server for trying it (or any PostgreSQL you have):
//! scripts/postgres-cluster start /tmp/pg && source /tmp/pg/env
//! STORE="$ARCHSPACE_TEST_POSTGRES?search=demo"
//!
//! cargo run --release --example cluster -- coordinator --store "$STORE" --space toy --searcher evolution --trials 200 --in-flight 8
//! cargo run --release --example cluster -- worker --store "$STORE" --threads 2     # as many as you like, on any machine
//! cargo run --release --example cluster -- status --store "$STORE"
//! cargo run --release --example cluster -- export --store "$STORE" --log demo.jsonl
//! cargo run --release --example cluster -- import --store "$STORE&x=1" --log demo.jsonl --space toy
//! cargo run --release --example cluster -- coordinator --store runs/demo.jsonl --threads 2   # one machine, no database
//! cargo run --release --example cluster -- bench --store "$ARCHSPACE_TEST_POSTGRES"         # throughput, see docs/performance.md
//! ```
//!
//! A worker needs only the store: it reads which space the search explores
//! and finds it in this program's registry (`registry.rs`: `toy`, `seed`),
//! and the store refuses it if its space's fingerprint differs from the
//! coordinator's. Trials are a stand-in for training: `--trial-ms` of sleep
//! (default 10) and a synthetic score. Workers join and leave at any time;
//! kill one and its trial is queued again after the grace period (`--grace`
//! seconds on the coordinator); kill the coordinator and run it again with
//! the same flags: it resumes from the store.

mod bench;
mod registry;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use archspace::search::postgres::{
    self, PostgresStore, QueueSettings, SpaceIdentity, WorkerConfig, export_log, import_log, space_of, work,
};
use archspace::search::{SearchConfig, SearchReport, StoreLocation, coordinate, evaluator, run};

const USAGE: &str = "usage: cluster <coordinator|worker|status|export|import|bench> --store URL|PATH [flags]
  coordinator: --space toy|seed  --searcher random|evolution|mcts|smbo  --trials N  --seed S  --in-flight K
               --grace SECONDS  --max-lost N  --retry-failed  (JSON-lines store: --threads T  --trial-ms MS)
  worker:      --threads T  --trial-ms MS  --stay (do not leave when the search is finished)
  export:      --log PATH        import: --log PATH --space NAME
  bench:       --trials N  --trial-ms MS  --workers 1,2,4  --log-dir DIR";

/// `--flag value` pairs and `--switch`es after the command.
struct Flags(BTreeMap<String, Option<String>>);

impl Flags {
    fn parse(args: impl Iterator<Item = String>) -> Result<Self, String> {
        const SWITCHES: [&str; 2] = ["--retry-failed", "--stay"];
        let mut map = BTreeMap::new();
        let mut args = args.peekable();
        while let Some(flag) = args.next() {
            if !flag.starts_with("--") {
                return Err(format!("unexpected `{flag}`\n{USAGE}"));
            }
            let value = if SWITCHES.contains(&flag.as_str()) {
                None
            } else {
                Some(args.next().ok_or_else(|| format!("{flag} needs a value"))?)
            };
            map.insert(flag, value);
        }
        Ok(Flags(map))
    }

    fn text(&self, flag: &str) -> Option<&str> {
        self.0.get(flag).and_then(|v| v.as_deref())
    }

    fn number<T: std::str::FromStr>(&self, flag: &str, default: T) -> Result<T, String>
    where
        T::Err: std::fmt::Display,
    {
        self.text(flag).map_or(Ok(default), |v| v.parse().map_err(|e| format!("{flag} `{v}`: {e}")))
    }

    fn switch(&self, flag: &str) -> bool {
        self.0.contains_key(flag)
    }

    fn store(&self) -> Result<StoreLocation, String> {
        let text = self.text("--store").ok_or("--store is required: a postgres:// URL or a log path")?;
        text.parse().map_err(|e| format!("--store: {e}"))
    }
}

fn trial_time(flags: &Flags) -> Result<Duration, String> {
    Ok(Duration::from_millis(flags.number("--trial-ms", 10u64)?))
}

fn coordinator(flags: &Flags) -> Result<(), Box<dyn std::error::Error>> {
    let entry = registry::space(flags.text("--space").unwrap_or("toy"))?;
    let seed = flags.number("--seed", 0u64)?;
    let mut searcher = registry::searcher(flags.text("--searcher").unwrap_or("evolution"), (entry.def)())?;
    let threads = flags.number("--threads", 1usize)?;
    let config = SearchConfig {
        trials: flags.number("--trials", 100usize)?,
        in_flight: Some(flags.number("--in-flight", 4usize)?),
        seed,
        retry_failed: flags.switch("--retry-failed"),
        progress: true,
        ..SearchConfig::default()
    };
    let report: SearchReport = match flags.store()? {
        StoreLocation::JsonLines(path) => {
            let work = trial_time(flags)?;
            let eval = evaluator(|t, a| registry::evaluate(t, a, work));
            run(&mut searcher, &eval, &SearchConfig { threads, log: Some(path), ..config })?
        }
        StoreLocation::Postgres(url) => {
            let settings = QueueSettings {
                grace: Duration::from_secs_f64(flags.number("--grace", 60.0f64)?),
                max_lost: flags.number("--max-lost", 3u32)?,
                ..QueueSettings::default()
            };
            let identity = SpaceIdentity::of(entry.name, &(entry.def)())?;
            let mut store = PostgresStore::open(&url, identity, settings)?;
            coordinate(&mut searcher, &mut store, &config)?
        }
    };
    println!("{report}");
    Ok(())
}

fn worker(flags: &Flags) -> Result<(), Box<dyn std::error::Error>> {
    let StoreLocation::Postgres(url) = flags.store()? else {
        return Err("a worker needs a postgres:// store: a JSON-lines log is searched by one process (run the \
                    coordinator with --threads instead)"
            .into());
    };
    let name = match flags.text("--space") {
        Some(name) => name.to_owned(),
        None => wait_for_space(&url)?,
    };
    let entry = registry::space(&name)?;
    let work_time = trial_time(flags)?;
    let eval = evaluator(|t, a| registry::evaluate(t, a, work_time));
    let config = WorkerConfig {
        threads: flags.number("--threads", 1usize)?,
        leave_when_finished: !flags.switch("--stay"),
        ..WorkerConfig::default()
    };
    let report = work(&url, entry.name, &(entry.def)(), &eval, &config)?;
    println!(
        "worker {}: recorded {} trials ({} failed), dropped {} recorded first by another worker",
        report.worker_id, report.recorded, report.failed, report.dropped
    );
    Ok(())
}

/// The space of the search at `url`, once its coordinator created it.
fn wait_for_space(url: &str) -> Result<String, Box<dyn std::error::Error>> {
    let mut said = false;
    loop {
        if let Some(name) = space_of(url)? {
            return Ok(name);
        }
        if !said {
            eprintln!("waiting for the coordinator to start the search");
            said = true;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

fn status(flags: &Flags) -> Result<(), Box<dyn std::error::Error>> {
    match flags.store()? {
        StoreLocation::Postgres(url) => print!("{}", postgres::status(&url)?),
        StoreLocation::JsonLines(path) => log_status(&path)?,
    }
    Ok(())
}

fn export(flags: &Flags) -> Result<(), Box<dyn std::error::Error>> {
    let StoreLocation::Postgres(url) = flags.store()? else { return Err("export reads a postgres:// store".into()) };
    let log = PathBuf::from(flags.text("--log").ok_or("--log is required")?);
    let records = export_log(&url, &log)?;
    println!("wrote {records} records to {}", log.display());
    Ok(())
}

fn import(flags: &Flags) -> Result<(), Box<dyn std::error::Error>> {
    let StoreLocation::Postgres(url) = flags.store()? else { return Err("import writes a postgres:// store".into()) };
    let log = PathBuf::from(flags.text("--log").ok_or("--log is required")?);
    let entry = registry::space(flags.text("--space").ok_or("--space is required")?)?;
    let records = import_log(&url, &log, entry.name, &(entry.def)())?;
    println!("imported {records} records from {}", log.display());
    Ok(())
}

/// A JSON-lines log's trials by status.
fn log_status(path: &std::path::Path) -> Result<(), Box<dyn std::error::Error>> {
    let contents = archspace::search::read_log(path)?;
    let latest = contents.latest();
    let count = |status| latest.iter().filter(|r| r.status == status).count();
    use archspace::search::TrialStatus::{Completed, Duplicate, Failed};
    println!(
        "log {}: {} trials ({} completed, {} failed, {} duplicates), {} records",
        path.display(),
        latest.len(),
        count(Completed),
        count(Failed),
        count(Duplicate),
        contents.records.len()
    );
    Ok(())
}

fn main() {
    let mut args = std::env::args().skip(1);
    let command = args.next().unwrap_or_default();
    let result = Flags::parse(args).map_err(Into::into).and_then(|flags| -> Result<(), Box<dyn std::error::Error>> {
        match command.as_str() {
            "coordinator" => coordinator(&flags),
            "worker" => worker(&flags),
            "status" => status(&flags),
            "export" => export(&flags),
            "import" => import(&flags),
            "bench" => bench::measure(&flags),
            "--help" | "-h" | "help" => {
                println!("{USAGE}\nspaces:");
                registry::SPACES.iter().for_each(|e| println!("  {:<6} {}", e.name, e.about));
                Ok(())
            }
            other => Err(format!("unknown command `{other}`\n{USAGE}").into()),
        }
    });
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
