//! The search space of the DeepArchitect paper (Negrinho et al., 2019, Fig. 1),
//! written in the `#[search_space]` DSL:
//!
//! - an input conv with 64 or 128 filters;
//! - optional dropout with rate 0.25 or 0.5;
//! - two parallel conv chains, of length 1, 2 or 4 and double that;
//! - the chains concatenated;
//! - each conv with 64 or 128 filters, chosen separately.
//!
//! `cargo run --release --example seed_space` prints the number of
//! architectures (25,008, as in the paper).
//! `-- --sample N --threads T` builds, randomly specifies, freezes and hashes
//! N architectures on T threads and prints `samples/s` and `distinct`.

use std::collections::HashSet;
use std::time::Instant;

use archspace::ports::{Fan, Siso, TypedOp};
use archspace::{Op, Param, SpecError, search_space};
use clap::Parser;
use clap::builder::RangedU64ValueParser;
use rayon::prelude::*;

// Building and freezing spaces allocates many small lists (a warm seed-space
// sample allocates once, larger spaces much more); glibc's allocator is
// 13-20% slower at sampling them (`sampling` against `sampling_mimalloc` in
// archspace-core's benches).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn conv2d(filters: impl Into<Param>) -> TypedOp<Siso> {
    TypedOp::siso(Op::new("conv2d").param("filters", filters).param("kernel", 3))
}

fn dropout(rate: impl Into<Param>) -> TypedOp<Siso> {
    TypedOp::siso(Op::new("dropout").param("rate", rate))
}

fn concat<const N: usize>() -> TypedOp<Fan<N>> {
    TypedOp::fan_in(Op::new("concat"))
}

/// The paper's seed space, line for line.
#[search_space]
fn seed_space() -> Space {
    let n = choice([1, 2, 4]);
    let n2 = n.map(|n| 2 * n);
    let stem = conv2d(choice([64, 128]));
    let drop = optional(|| dropout(choice([0.25, 0.5])));
    let left = repeat(n, || conv2d(choice([64, 128])));
    let right = repeat(n2, || conv2d(choice([64, 128])));
    let cat = concat::<2>();
    connect!(stem.out -> drop.in);
    connect!(drop.out -> left.in, right.in);
    connect!(left.out -> cat.in0);
    connect!(right.out -> cat.in1);
    expose!(stem.in -> cat.out)
}

/// The DeepArchitect paper's seed space: its size, a random architecture,
/// and (with `--sample`) sampling speed.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// Sample this many architectures and report samples/s and distinct ones.
    #[arg(long = "sample", value_name = "N")]
    samples: Option<usize>,
    /// Threads sampling.
    #[arg(long, default_value_t = 1, value_parser = RangedU64ValueParser::<usize>::new().range(1..))]
    threads: usize,
    /// Seed of the random architectures.
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

fn main() {
    let args = Args::parse();
    if let Err(e) = run(&args) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run(args: &Args) -> Result<(), SpecError> {
    let def = seed_space().def();
    let started = Instant::now();
    let count = def.count()?;
    println!("architectures: {count}");
    println!("count took: {:.3} ms", started.elapsed().as_secs_f64() * 1e3);

    let mut rng = archspace::rng(args.seed);
    let example = def.sample_random(&mut rng)?;
    println!("\na random architecture:\n{example}");

    let Some(samples) = args.samples else { return Ok(()) };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads)
        .build()
        .map_err(|e| SpecError::Unusable { reason: e.to_string() })?;
    let chunk = 4096;
    let started = Instant::now();
    let hashes: Vec<u128> = pool.install(|| {
        (0..samples.div_ceil(chunk))
            .into_par_iter()
            .map(|c| {
                let mut rng = archspace::rng(args.seed ^ (c as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
                let n = chunk.min(samples - c * chunk);
                (0..n).map(|_| def.sample_random(&mut rng).map(|a| a.canonical_hash().0)).collect::<Result<Vec<_>, _>>()
            })
            .collect::<Result<Vec<Vec<u128>>, _>>()
            .map(|v| v.into_iter().flatten().collect())
    })?;
    let seconds = started.elapsed().as_secs_f64();
    let distinct: HashSet<u128> = hashes.iter().copied().collect();
    println!("threads: {}", args.threads);
    println!("samples: {samples}");
    println!("samples/s: {:.0}", samples as f64 / seconds);
    println!("distinct: {}", distinct.len());
    Ok(())
}
