//! Each combinator builds what DeepArchitect's does.

mod common;

use std::sync::Arc;

use archspace::{Alternatives, Architecture, Io, Op, Source, Space, SpaceDef, SpecError, Value, choice};
use common::{conv2d, relu};

/// Specifies with the given values in order (positional replay).
fn specify(def: &SpaceDef, values: &[Value]) -> Architecture {
    def.replay_values(values).unwrap()
}

fn ops(arch: &Architecture) -> Vec<String> {
    arch.modules().iter().map(|m| m.path.to_string()).collect()
}

#[test]
fn repeat_chains_fresh_copies() {
    let def = SpaceDef::new(|s| s.named("r").repeat(choice([1, 3]), |s| s.basic(conv2d(choice([8, 16])))));
    let arch = specify(&def, &[3.into(), 8.into(), 16.into(), 8.into()]);
    assert_eq!(ops(&arch), ["r/0/conv2d", "r/1/conv2d", "r/2/conv2d"]);
    assert_eq!(arch.modules()[2].inputs[0].1, Source::Module { module: 1, output: 0 });
    let filters: Vec<_> = arch.modules().iter().map(|m| m.param("filters").cloned().unwrap()).collect();
    assert_eq!(filters, [Value::Int(8), Value::Int(16), Value::Int(8)]);
}

#[test]
fn a_hyperparameter_captured_by_a_factory_is_shared_by_all_copies() {
    let def = SpaceDef::new(|s| {
        let width = s.named_choice("width", [8, 16])?;
        s.named("r").repeat(3, move |s| s.basic(conv2d(width)))
    });
    let mut space = def.instantiate().unwrap();
    let only = space.next_decision().unwrap();
    assert_eq!(space.hyper_path(only), "width");
    space.assign_index(only, 1).unwrap();
    assert!(space.next_decision().is_none());
    assert!(space.freeze().unwrap().modules().iter().all(|m| m.param("filters") == Some(&Value::Int(16))));
}

#[test]
fn optional_gives_the_sub_space_or_nothing() {
    let def = SpaceDef::new(|s| {
        let a = s.named("a").basic(Op::new("relu"))?;
        let o = s.named("o").optional(|s| s.basic(Op::new("dropout")))?;
        let b = s.named("b").basic(Op::new("relu"))?;
        s.chain(&a, &o)?;
        s.chain(&o, &b)?;
        Ok(s.border_of(&a, &b))
    });
    assert_eq!(ops(&specify(&def, &[true.into()])), ["a", "o/dropout", "b"]);
    let without = specify(&def, &[false.into()]);
    assert_eq!(ops(&without), ["a", "b"]);
    assert_eq!(without.modules()[1].inputs[0].1, Source::Module { module: 0, output: 0 });
}

#[test]
fn or_picks_by_index_or_by_name() {
    let list = SpaceDef::new(|s| s.named("op").or(Alternatives::list().with(relu).with(|s| s.basic(Op::new("tanh")))));
    assert_eq!(ops(&specify(&list, &[1.into()])), ["op/1/tanh"]);
    let named = SpaceDef::new(|s| {
        s.named("op").or(Alternatives::named()
            .with_named("conv", |s| s.basic(conv2d(4)))
            .with_named("pool", |s| s.basic(Op::new("max_pool"))))
    });
    assert_eq!(ops(&specify(&named, &["conv".into()])), ["op/conv/conv2d"]);
}

#[test]
fn mimo_or_keeps_several_ports() {
    let def = SpaceDef::new(|s| {
        let two_in = |op: &'static str| move |s: &mut Space| s.basic(Op::new(op).inputs_indexed(2).outputs_indexed(2));
        let alts = Alternatives::list().with(two_in("swap")).with(two_in("mix"));
        let inputs = archspace::indexed_names("in", 2);
        let outputs = archspace::indexed_names("out", 2);
        let or = s.named("pair").or_mimo(inputs, outputs, alts, choice([0, 1]), false)?;
        let cat = s.named("cat").basic(Op::new("concat").inputs_indexed(2))?;
        s.connect(or.output("out1")?, cat.input("in0")?)?;
        s.connect(or.output("out0")?, cat.input("in1")?)?;
        Ok(Io::new(or.inputs().to_vec(), cat.outputs().to_vec()))
    });
    let arch = specify(&def, &[1.into()]);
    assert_eq!(ops(&arch), ["pair/1/mix", "cat"]);
    assert_eq!(arch.modules()[1].inputs[0].1, Source::Module { module: 0, output: 1 });
    assert_eq!(arch.inputs().len(), 2);
}

