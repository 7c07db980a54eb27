//! Expansion time of the DSL: parse → check → lower → emit on a space with
//! 200 modules and 100 connections, and on the paper's seed space.
//!
//! `cargo bench -p archspace-macros --bench expansion`

#![allow(missing_docs, dead_code)]

// A proc-macro crate exports only macros, so the bench compiles the
// pipeline's modules itself.
#[path = "../src/ast.rs"]
mod ast;
#[path = "../src/check.rs"]
mod check;
#[path = "../src/check_forms.rs"]
mod check_forms;
#[path = "../src/check_module.rs"]
mod check_module;
#[path = "../src/ctxt.rs"]
mod ctxt;
#[path = "../src/cycles.rs"]
mod cycles;
#[path = "../src/domain.rs"]
mod domain;
#[path = "../src/emit.rs"]
mod emit;
#[path = "../src/emit_forms.rs"]
mod emit_forms;
#[path = "../src/emit_ports.rs"]
mod emit_ports;
#[path = "../src/expand.rs"]
mod expand;
#[path = "../src/graph.rs"]
mod graph;
#[path = "../src/lower.rs"]
mod lower;
#[path = "../src/lower_forms.rs"]
mod lower_forms;
#[path = "../src/lower_wiring.rs"]
mod lower_wiring;
#[path = "../src/parse.rs"]
mod parse;
#[path = "../src/parse_forms.rs"]
mod parse_forms;
#[path = "../src/parse_module.rs"]
mod parse_module;
#[path = "../src/plan.rs"]
mod plan;
#[path = "../src/scope.rs"]
mod scope;
#[path = "../src/verdict.rs"]
mod verdict;

use std::hint::black_box;
use std::str::FromStr;

use criterion::{Criterion, criterion_group, criterion_main};
use proc_macro2::TokenStream;

/// 200 modules in 100 pairs, one connection per pair.
fn large_space() -> String {
    let mut src = String::new();
    for i in 0..200 {
        src.push_str(&format!("let m{i} = conv2d(choice([16, 32]));\n"));
    }
    for i in 0..100 {
        src.push_str(&format!("connect!(m{}.out -> m{}.in);\n", 2 * i, 2 * i + 1));
    }
    let ins: Vec<String> = (0..100).map(|i| format!("i{i} = m{}.in", 2 * i)).collect();
    let outs: Vec<String> = (0..100).map(|i| format!("o{i} = m{}.out", 2 * i + 1)).collect();
    src.push_str(&format!("expose!({} -> {})", ins.join(", "), outs.join(", ")));
    src
}

const SEED: &str = r#"
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
"#;

fn bench(c: &mut Criterion) {
    for (name, src) in [("200_modules_100_connections", large_space()), ("seed_space", SEED.to_owned())] {
        let Ok(tokens) = TokenStream::from_str(&src) else { return };
        let out = expand::inline(tokens.clone()).to_string();
        assert!(!out.contains("compile_error"), "{name} expands without errors");
        c.bench_function(&format!("expand/{name}"), |b| b.iter(|| expand::inline(black_box(tokens.clone()))));
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
