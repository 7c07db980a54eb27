//! The documented decision order, pinned.
//!
//! DeepArchitect walks backward from the outputs and yields a stale snapshot
//! (deep_architect.md §1.5: `out_act, out_units, opt, reps, reps2, act,
//! units`). archspace deliberately uses **creation order** instead: among the
//! live pending decisions, the one created first comes first. It reads like
//! the program, needs no graph walk per decision (a heap, O(log n)), and does
//! not depend on how outputs are keyed. This test pins our order for the same
//! example.

mod common;

use archspace::{Op, SpaceDef, Value, choice};

fn dense(units: impl Into<archspace::Param>, act: impl Into<archspace::Param>) -> Op {
    Op::new("dense").param("units", units).param("act", act)
}

fn example() -> SpaceDef {
    SpaceDef::new(|s| {
        let act = s.named_choice("act", ["relu", "tanh"])?;
        let units = s.named_choice("units", [32, 64])?;
        let dep = s.named_dependent("dep", &[units], |v| Ok(Value::Int(2 * v[0].as_int().unwrap_or(0))))?;
        let reps = s.named_choice("reps", [1, 2])?;
        let reps2 = s.named_choice("reps2", [1, 2])?;
        let opt = s.named_choice("opt", [false, true])?;
        let x = s.named("x").repeat(reps, move |s| s.basic(dense(units, act)))?;
        let y = s.named("y").optional_with(opt, move |s| s.repeat(reps2, move |s| s.basic(dense(dep, act))))?;
        let z = s.named("z").basic(dense(choice([10, 20]), choice(["softmax", "sigmoid"])))?;
        s.chain(&x, &y)?;
        s.chain(&y, &z)?;
        Ok(s.border_of(&x, &z))
    })
}

#[test]
fn decisions_come_in_creation_order() {
    let def = example();
    let mut space = def.instantiate().unwrap();
    let initial: Vec<String> = space.pending_decisions().into_iter().map(|h| space.hyper_path(h)).collect();
    assert_eq!(initial, ["reps", "opt", "z/units", "z/act"]);
    let mut order = Vec::new();
    while let Some(h) = space.next_decision() {
        order.push(space.hyper_path(h));
        let last = space.domain(h).unwrap().len() - 1;
        space.assign_index(h, last).unwrap();
    }
    assert_eq!(order, ["reps", "act", "units", "opt", "reps2", "z/units", "z/act"]);
    let arch = space.freeze().unwrap();
    assert_eq!(def.replay(arch.decisions()).unwrap(), arch);
}
