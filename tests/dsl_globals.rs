//! `global` in the DSL: every carried hyperparameter of a space appears in
//! the architecture's globals as `hyperparameters/NAME` (in path order).

use archspace::{Op, Param, Value, search_space};

fn dense(units: impl Into<Param>) -> Op {
    Op::new("dense").param("units", units)
}

#[search_space]
fn recipe_and_layer() -> Space {
    let learning_rate = global([0.001, 0.01]);
    let weight_decay = global([0.0, 0.05]);
    let smoothing = global([0.1]);
    let units = choice([8, 16]);
    let layer = dense(units);
    expose!(layer.in -> layer.out)
}

#[test]
fn every_global_is_carried_under_one_name() {
    let def = recipe_and_layer().def();
    let arch = def.sample_random(&mut archspace::rng(2)).expect("the space samples");
    let paths: Vec<&str> = arch.globals().iter().map(|(path, _)| path.as_str()).collect();
    assert_eq!(paths, ["hyperparameters/learning_rate", "hyperparameters/smoothing", "hyperparameters/weight_decay"]);
    assert_eq!(arch.global("hyperparameters/smoothing"), Some(&Value::Float(0.1)));
}
