//! Property tests over randomly generated spaces and assignment orders.

mod common;

use std::sync::Arc;

use archspace::{Alternatives, Architecture, Factory, Io, Op, Source, Space, SpaceDef, SpecError, Value, choice};
use proptest::prelude::*;
use rand::Rng;

/// A random space description.
#[derive(Clone, Debug)]
enum Expr {
    Op { name: u8, values: u8 },
    Seq(Vec<Expr>),
    Repeat(u8, Box<Expr>),
    Optional(Box<Expr>),
    Or(Vec<Expr>),
    Split(u8, Box<Expr>),
    Residual(Box<Expr>),
    Permute(Vec<Expr>),
}

fn expr() -> impl Strategy<Value = Expr> {
    let leaf = (0u8..3, 1u8..4).prop_map(|(name, values)| Expr::Op { name, values });
    leaf.prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 1..3).prop_map(Expr::Seq),
            (2u8..4, inner.clone()).prop_map(|(n, e)| Expr::Repeat(n, Box::new(e))),
            inner.clone().prop_map(|e| Expr::Optional(Box::new(e))),
            prop::collection::vec(inner.clone(), 1..3).prop_map(Expr::Or),
            (2u8..3, inner.clone()).prop_map(|(n, e)| Expr::Split(n, Box::new(e))),
            inner.clone().prop_map(|e| Expr::Residual(Box::new(e))),
            prop::collection::vec(inner, 2..3).prop_map(Expr::Permute),
        ]
    })
}

fn factory(e: &Expr) -> Factory {
    let e = e.clone();
    Arc::new(move |s: &mut Space| build(s, &e))
}

fn build(s: &mut Space, e: &Expr) -> Result<Io, SpecError> {
    match e {
        Expr::Op { name, values } => {
            let domain: Vec<i64> = (0..i64::from(*values)).collect();
            s.basic(Op::new(["conv", "pool", "act"][*name as usize]).param("v", choice(domain)))
        }
        Expr::Seq(parts) => {
            let ios = parts.iter().map(|p| build(s, p)).collect::<Result<Vec<_>, _>>()?;
            s.sequential(ios)
        }
        Expr::Repeat(n, inner) => {
            let f = factory(inner);
            let counts: Vec<i64> = (1..=i64::from(*n)).collect();
            s.repeat(choice(counts), move |s| f(s))
        }
        Expr::Optional(inner) => {
            let f = factory(inner);
            s.optional(move |s| f(s))
        }
        Expr::Or(alts) => {
            let mut a = Alternatives::list();
            for alt in alts {
                let f = factory(alt);
                a = a.with(move |s| f(s));
            }
            s.or(a)
        }
        Expr::Split(n, inner) => {
            let f = factory(inner);
            let counts: Vec<i64> = (1..=i64::from(*n)).collect();
            s.split_combine(choice(counts), move |s| f(s), |s, k| s.basic(Op::new("add").inputs_indexed(k)))
        }
        Expr::Residual(inner) => {
            let f = factory(inner);
            s.residual(move |s| f(s), |s| s.identity(), |s| s.basic(Op::new("add").inputs_indexed(2)))
        }
        Expr::Permute(parts) => s.permutation(parts.iter().map(factory).collect()),
    }
}

fn definition(e: &Expr) -> SpaceDef {
    let e = e.clone();
    SpaceDef::new(move |s| build(s, &e))
}

/// Every input reads from an earlier module or an input; ports match.
fn check_well_formed(arch: &Architecture) {
    arch.verify().unwrap();
    for (i, m) in arch.modules().iter().enumerate() {
        let expected_inputs = if m.op == "add" { m.inputs.len() } else { 1 };
        assert_eq!(m.inputs.len(), expected_inputs);
        for (_, src) in &m.inputs {
            if let Source::Module { module, .. } = src {
                assert!(*module < i);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn random_assignment_orders_freeze_to_well_formed_architectures(e in expr(), seed in any::<u64>()) {
        let def = definition(&e);
        let mut space = def.instantiate().unwrap();
        let mut rng = archspace::rng(seed);
        // Assign pending decisions in a random order, not the documented one.
        loop {
            let pending = space.pending_decisions();
            if pending.is_empty() { break; }
            let h = pending[rng.random_range(0..pending.len())];
            let len = space.domain(h).unwrap().len();
            space.assign_index(h, rng.random_range(0..len)).unwrap();
            space.verify().unwrap();
        }
        let arch = space.freeze().unwrap();
        check_well_formed(&arch);
        // Replay by path reproduces the network, whatever order built it.
        let again = def.replay(arch.decisions()).unwrap();
        prop_assert_eq!(again.modules(), arch.modules());
        prop_assert_eq!(again.canonical_hash(), arch.canonical_hash());
        // Replay by position reproduces it exactly.
        let values: Vec<Value> = again.decisions().iter().map(|d| d.value.clone()).collect();
        prop_assert_eq!(def.replay_values(&values).unwrap(), again);
    }

    #[test]
    fn sampling_a_definition_again_and_again_matches_fresh_builds(e in expr(), seed in any::<u64>()) {
        // A definition copies its template and the spaces it kept after
        // decisions that rebuilt the graph; a space built from scratch and
        // specified from the same random numbers must come out the same.
        let def = definition(&e);
        let mut cached = archspace::rng(seed);
        let mut fresh = archspace::rng(seed);
        for _ in 0..30 {
            let a = def.sample_random(&mut cached).unwrap();
            let mut space = Space::build(|s| build(s, &e)).unwrap();
            space.specify_random(&mut fresh).unwrap();
            let b = space.freeze().unwrap();
            prop_assert_eq!(&a, &b);
            prop_assert_eq!(def.replay(a.decisions()).unwrap(), b);
        }
    }

    #[test]
    fn count_equals_the_number_of_enumerated_assignments(e in expr()) {
        let def = definition(&e);
        let count = def.count().unwrap();
        prop_assume!(count <= 3_000u32.into());
        let all = def.enumerate().collect::<Result<Vec<_>, _>>().unwrap();
        all.iter().for_each(check_well_formed);
        let listed = all.len();
        prop_assert_eq!(count, listed.into());
    }
}
