//! The NAS-Bench-101 cell (Ying et al. 2019) written in the DSL: 7
//! vertices (input, 5 nodes, output) whose 21 edges are decisions, an
//! operation per node, nodes on no input→output path pruned (their
//! operation is then no decision), at most 9 edges after pruning.
//!
//! ```text
//! cargo run --release --example nasbench101
//! cargo run --release --example nasbench101 -- --samples 20000
//! ```
//!
//! It prints the number of architectures (decision assignments), then, for
//! NAS-Bench-101's rule (pruning) and DeepArchitect's (a node with edges
//! but on no path makes the cell invalid), how often plain per-decision sampling draws a
//! valid cell and the time per valid sample of: plain per-decision
//! sampling with retries, `sample_random` (which never draws an edge value
//! that leaves no valid cell) and `sample_uniform` (uniform over all
//! assignments).

use std::time::Instant;

use archspace::ports::{Siso, TypedOp};
use archspace::{Op, SpaceDef, search_space};
use rand::Rng;

fn conv(kernel: i64) -> TypedOp<Siso> {
    TypedOp::siso(Op::new("conv2d_bn_relu").param("kernel", kernel))
}

fn max_pool() -> TypedOp<Siso> {
    TypedOp::siso(Op::new("max_pool2d").param("kernel", 3))
}

fn add(k: usize) -> Op {
    Op::new("add").inputs_indexed(k)
}

fn concat(k: usize) -> Op {
    Op::new("concat").inputs_indexed(k)
}

fn projection(from_input: bool) -> TypedOp<Siso> {
    let op = if from_input { Op::new("conv2d_bn_relu").param("kernel", 1) } else { Op::new("identity") };
    TypedOp::siso(op)
}

/// A node: one of three operations.
#[search_space]
fn node() -> Space {
    let op = or_named(conv1x1 = || conv(1), conv3x3 = || conv(3), maxpool3x3 = || max_pool());
    expose!(op.in -> op.out)
}

/// The cell, as NAS-Bench-101 defines it: nodes on no path are pruned.
#[search_space]
fn nasbench101_cell() -> Space {
    let cell = dag(
        nodes = 5,
        node = |v| node(),
        combine = |k| add(k),
        output_combine = |k| concat(k),
        edge = |from, to, value| projection(from == 0),
        max_edges = 9,
    );
    expose!(cell.in -> cell.out)
}

/// The cell as DeepArchitect encodes it: a node on no path is invalid.
#[search_space]
fn deep_architect_cell() -> Space {
    let cell = dag(
        nodes = 5,
        node = |v| node(),
        combine = |k| add(k),
        output_combine = |k| concat(k),
        edge = |from, to, value| projection(from == 0),
        max_edges = 9,
        off_path = invalid,
    );
    expose!(cell.in -> cell.out)
}

/// Plain per-decision sampling: each decision uniform over its domain, no
/// look-ahead; an invalid cell is drawn again. Returns (tries, seconds) for
/// `valid` valid cells.
fn plain_sampling(def: &SpaceDef, valid: usize, seed: u64) -> (usize, f64) {
    let mut rng = archspace::rng(seed);
    let (mut tries, mut found) = (0, 0);
    let start = Instant::now();
    while found < valid {
        tries += 1;
        let Ok(mut space) = def.instantiate() else { continue };
        let mut ok = true;
        while let Some(h) = space.next_decision() {
            let n = space.domain(h).map_or(1, |d| d.len());
            if space.assign_index(h, rng.random_range(0..n)).is_err() {
                ok = false;
                break;
            }
        }
        if ok && space.freeze().is_ok() {
            found += 1;
        }
    }
    (tries, start.elapsed().as_secs_f64())
}

fn per_sample(total: f64, n: usize) -> String {
    let us = total / n as f64 * 1e6;
    if us >= 1000.0 { format!("{:.2} ms", us / 1000.0) } else { format!("{us:.1} µs") }
}

fn main() {
    let samples: usize = match std::env::args().skip(1).collect::<Vec<_>>().as_slice() {
        [flag, n] if flag == "--samples" => n.parse().unwrap_or_else(|e| {
            eprintln!("--samples: {e}");
            std::process::exit(2)
        }),
        [] => 5_000,
        _ => {
            eprintln!("usage: nasbench101 [--samples N]");
            std::process::exit(2)
        }
    };
    let cells = [
        ("NAS-Bench-101 (pruned)", nasbench101_cell().def()),
        ("DeepArchitect (invalid)", deep_architect_cell().def()),
    ];
    for (i, (label, def)) in cells.iter().enumerate() {
        let start = Instant::now();
        let count = match def.count() {
            Ok(c) => c,
            Err(e) => {
                eprintln!("counting failed: {e}");
                std::process::exit(1)
            }
        };
        let counted = start.elapsed().as_secs_f64();
        if i == 0 {
            println!("architectures: {count}");
        }
        println!("{label}: {count} architectures, counted in {}", per_sample(counted, 1));
        let (tries, plain) = plain_sampling(def, samples, 7);
        println!(
            "  plain per-decision sampling: {:.2}% of draws valid, {} per valid sample",
            100.0 * samples as f64 / tries as f64,
            per_sample(plain, samples)
        );
        let mut rng = archspace::rng(7);
        let start = Instant::now();
        let mut valid = 0;
        for _ in 0..samples {
            valid += usize::from(def.sample_random(&mut rng).is_ok());
        }
        let random = start.elapsed().as_secs_f64();
        println!(
            "  sample_random: {:.2}% valid, {} per valid sample ({:.1}x plain sampling)",
            100.0 * valid as f64 / samples as f64,
            per_sample(random, valid.max(1)),
            (plain / samples as f64) / (random / valid.max(1) as f64)
        );
        let uniform_n = (samples / 10).max(1);
        let start = Instant::now();
        for _ in 0..uniform_n {
            if let Err(e) = def.sample_uniform(&mut rng) {
                eprintln!("sample_uniform failed: {e}");
                std::process::exit(1)
            }
        }
        println!("  sample_uniform: {} per sample", per_sample(start.elapsed().as_secs_f64(), uniform_n));
    }
}
