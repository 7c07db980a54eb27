//! Sampling speed: build a space, specify it at random, freeze, hash.
//!
//! Reference: DeepArchitect samples the seed space at about 3,200 samples/s
//! on the project's 2-core machine and takes about 3 s per sample of a space
//! with 1,024 repeated cells (quadratic naming).
//!
//! This binary uses the system allocator (glibc here); `sampling_mimalloc`
//! runs the same groups under mimalloc, the allocator the examples use.
#![allow(missing_docs)] // criterion_group! generates an undocumented function

use criterion::{Criterion, criterion_group, criterion_main};

#[path = "common/sampling_groups.rs"]
mod groups;

fn system_allocator(c: &mut Criterion) {
    groups::all(c, "");
}

criterion_group!(benches, system_allocator);
criterion_main!(benches);