#[test]
fn permutation_orders_fragments_and_keeps_their_paths() {
    let def = SpaceDef::new(|s| {
        let f = |op: &'static str| -> archspace::Factory { Arc::new(move |s: &mut Space| s.basic(Op::new(op))) };
        s.named("p").permutation(vec![f("a"), f("b"), f("c")])
    });
    // Index 3 is the fourth permutation in lexicographic order: (1, 2, 0).
    assert_eq!(ops(&specify(&def, &[3.into()])), ["p/1/b", "p/2/c", "p/0/a"]);
}

#[test]
fn split_combine_fans_out_and_joins() {
    let def = SpaceDef::new(|s| {
        s.named("sc").split_combine(choice([2, 3]), relu, |s, n| s.basic(Op::new("add").inputs_indexed(n)))
    });
    let arch = specify(&def, &[3.into()]);
    let add = arch.modules().last().unwrap();
    assert_eq!(add.op, "add");
    assert_eq!(add.inputs.len(), 3);
    for (k, (_, src)) in add.inputs.iter().enumerate() {
        let Source::Module { module, .. } = *src else { panic!("branch {k} should be a module") };
        assert_eq!(arch.modules()[module].inputs[0].1, Source::Input { index: 0 });
    }
}

#[test]
fn residual_adds_the_skip_path() {
    let def = SpaceDef::new(|s| {
        s.residual(|s| s.basic(conv2d(8)), |s| s.identity(), |s| s.basic(Op::new("add").inputs_indexed(2)))
    });
    let arch = specify(&def, &[]);
    assert_eq!(arch.modules().len(), 2);
    let add = &arch.modules()[1];
    assert_eq!(add.inputs[0].1, Source::Module { module: 0, output: 0 });
    assert_eq!(add.inputs[1].1, Source::Input { index: 0 });
}

#[test]
fn dense_block_reads_every_earlier_output() {
    let def = SpaceDef::new(|s| {
        s.named("db")
            .dense_block(choice([3]), choice([true]), relu, |s, n| s.basic(Op::new("concat").inputs_indexed(n)))
    });
    let arch = specify(&def, &[]);
    let concats: Vec<_> = arch.modules().iter().filter(|m| m.op == "concat").map(|m| m.inputs.len()).collect();
    // Before applications 1 and 2 (2 and 3 inputs), and at the end (4 inputs).
    assert_eq!(concats, [2, 3, 4]);
    assert_eq!(arch.modules().iter().filter(|m| m.op == "relu").count(), 3);
}

#[test]
fn nested_repeat_wraps_the_previous_result() {
    let def = SpaceDef::new(|s| {
        let io_names = || (vec!["in".into()], vec!["out".into()]);
        let (i, o) = io_names();
        s.named("nest").nested_repeat(i, o, choice([1, 3]), relu, |s, inner| {
            let pre = s.basic(Op::new("pre"))?;
            let post = s.basic(Op::new("post"))?;
            s.chain(&pre, &inner)?;
            s.chain(&inner, &post)?;
            Ok(s.border_of(&pre, &post))
        })
    });
    let arch = specify(&def, &[3.into()]);
    let order: Vec<_> = arch.modules().iter().map(|m| m.op.to_string()).collect();
    assert_eq!(order, ["pre", "pre", "relu", "post", "post"]);
}

#[test]
fn carriers_hold_global_hyperparameters() {
    let def = SpaceDef::new(|s| {
        s.named("train").carrier(vec![("lr".into(), choice([0.1, 0.01])), ("batch".into(), 64.into())])?;
        relu(s)
    });
    let mut space = def.instantiate().unwrap();
    let lr = space.next_decision().unwrap();
    assert_eq!(space.hyper_path(lr), "train/lr");
    space.assign_index(lr, 1).unwrap();
    let arch = space.freeze().unwrap();
    assert_eq!(arch.global("train/lr"), Some(&Value::Float(0.01)));
    assert_eq!(arch.global("train/batch"), Some(&Value::Int(64)));
    assert_eq!(arch.decisions().len(), 1);
}

#[test]
fn single_value_domains_are_constants() {
    let def = SpaceDef::new(|s| s.repeat(choice([2]), |s| s.basic(conv2d(choice([32])))));
    let mut space = def.instantiate().unwrap();
    assert!(space.next_decision().is_none());
    assert_eq!(space.freeze().unwrap().modules().len(), 2);
}

#[test]
fn sub_space_errors_name_the_path() {
    let def = SpaceDef::new(|s| s.named("outer").repeat(choice([1, 2]), |s| s.or(Alternatives::list())));
    let mut space = def.instantiate().unwrap();
    let n = space.next_decision().unwrap();
    match space.assign_index(n, 0).unwrap_err() {
        SpecError::BadCombinator { combinator, path, .. } => assert_eq!((combinator, path.as_str()), ("or", "outer/0")),
        other => panic!("unexpected {other:?}"),
    }
}
