//! Frozen architectures: JSON, DOT, summary, canonical hash.

mod common;

use archspace::{Alternatives, Architecture, Op, SpaceDef, choice};
use common::{conv2d, first_values, seed_space};

#[test]
fn architectures_round_trip_through_json() {
    let def = seed_space();
    let mut rng = archspace::rng(11);
    for _ in 0..50 {
        let arch = def.sample_random(&mut rng).unwrap();
        arch.verify().unwrap();
        let json = serde_json::to_string_pretty(&arch).unwrap();
        let back: Architecture = serde_json::from_str(&json).unwrap();
        assert_eq!(arch, back);
        assert_eq!(arch.canonical_hash(), back.canonical_hash());
        // The decisions alone rebuild it, without the JSON of the graph.
        assert_eq!(def.replay(back.decisions()).unwrap(), arch);
    }
}

#[test]
fn the_canonical_hash_is_pinned() {
    // Stable across runs, machines and releases: changing the encoding is a
    // breaking change that must be deliberate.
    let arch = first_values(&seed_space());
    assert_eq!(arch.canonical_hash().to_string(), PINNED_SEED_HASH);
}

const PINNED_SEED_HASH: &str = "2c2420628d4de7061029c9fdbfa432e7";

#[test]
fn equal_networks_from_different_decisions_hash_equal() {
    // An `or` between "nothing" and "a relu", and an `optional` relu.
    let via_or =
        SpaceDef::new(|s| s.or(Alternatives::list().with(|s| s.identity()).with(|s| s.basic(Op::new("relu")))));
    let via_optional = SpaceDef::new(|s| s.optional(|s| s.basic(Op::new("relu"))));
    let a = via_or.replay_values(&[1.into()]).unwrap();
    let b = via_optional.replay_values(&[true.into()]).unwrap();
    assert_ne!(a.modules()[0].path, b.modules()[0].path);
    assert_eq!(a.canonical_hash(), b.canonical_hash());
    let c = via_optional.replay_values(&[false.into()]).unwrap();
    assert_ne!(b.canonical_hash(), c.canonical_hash());
}

#[test]
fn sharing_and_parameters_change_the_hash() {
    // One conv feeding both concat inputs differs from two convs.
    let shared = SpaceDef::new(|s| {
        let c = s.basic(conv2d(8))?;
        let cat = s.basic(Op::new("concat").inputs_indexed(2))?;
        s.connect(c.output("out")?, cat.input("in0")?)?;
        s.connect(c.output("out")?, cat.input("in1")?)?;
        Ok(s.border_of(&c, &cat))
    });
    let split = SpaceDef::new(|s| {
        let fan = s.identity()?;
        let c0 = s.basic(conv2d(8))?;
        let c1 = s.basic(conv2d(8))?;
        let cat = s.basic(Op::new("concat").inputs_indexed(2))?;
        s.chain(&fan, &c0)?;
        s.chain(&fan, &c1)?;
        s.connect(c0.output("out")?, cat.input("in0")?)?;
        s.connect(c1.output("out")?, cat.input("in1")?)?;
        Ok(s.border_of(&fan, &cat))
    });
    let a = shared.replay_values(&[]).unwrap();
    let b = split.replay_values(&[]).unwrap();
    assert_ne!(a.canonical_hash(), b.canonical_hash());
    let wide = SpaceDef::new(|s| s.basic(conv2d(choice([8, 16]))));
    assert_ne!(
        wide.replay_values(&[8.into()]).unwrap().canonical_hash(),
        wide.replay_values(&[16.into()]).unwrap().canonical_hash()
    );
}

#[test]
fn dot_and_summary_show_every_module() {
    let arch = first_values(&seed_space());
    let dot = arch.to_dot();
    let summary = arch.to_string();
    for m in arch.modules() {
        assert!(dot.contains(m.path.as_str()), "dot lacks {}", m.path);
        assert!(summary.contains(m.path.as_str()), "summary lacks {}", m.path);
    }
    assert!(dot.contains("m0 -> m1") || dot.contains("m0 -> m"), "{dot}");
    assert!(summary.starts_with(&format!("architecture: {} modules", arch.modules().len())));
    for d in arch.decisions() {
        assert!(summary.contains(&format!("decision {} = {}", d.path, d.value)));
    }
}
