//! The sampling benchmarks of `sampling`, under mimalloc: the allocator the
//! examples (`seed_space`, `quickstart`) use. A sample allocates a path per
//! frozen module and per decision; glibc's allocator is the slower of the
//! two for that, and both figures are reported.
#![allow(missing_docs)] // criterion_group! generates an undocumented function

use criterion::{Criterion, criterion_group, criterion_main};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "common/sampling_groups.rs"]
mod groups;

fn mimalloc(c: &mut Criterion) {
    groups::all(c, "mimalloc/");
}

criterion_group!(benches, mimalloc);
criterion_main!(benches);
