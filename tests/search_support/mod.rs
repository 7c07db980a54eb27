//! Spaces and synthetic objectives shared by the search tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use archspace::search::{Metrics, Trial};
use archspace::{Architecture, Op, Param, SpaceDef, choice};

fn conv2d(filters: impl Into<Param>) -> Op {
    Op::new("conv2d").param("filters", filters).param("kernel", 3)
}

/// The DeepArchitect paper's seed space (examples/seed_space.rs).
pub fn seed_space() -> SpaceDef {
    seed_space_with(&[1, 2, 4])
}

/// The seed space with 432 architectures (chains of 1 or 2 and double that),
/// small enough to enumerate quickly in unoptimized tests.
pub fn small_seed_space() -> SpaceDef {
    seed_space_with(&[1, 2])
}

fn seed_space_with(depths: &'static [i64]) -> SpaceDef {
    archspace::spaces::seed_with_chains(depths)
}

/// A synthetic objective on the seed space, optimum 1.0 (n = 4, a 128-filter
/// stem, dropout 0.25, every chain conv at 64 filters).
pub fn seed_objective(arch: &Architecture) -> f64 {
    let mut score = 0.0;
    let convs: Vec<_> = arch.modules().iter().filter(|m| m.op == "conv2d").collect();
    let chain: Vec<_> = convs.iter().filter(|m| !m.path.starts_with("stem")).collect();
    if chain.len() == 12 {
        score += 0.4;
    }
    if convs.iter().any(|m| m.path.starts_with("stem") && m.param("filters").and_then(|v| v.as_int()) == Some(128)) {
        score += 0.2;
    }
    if let Some(d) = arch.modules().iter().find(|m| m.op == "dropout") {
        score += 0.1;
        if d.param("rate").and_then(|v| v.as_float()) == Some(0.25) {
            score += 0.1;
        }
    }
    let narrow = chain.iter().filter(|m| m.param("filters").and_then(|v| v.as_int()) == Some(64)).count();
    score + 0.2 * narrow as f64 / 12.0
}

/// A chain of `blocks` dense blocks, each choosing units (4 values) and an
/// activation (3 values): `2 * blocks` decisions.
pub fn wide_space(blocks: usize) -> SpaceDef {
    SpaceDef::new(move |s| {
        let mut first: Option<archspace::Io> = None;
        let mut last: Option<archspace::Io> = None;
        for i in 0..blocks {
            let block = s.in_scope(format!("b{i}").as_str(), |s| {
                let d = s.basic(Op::new("dense").param("units", choice([16, 32, 64, 128])))?;
                let a = s.basic(Op::new("act").param("kind", choice(["relu", "tanh", "gelu"])))?;
                s.chain(&d, &a)?;
                Ok::<_, archspace::SpecError>(s.border_of(&d, &a))
            })?;
            if let Some(prev) = &last {
                s.chain(prev, &block)?;
            }
            first.get_or_insert_with(|| block.clone());
            last = Some(block);
        }
        let (Some(first), Some(last)) = (first, last) else { unreachable!("blocks > 0") };
        Ok(s.border_of(&first, &last))
    })
}

/// Objective on [`wide_space`], optimum 1.0: each block scores for units 64
/// (even blocks) or 128 (odd blocks) and for `gelu`.
pub fn wide_objective(arch: &Architecture) -> f64 {
    let dense: Vec<_> = arch.modules().iter().filter(|m| m.op == "dense").collect();
    let acts: Vec<_> = arch.modules().iter().filter(|m| m.op == "act").collect();
    let mut hits = 0.0;
    for (i, m) in dense.iter().enumerate() {
        let want = if i % 2 == 0 { 64 } else { 128 };
        if m.param("units").and_then(|v| v.as_int()) == Some(want) {
            hits += 1.0;
        }
    }
    for a in &acts {
        if a.param("kind").and_then(|v| v.as_str()) == Some("gelu") {
            hits += 1.0;
        }
    }
    hits / (dense.len() + acts.len()) as f64
}

/// The seed space with a constraint that rejects a 128-filter stem with
/// n = 1 or 2 (about half of the per-decision draws are `Invalid`).
pub fn constrained_space() -> SpaceDef {
    SpaceDef::new(|s| {
        let n = s.named_choice("n", [1, 2, 4])?;
        let width = s.named_choice("width", [64, 128])?;
        s.constraint("wide_needs_depth", &[n, width], |v| v[1].as_int() == Some(64) || v[0].as_int() == Some(4))?;
        let stem = s.named("stem").basic(conv2d(width))?;
        let body = s.named("body").repeat(n, |s| s.basic(conv2d(choice([64, 128]))))?;
        s.chain(&stem, &body)?;
        Ok(s.border_of(&stem, &body))
    })
}

