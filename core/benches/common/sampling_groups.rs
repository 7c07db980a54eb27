//! The sampling benchmarks, shared by `sampling` (the system allocator) and
//! `sampling_mimalloc` (mimalloc, as the examples use).

use archspace_core::{Op, SpaceDef, choice};
use criterion::{BenchmarkId, Criterion, Throughput};

fn conv2d(filters: impl Into<archspace_core::Param>) -> Op {
    Op::new("conv2d").param("filters", filters).param("kernel", 3)
}

/// `cells` repeated cells, each a conv with a filter choice, an optional
/// activation and a residual add: about 5.5 decisions per cell.
fn repeated_cells(cells: i64) -> SpaceDef {
    SpaceDef::new(move |s| {
        s.named("cells").repeat(cells, |s| {
            s.residual(
                |s| {
                    let c = s.basic(conv2d(choice([32, 64, 128])))?;
                    let a = s.optional(|s| s.basic(Op::new("act").param("kind", choice(["relu", "elu", "gelu"]))))?;
                    s.chain(&c, &a)?;
                    Ok(s.border_of(&c, &a))
                },
                |s| s.identity(),
                |s| s.basic(Op::new("add").inputs_indexed(2)),
            )
        })
    })
}

macro_rules! sample_once {
    ($def:expr, $rng:expr) => {{
        // Build, specify at random, freeze, hash.
        $def.sample_random($rng).expect("the bench space samples").canonical_hash().0
    }};
}

fn bench_sampling(c: &mut Criterion, prefix: &str) {
    let mut group = c.benchmark_group(format!("{prefix}sample"));
    group.throughput(Throughput::Elements(1));
    let seed = archspace_core::spaces::seed();
    let mut rng = archspace_core::rng(1);
    group.bench_function("seed_space", |b| b.iter(|| sample_once!(seed, &mut rng)));
    // The same, then reading the modules and decisions, which an
    // architecture sampled through the cache puts together on first use.
    group.bench_function("seed_space_read", |b| {
        b.iter(|| {
            let arch = seed.sample_random(&mut rng).expect("the bench space samples");
            let params: usize = arch.modules().iter().map(|m| m.params.len()).sum();
            (arch.canonical_hash().0, params, arch.decisions().len())
        })
    });
    for cells in [256i64, 512, 1024, 2048] {
        let def = repeated_cells(cells);
        group.bench_with_input(BenchmarkId::new("repeated_cells", cells), &def, |b, def| {
            b.iter(|| sample_once!(def, &mut rng))
        });
    }
    group.finish();
}

/// Copying, hashing from scratch and dropping an architecture that is
/// already made: what a sample would cost on top of the specification if it
/// copied an architecture and hashed its whole encoding, instead of sharing
/// the structure and hashing only the values into a kept encoding. Shown
/// beside `sample/*` so that both can be read off one run.
fn bench_output_floor(c: &mut Criterion, prefix: &str) {
    let mut group = c.benchmark_group(format!("{prefix}output_floor"));
    group.throughput(Throughput::Elements(1));
    let mut rng = archspace_core::rng(3);
    for (name, def) in [("seed_space", archspace_core::spaces::seed()), ("repeated_cells/1024", repeated_cells(1024))] {
        // Frozen from spaces specified by hand, not sampled: an architecture
        // sampled through a definition's cache carries its hash, and the
        // floor is meant to compute it.
        let made: Vec<archspace_core::Architecture> = (0..16)
            .map(|_| {
                let mut space = def.instantiate().expect("the bench space builds");
                space.specify_random(&mut rng).expect("the bench space specifies");
                space.freeze().expect("the bench space freezes")
            })
            .collect();
        let mut next = 0;
        group.bench_function(name, |b| {
            b.iter(|| {
                next = (next + 1) % made.len();
                made[next].clone().canonical_hash().0
            })
        });
    }
    group.finish();
}

/// `cells` cells in sequence, each an `or` over three ops followed by an
/// optional conv: two structural decisions per cell.
fn cell_chain(cells: usize) -> SpaceDef {
    SpaceDef::new(move |s| {
        let mut parts = Vec::new();
        for i in 0..cells {
            let cell = s.in_scope(format!("cell{i}"), |s| {
                let op = s.or(archspace_core::Alternatives::list()
                    .with(|s| s.basic(conv2d(choice([16, 32]))))
                    .with(|s| s.basic(Op::new("max_pool")))
                    .with(|s| s.basic(Op::new("relu"))))?;
                let tail = s.optional(|s| s.basic(conv2d(choice([16, 32]))))?;
                s.chain(&op, &tail)?;
                Ok::<_, archspace_core::SpecError>(s.border_of(&op, &tail))
            })?;
            parts.push(cell);
        }
        s.sequential(parts)
    })
}

fn bench_count(c: &mut Criterion, prefix: &str) {
    let seed = archspace_core::spaces::seed();
    c.bench_function(&format!("{prefix}count/seed_space"), |b| b.iter(|| seed.count().expect("counts")));
    let chain = cell_chain(20);
    c.bench_function(&format!("{prefix}count/40_structural_decisions"), |b| b.iter(|| chain.count().expect("counts")));
    let mut rng = archspace_core::rng(2);
    c.bench_function(&format!("{prefix}sample_uniform/seed_space"), |b| {
        b.iter(|| seed.sample_uniform(&mut rng).expect("samples"))
    });
}

/// Every group, with `prefix` before its name (the allocator, so that the
/// two bench binaries keep separate baselines).
pub fn all(c: &mut Criterion, prefix: &str) {
    bench_sampling(c, prefix);
    bench_output_floor(c, prefix);
    bench_count(c, prefix);
}
