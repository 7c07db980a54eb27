//! Sampling speed: build a space, specify it at random, freeze, hash.
//!
//! Reference: DeepArchitect samples the seed space at about 3,200 samples/s
//! on the project's 2-core machine and takes about 3 s per sample of a space
//! with 1,024 repeated cells (quadratic naming).
#![allow(missing_docs)] // criterion_group! generates an undocumented function

use archspace_core::{Op, Space, SpaceDef, Value, choice};
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

fn conv2d(filters: impl Into<archspace_core::Param>) -> Op {
    Op::new("conv2d").param("filters", filters).param("kernel", 3)
}

fn seed_space() -> SpaceDef {
    SpaceDef::new(|s| {
        let n = s.named_choice("n", [1, 2, 4])?;
        let n2 = s.named_dependent("n2", &[n], |v| Ok(Value::Int(2 * v[0].as_int().unwrap_or(0))))?;
        let stem = s.named("stem").basic(conv2d(choice([64, 128])))?;
        let drop = s.named("drop").optional(|s| s.basic(Op::new("dropout").param("rate", choice([0.25, 0.5]))))?;
        let conv = |s: &mut Space| s.basic(conv2d(choice([64, 128])));
        let left = s.named("left").repeat(n, conv)?;
        let right = s.named("right").repeat(n2, conv)?;
        let cat = s.named("cat").basic(Op::new("concat").inputs_indexed(2))?;
        s.chain(&stem, &drop)?;
        s.chain(&drop, &left)?;
        s.chain(&drop, &right)?;
        s.connect(left.output("out")?, cat.input("in0")?)?;
        s.connect(right.output("out")?, cat.input("in1")?)?;
        Ok(s.border_of(&stem, &cat))
    })
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

fn bench_sampling(c: &mut Criterion) {
    let mut group = c.benchmark_group("sample");
    group.throughput(Throughput::Elements(1));
    let seed = seed_space();
    let mut rng = archspace_core::rng(1);
    group.bench_function("seed_space", |b| b.iter(|| sample_once!(seed, &mut rng)));
    for cells in [256i64, 512, 1024] {
        let def = repeated_cells(cells);
        group.bench_with_input(BenchmarkId::new("repeated_cells", cells), &def, |b, def| {
            b.iter(|| sample_once!(def, &mut rng))
        });
    }
    group.finish();
}

fn bench_count(c: &mut Criterion) {
    let seed = seed_space();
    c.bench_function("count/seed_space", |b| b.iter(|| seed.count().expect("counts")));
}

criterion_group!(benches, bench_sampling, bench_count);
criterion_main!(benches);
