//! Replaying decisions by path and by position.

mod common;

use archspace::{Decision, SpecError, Value};
use common::seed_space;

#[test]
fn replay_by_path_and_by_position_rebuild_the_same_architecture() {
    let def = seed_space();
    let mut rng = archspace::rng(5);
    for _ in 0..100 {
        let arch = def.sample_random(&mut rng).unwrap();
        let mut shuffled = arch.decisions().to_vec();
        shuffled.reverse();
        assert_eq!(def.replay(&shuffled).unwrap(), arch);
        let values: Vec<Value> = arch.decisions().iter().map(|d| d.value.clone()).collect();
        assert_eq!(def.replay_values(&values).unwrap(), arch);
    }
}

#[test]
fn replays_that_do_not_fit_say_where() {
    let def = seed_space();
    let arch = def.replay_values(&[1.into(), 64.into(), false.into(), 64.into(), 64.into(), 64.into()]).unwrap();
    let good = arch.decisions().to_vec();

    let mut missing = good.clone();
    missing.retain(|d| d.path != "stem/filters");
    match def.replay(&missing).unwrap_err() {
        SpecError::ReplayMismatch { position, path, .. } => assert_eq!((position, path.as_str()), (1, "stem/filters")),
        other => panic!("unexpected {other:?}"),
    }

    let mut extra = good.clone();
    extra.push(Decision { path: "left/7/conv2d/filters".into(), value: 64.into() });
    match def.replay(&extra).unwrap_err() {
        SpecError::ReplayMismatch { path, reason, .. } => {
            assert_eq!(path, "left/7/conv2d/filters");
            assert!(reason.contains("does not exist"), "{reason}");
        }
        other => panic!("unexpected {other:?}"),
    }

    let mut outside = good.clone();
    outside[1].value = 96.into();
    match def.replay(&outside).unwrap_err() {
        SpecError::ReplayMismatch { position, path, reason } => {
            assert_eq!((position, path.as_str()), (1, "stem/filters"));
            assert!(reason.contains("96"), "{reason}");
        }
        other => panic!("unexpected {other:?}"),
    }

    let mut twice = good.clone();
    twice.push(good[0].clone());
    assert!(matches!(def.replay(&twice), Err(SpecError::ReplayMismatch { .. })));

    let short = def.replay_values(&[1.into(), 64.into()]).unwrap_err();
    assert!(matches!(short, SpecError::ReplayMismatch { position: 2, .. }), "{short:?}");
    let long = def
        .replay_values(&[1.into(), 64.into(), false.into(), 64.into(), 64.into(), 64.into(), 64.into()])
        .unwrap_err();
    assert!(matches!(long, SpecError::ReplayMismatch { position: 6, .. }), "{long:?}");
}