/// An evaluator-shaped wrapper: `score` = `objective(arch)`.
pub fn metrics_of(objective: fn(&Architecture) -> f64, arch: &Architecture) -> Metrics {
    Metrics::new().with("score", objective(arch))
}

/// The decisions of a trial as `path=value` text, for messages.
pub fn describe(trial: &Trial) -> String {
    trial.decisions.iter().map(|d| format!("{}={}", d.path, d.value)).collect::<Vec<_>>().join(" ")
}

/// The NAS-Bench-201 cell, as the `benchmark` example writes it in the DSL.
#[path = "../../examples/benchmark/nb201.rs"]
pub mod nb201;

/// A synthetic tabular benchmark over the NAS-Bench-201 cell's 15,625
/// architectures, in the column layout of AnalogNAS-Bench (`e0` … `e5`,
/// `accuracy`): a fixed random effect per edge operation, one per pair of
/// operations on edges that share a node, and a little noise, around 85.
/// Deterministic, and small enough to build in a test.
pub fn synthetic_nb201_csv() -> String {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(201);
    let single: Vec<[f64; 5]> = (0..6).map(|_| std::array::from_fn(|_| rng.random_range(-2.0..2.0))).collect();
    // Edges (1,2) (1,3) (1,4) (2,3) (2,4) (3,4) as e0 … e5; pairs that meet at a node.
    let pairs = [(0, 3), (0, 4), (1, 5), (3, 5), (1, 3), (2, 4), (2, 5), (4, 5)];
    let pair: Vec<[[f64; 5]; 5]> =
        pairs.iter().map(|_| std::array::from_fn(|_| std::array::from_fn(|_| rng.random_range(-1.0..1.0)))).collect();
    let mut csv = String::from("e0,e1,e2,e3,e4,e5,accuracy\n");
    for index in 0..15_625usize {
        let codes: Vec<usize> = (0..6).map(|e| (index / 5usize.pow(5 - e as u32)) % 5).collect();
        let mut accuracy = 85.0 + rng.random_range(-0.1..0.1);
        accuracy += (0..6).map(|e| single[e][codes[e]]).sum::<f64>();
        accuracy += pairs.iter().zip(&pair).map(|(&(a, b), w)| w[codes[a]][codes[b]]).sum::<f64>();
        let cells: Vec<String> = codes.iter().map(|c| c.to_string()).collect();
        csv.push_str(&format!("{},{accuracy:.4}\n", cells.join(",")));
    }
    csv
}

/// The synthetic table, read as the `benchmark` example reads AnalogNAS-Bench.
pub fn synthetic_nb201_table() -> archspace::search::Table {
    let keys: Vec<(String, &str)> = nb201::EDGE_PATHS.iter().enumerate().map(|(i, p)| (format!("e{i}"), *p)).collect();
    let keys: Vec<(&str, &str)> = keys.iter().map(|(c, p)| (c.as_str(), *p)).collect();
    archspace::search::Table::parse_csv(&synthetic_nb201_csv(), &keys).expect("the synthetic table parses")
}

/// A path `name` in this process's temporary folder for `group`'s search
/// logs, with no file there yet.
pub fn temp_log(group: &str, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("archspace-{group}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    path
}

/// A command that runs this test binary's ignored test `name`, alone and
/// with its output uncaptured: a test's child process.
pub fn child_test(name: &str) -> Command {
    let mut command = Command::new(std::env::current_exe().expect("test binary"));
    command.args([name, "--exact", "--ignored", "--nocapture", "--test-threads=1"]);
    command
}

/// Lines of `path` ended by a newline (0 while it does not exist).
pub fn complete_lines(path: &Path) -> usize {
    std::fs::read(path).map(|b| b.iter().filter(|&&c| c == b'\n').count()).unwrap_or(0)
}

/// Waits (at most a minute) until `child`, still running, has written
/// `lines` complete lines to the log at `log`.
pub fn wait_for_log_lines(child: &mut Child, log: &Path, lines: usize) {
    let started = Instant::now();
    while complete_lines(log) < lines {
        assert!(started.elapsed() < Duration::from_secs(60), "the child made no progress");
        if let Ok(Some(status)) = child.try_wait() {
            panic!("the child ended too early: {status}");
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}
