//! `count()`, `enumerate()` and `sample_uniform()` agree with each other.

mod common;

use std::collections::HashMap;

use archspace::{Alternatives, BigUint, Op, SpaceDef, Value, choice};
use common::{cell_chain, conv2d, relu, seed_space};

#[test]
fn the_seed_space_has_25008_architectures() {
    assert_eq!(seed_space().count().unwrap(), BigUint::from(25_008u32));
}

#[test]
fn count_equals_enumeration_on_small_spaces() {
    let spaces: Vec<SpaceDef> = vec![
        cell_chain(2),
        SpaceDef::new(|s| s.repeat(choice([1, 2, 3]), |s| s.optional(|s| s.basic(conv2d(choice([1, 2])))))),
        SpaceDef::new(|s| {
            s.split_combine(
                choice([1, 2]),
                |s| s.basic(conv2d(choice([4, 8]))),
                |s, n| s.basic(Op::new("add").inputs_indexed(n)),
            )
        }),
        SpaceDef::new(|s| {
            s.permutation(vec![
                std::sync::Arc::new(|s: &mut archspace::Space| s.basic(Op::new("a"))),
                std::sync::Arc::new(|s: &mut archspace::Space| s.optional(|s| s.basic(Op::new("b")))),
                std::sync::Arc::new(relu),
            ])
        }),
    ];
    for def in spaces {
        let listed = def.enumerate().collect::<Result<Vec<_>, _>>().unwrap().len();
        assert_eq!(def.count().unwrap(), BigUint::from(listed));
    }
    let seed = seed_space();
    assert_eq!(seed.enumerate().filter(|a| a.is_ok()).count(), 25_008);
}

#[test]
fn hyperparameters_shared_through_factories_are_counted_once() {
    // `width` is captured by two different substitutions: the counter must not
    // treat them as independent.
    let def = SpaceDef::new(|s| {
        let width = s.named_choice("width", [8, 16, 32])?;
        let a = s.named("a").repeat(choice([1, 2]), move |s| s.basic(conv2d(width)))?;
        let b = s.named("b").optional(move |s| s.basic(conv2d(width)))?;
        s.chain(&a, &b)?;
        Ok(s.border_of(&a, &b))
    });
    let listed = def.enumerate().collect::<Result<Vec<_>, _>>().unwrap().len();
    assert_eq!(listed, 2 * 2 * 3);
    assert_eq!(def.count().unwrap(), BigUint::from(listed));
}

#[test]
fn leaf_decisions_read_later_by_a_substitution_are_branched_on() {
    // `flag` looks like a leaf (only a basic module uses it at first), but a
    // repeat's copies read it as an `optional` flag.
    let def = SpaceDef::new(|s| {
        let flag = s.named_choice("flag", [false, true])?;
        let head = s.named("head").basic(Op::new("gate").param("on", flag))?;
        let body = s
            .named("body")
            .repeat(choice([1, 2]), move |s| s.optional_with(flag, |s| s.basic(conv2d(choice([1, 2])))))?;
        s.chain(&head, &body)?;
        Ok(s.border_of(&head, &body))
    });
    let listed = def.enumerate().collect::<Result<Vec<_>, _>>().unwrap().len();
    assert_eq!(def.count().unwrap(), BigUint::from(listed));
}

#[test]
fn constraints_and_rejections_are_not_counted() {
    let def = SpaceDef::new(|s| {
        let a = s.named_choice("a", [0, 1, 2])?;
        let b = s.named_choice("b", [0, 1, 2])?;
        s.constraint("distinct", &[a, b], |v| v[0] != v[1])?;
        s.basic(Op::new("pair").param("a", a).param("b", b))
    });
    assert_eq!(def.count().unwrap(), BigUint::from(6u32));
    assert_eq!(def.enumerate().count(), 6);
}

#[test]
fn forty_structural_decisions_count_without_enumeration() {
    // 20 cells × (or over 3 + optional) = 40 structural decisions plus leaves.
    let def = cell_chain(20);
    // Per cell: or → (conv: 2, pool: 1, relu: 1) = 4; optional → 1 + 2 = 3.
    let expected = BigUint::from(12u32).pow(20);
    assert_eq!(def.count().unwrap(), expected);
    // A deep nesting where nothing decomposes still counts exactly.
    let nested = SpaceDef::new(|s| {
        s.or(Alternatives::list()
            .with(|s| s.repeat(choice([1, 2, 3]), |s| s.basic(conv2d(choice([1, 2, 3])))))
            .with(|s| s.optional(|s| s.repeat(choice([1, 2]), |s| s.basic(conv2d(choice([1, 2])))))))
    });
    assert_eq!(nested.count().unwrap(), BigUint::from((3 + 9 + 27) + (1 + 2 + 4) as u32));
}

#[test]
fn sample_uniform_passes_a_chi_square_test() {
    // 2 architectures with one conv, 4 with two: per-decision sampling gives
    // the first two probability 1/4 each; uniform sampling gives all six 1/6.
    let def = SpaceDef::new(|s| s.repeat(choice([1, 2]), |s| s.basic(conv2d(choice([8, 16])))));
    let draws = 6_000;
    let chi_square = |uniform: bool| {
        let mut rng = archspace::rng(42);
        let mut seen: HashMap<Vec<Value>, usize> = HashMap::new();
        for _ in 0..draws {
            let arch = if uniform { def.sample_uniform(&mut rng) } else { def.sample_random(&mut rng) }.unwrap();
            let key: Vec<Value> = arch.decisions().iter().map(|d| d.value.clone()).collect();
            *seen.entry(key).or_default() += 1;
        }
        assert_eq!(seen.len(), 6);
        let expected = draws as f64 / 6.0;
        seen.values().map(|&o| (o as f64 - expected).powi(2) / expected).sum::<f64>()
    };
    // 5 degrees of freedom: the 0.1% critical value is 20.52.
    let uniform = chi_square(true);
    assert!(uniform < 20.52, "chi-square {uniform}");
    let per_decision = chi_square(false);
    assert!(per_decision > 20.52, "per-decision sampling should not look uniform ({per_decision})");
}

#[test]
fn sample_uniform_is_deterministic_for_a_seed() {
    let def = seed_space();
    let a = def.sample_uniform(&mut archspace::rng(3)).unwrap();
    let b = def.sample_uniform(&mut archspace::rng(3)).unwrap();
    assert_eq!(a, b);
}
