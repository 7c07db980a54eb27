//! Unit tests of the engine: every `SpecError` a misuse can produce names the
//! element involved; substitutions reroute and forward ports.

use crate::{Alternatives, Domain, Op, Space, SpaceDef, SpecError, Substitution, Value, choice};

fn relu(s: &mut Space) -> Result<crate::Io, SpecError> {
    s.basic(Op::new("relu"))
}

#[test]
fn an_input_takes_one_source() {
    let mut s = Space::new();
    let a = s.named("a").basic(Op::new("relu")).unwrap();
    let b = s.named("b").basic(Op::new("relu")).unwrap();
    let c = s.named("c").basic(Op::new("relu")).unwrap();
    s.chain(&a, &c).unwrap();
    let err = s.chain(&b, &c).unwrap_err();
    assert_eq!(err, SpecError::InputAlreadyConnected { input: "c/in".into(), existing: "a/out".into() });
}

#[test]
fn unknown_ports_list_the_alternatives() {
    let mut s = Space::new();
    let cat = s.basic(Op::new("concat").inputs_indexed(2)).unwrap();
    match cat.input("in2").unwrap_err() {
        SpecError::UnknownPort { port, available, .. } => {
            assert_eq!(port, "in2");
            assert_eq!(available, "`in0`, `in1`");
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn cycles_are_found_at_freeze_and_named() {
    let mut s = Space::new();
    let a = s.named("a").basic(Op::new("add").inputs_indexed(2)).unwrap();
    let b = s.named("b").basic(Op::new("relu")).unwrap();
    s.connect(a.output("out").unwrap(), b.input("in").unwrap()).unwrap();
    s.connect(b.output("out").unwrap(), a.input("in1").unwrap()).unwrap();
    s.set_border(crate::Io::new([a.inputs()[0].clone()], [b.outputs()[0].clone()]));
    match s.freeze().unwrap_err() {
        SpecError::Cycle { cycle } => {
            assert!(cycle.contains(&"a".to_owned()) && cycle.contains(&"b".to_owned()), "{cycle:?}");
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn dangling_inputs_and_unreachable_modules_are_errors() {
    let mut s = Space::new();
    let cat = s.named("cat").basic(Op::new("concat").inputs_indexed(2)).unwrap();
    let a = s.named("a").basic(Op::new("relu")).unwrap();
    s.connect(a.output("out").unwrap(), cat.input("in0").unwrap()).unwrap();
    s.set_border(crate::Io::new([a.inputs()[0].clone()], [cat.outputs()[0].clone()]));
    assert_eq!(s.freeze().unwrap_err(), SpecError::DanglingInput { input: "cat/in1".into() });

    let mut s = Space::new();
    let a = s.named("a").basic(Op::new("relu")).unwrap();
    let lost = s.named("lost").basic(Op::new("relu")).unwrap();
    s.chain(&a, &lost).unwrap();
    let b = s.named("b").basic(Op::new("relu")).unwrap();
    s.chain(&a, &b).unwrap();
    s.set_border(s.border_of(&a, &b));
    assert_eq!(s.freeze().unwrap_err(), SpecError::UnreachableModule { module: "lost".into() });
}

#[test]
fn values_outside_the_domain_are_rejected() {
    let mut s = Space::build(|s| s.named("conv").basic(Op::new("conv").param("filters", choice([8, 16])))).unwrap();
    let h = s.next_decision().unwrap();
    match s.assign(h, &Value::Int(32)).unwrap_err() {
        SpecError::ValueOutsideDomain { path, domain, .. } => {
            assert_eq!(path, "conv/filters");
            assert_eq!(domain, "8, 16");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(matches!(s.assign_index(h, 5), Err(SpecError::ValueOutsideDomain { .. })));
    s.assign_index(h, 1).unwrap();
    assert_eq!(s.assign_index(h, 0).unwrap_err(), SpecError::AlreadyAssigned { path: "conv/filters".into() });
}

#[test]
fn bad_domains_name_their_path() {
    let mut s = Space::new();
    let err = s.named("m").basic(Op::new("conv").param("filters", choice(Vec::<i64>::new()))).unwrap_err();
    assert_eq!(err, SpecError::EmptyDomain { path: "m/filters".into() });
    let err = s.named_choice("mixed", [Value::Int(1), Value::Bool(true)]).unwrap_err();
    assert!(matches!(err, SpecError::MixedDomain { ref path, .. } if path == "mixed"), "{err:?}");
    let err = s.named_choice("twice", [1, 1]).unwrap_err();
    assert!(matches!(err, SpecError::DuplicateValue { ref path, .. } if path == "twice"), "{err:?}");
}

#[test]
fn names_are_unique_per_scope() {
    let mut s = Space::new();
    s.named_choice("n", [1, 2]).unwrap();
    assert_eq!(s.named_choice("n", [1, 2]).unwrap_err(), SpecError::DuplicateName { path: "n".into() });
    s.named("stem").basic(Op::new("relu")).unwrap();
    assert_eq!(s.named("stem").basic(Op::new("relu")).unwrap_err(), SpecError::DuplicateName { path: "stem".into() });
    // Default names take a suffix instead.
    s.basic(Op::new("relu")).unwrap();
    s.basic(Op::new("relu")).unwrap();
    assert_eq!(s.module_path(crate::ModuleId(2)), "relu_1");
}

#[test]
fn dependents_are_computed_and_cannot_be_assigned() {
    let mut s = Space::new();
    let n = s.named_choice("n", [1, 2]).unwrap();
    let n2 = s.named_dependent("n2", &[n], |v| Ok(Value::Int(2 * v[0].as_int().unwrap_or(0)))).unwrap();
    let n3 =
        s.named_dependent("n3", &[n2, n], |v| Ok(Value::Int(v[0].as_int().unwrap() + v[1].as_int().unwrap()))).unwrap();
    s.named("r").repeat(n3, relu).unwrap();
    assert_eq!(s.assign_index(n2, 0).unwrap_err(), SpecError::NotADecision { path: "n2".into() });
    s.assign_index(n, 1).unwrap();
    assert_eq!(s.value(n3), Some(&Value::Int(6)));
}

#[test]
fn a_failing_dependent_names_itself_and_breaks_the_space() {
    let mut s = Space::new();
    let n = s.named_choice("n", [1, 2]).unwrap();
    let d = s.named_dependent("d", &[n], |_| Err("boom".to_owned())).unwrap();
    s.named("r").repeat(d, relu).unwrap();
    let err = s.assign_index(n, 0).unwrap_err();
    assert_eq!(err, SpecError::DependentFailed { path: "d".into(), message: "boom".into() });
    assert!(matches!(s.next_decision().map(|h| s.assign_index(h, 0)), None | Some(Err(SpecError::Unusable { .. }))));
    assert!(matches!(s.freeze(), Err(SpecError::Unusable { .. })));
}

#[test]
fn shared_hyperparameters_are_one_decision() {
    let mut s = Space::new();
    let a = s.shared("width", [8, 16]).unwrap();
    let b = s.shared("width", [8, 16]).unwrap();
    assert_eq!(a, b);
    assert_eq!(s.shared("width", [8, 32]).unwrap_err(), SpecError::SharedDomainMismatch { path: "width".into() });
}

#[test]
fn foreign_ids_are_rejected() {
    let mut s = Space::new();
    assert_eq!(
        s.assign_index(crate::HyperId(9), 0).unwrap_err(),
        SpecError::UnknownId { kind: "hyperparameter", index: 9 }
    );
    assert!(matches!(s.connect(crate::OutputId(0), crate::InputId(0)), Err(SpecError::UnknownId { .. })));
}

#[test]
fn substitutions_must_return_their_ports() {
    let mut s = Space::new();
    let flag = s.named_choice("flag", [false, true]).unwrap();
    let decl = Substitution::siso("broken", vec![("f".into(), flag.into())], |s, _| {
        let cat = s.basic(Op::new("concat").inputs_indexed(2))?;
        Ok(cat)
    });
    s.named("sub").substitution(decl).unwrap();
    match s.assign_index(flag, 1).unwrap_err() {
        SpecError::SubstitutionPorts { module, direction, expected, got } => {
            assert_eq!((module.as_str(), direction), ("sub", "input"));
            assert_eq!(expected, "`in`");
            assert_eq!(got, "`in0`, `in1`");
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn rejections_are_typed_invalid_outcomes() {
    let def = SpaceDef::new(|s| {
        let a = s.named_choice("a", [1, 2, 3]).unwrap();
        let b = s.named_choice("b", [1, 2, 3]).unwrap();
        s.constraint("sum_small", &[a, b], |v| v[0].as_int().unwrap() + v[1].as_int().unwrap() <= 4)?;
        let m = s.basic(Op::new("x").param("a", a).param("b", b))?;
        Ok(m)
    });
    let mut s = def.instantiate().unwrap();
    let a = s.next_decision().unwrap();
    s.assign_index(a, 2).unwrap();
    let b = s.next_decision().unwrap();
    let err = s.assign_index(b, 2).unwrap_err();
    assert!(err.is_invalid());
    assert!(matches!(err, SpecError::Invalid(ref inv) if inv.path == "sum_small"), "{err:?}");
    assert_eq!(def.count().unwrap(), 6u32.into());

    let def = SpaceDef::new(|s| {
        let decl = Substitution::siso("picky", vec![("k".into(), choice([1, 2]))], |s, v| {
            if v.get("k") == Some(&Value::Int(2)) {
                return Err(crate::Invalid::new("k = 2 has no path").into());
            }
            s.basic(Op::new("relu"))
        });
        s.named("cell").substitution(decl)
    });
    let mut s = def.instantiate().unwrap();
    let k = s.next_decision().unwrap();
    match s.assign_index(k, 1).unwrap_err() {
        SpecError::Invalid(inv) => assert_eq!((inv.path.as_str(), inv.reason.as_str()), ("cell", "k = 2 has no path")),
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(def.count().unwrap(), 1u32.into());
}

#[test]
fn bad_combinator_values_are_errors_with_paths() {
    let mut s = Space::new();
    let n = s.named_choice("n", [0, 1]).unwrap();
    s.named("r").repeat(n, relu).unwrap();
    match s.assign_index(n, 0).unwrap_err() {
        SpecError::BadValue { path, .. } => assert_eq!(path, "r"),
        other => panic!("unexpected {other:?}"),
    }
    let mut s = Space::new();
    assert!(matches!(s.sequential(vec![]), Err(SpecError::BadCombinator { combinator: "sequential", .. })));
    assert!(matches!(s.or(Alternatives::list()), Err(SpecError::BadCombinator { combinator: "or", .. })));
}

#[test]
fn freezing_needs_a_border_and_a_full_specification() {
    let mut s = Space::new();
    s.basic(Op::new("relu")).unwrap();
    assert_eq!(s.freeze().unwrap_err(), SpecError::NoBorder);
    let mut s = Space::build(|s| s.named("c").basic(Op::new("conv").param("k", choice([1, 3])))).unwrap();
    assert_eq!(s.freeze().unwrap_err(), SpecError::Unspecified { next: "c/k".into() });
}

#[test]
fn border_inputs_cannot_also_be_fed() {
    let mut s = Space::new();
    let a = s.named("a").basic(Op::new("relu")).unwrap();
    let b = s.named("b").basic(Op::new("relu")).unwrap();
    s.chain(&a, &b).unwrap();
    s.set_border(s.border_of(&b, &b));
    assert!(matches!(s.freeze().unwrap_err(), SpecError::BorderInputConnected { ref input, .. } if input == "b/in"));
}

#[test]
fn removed_ports_and_connected_substitution_inputs_are_errors() {
    let mut s = Space::new();
    let decl = Substitution {
        kind: "drop_second",
        inputs: vec!["a".into(), "b".into()].into(),
        outputs: vec!["out".into()].into(),
        hypers: vec![("k".into(), Domain::new([1, 2]).unwrap().into())],
        function: std::sync::Arc::new(|s, _| {
            let r = s.basic(Op::new("relu"))?;
            Ok(crate::Io::new([("a".into(), r.single_input()?)], r.outputs().to_vec()))
        }),
        allow_input_subset: true,
        allow_output_subset: false,
    };
    let io = s.named("sub").substitution(decl).unwrap();
    let k = s.next_decision().unwrap();
    s.assign_index(k, 0).unwrap();
    let src = s.basic(Op::new("relu")).unwrap();
    let err = s.connect(src.single_output().unwrap(), io.input("b").unwrap()).unwrap_err();
    assert_eq!(err, SpecError::PortRemoved { port: "b".into(), module: "sub".into() });

    let mut s = Space::new();
    let up = s.named("up").basic(Op::new("relu")).unwrap();
    let decl = Substitution::siso("wired", vec![("k".into(), choice([1, 2]))], |s, _| {
        let a = s.basic(Op::new("relu"))?;
        let b = s.basic(Op::new("relu"))?;
        s.chain(&a, &b)?;
        Ok(crate::Io::new(b.inputs().to_vec(), b.outputs().to_vec()))
    });
    let w = s.named("w").substitution(decl).unwrap();
    s.chain(&up, &w).unwrap();
    let k = s.next_decision().unwrap();
    assert_eq!(
        s.assign_index(k, 0).unwrap_err(),
        SpecError::SubstitutionInputConnected { module: "w".into(), port: "in".into() }
    );
}

#[test]
fn substitutions_fire_at_construction_when_values_are_known() {
    let mut s = Space::new();
    let flag = s.named_choice("flag", [true]).unwrap();
    s.named("opt").optional_with(flag, relu).unwrap();
    assert!(s.next_decision().is_none());
    assert!(!s.modules[0].alive, "the optional fired when built");
}

#[test]
fn border_ports_follow_nested_substitutions() {
    // The border is a repeat whose copies are optionals: both substitute.
    let mut s = Space::build(|s| {
        s.named("outer").repeat(choice([1, 2]), |s| s.optional(|s| s.basic(Op::new("conv").param("f", choice([4, 8])))))
    })
    .unwrap();
    while let Some(h) = s.next_decision() {
        let last = s.domain(h).unwrap().len() - 1;
        s.assign_index(h, last).unwrap();
    }
    let arch = s.freeze().unwrap();
    assert_eq!(arch.modules().len(), 2);
    assert_eq!(arch.modules()[0].path, "outer/0/optional/conv");
    assert_eq!(arch.outputs()[0].1, crate::Source::Module { module: 1, output: 0 });
    arch.verify().unwrap();
}

#[test]
fn nested_substitutions_cascade_within_one_assignment() {
    let mut s = Space::new();
    let on = s.shared("on", [false, true]).unwrap();
    let n = s.named_choice("n", [1, 2]).unwrap();
    // `on` is assigned first; when `n` is assigned, the repeat fires and the
    // optionals it builds fire at once because `on` is known.
    let io = s.named("r").repeat(n, move |s| s.optional_with(on, relu)).unwrap();
    s.set_border(io);
    s.assign_index(on, 1).unwrap();
    s.assign_index(n, 1).unwrap();
    assert!(s.next_decision().is_none());
    assert_eq!(s.freeze().unwrap().modules().len(), 2);
}

#[test]
fn space_is_send_sync_and_clone() {
    fn assert_send_sync<T: Send + Sync>() {}
    fn assert_clone<T: Clone>() {}
    assert_send_sync::<Space>();
    assert_clone::<Space>();
    assert_send_sync::<SpaceDef>();
}

#[test]
fn assignments_from_inside_a_substitution_are_refused() {
    let mut s = Space::new();
    let outer = s.named_choice("outer", [1, 2]).unwrap();
    let inner = s.named_choice("inner", [1, 2]).unwrap();
    let decl = Substitution::siso("sneaky", vec![("k".into(), outer.into())], move |s, _| {
        let refused = s.assign_index(inner, 0);
        assert!(matches!(refused, Err(SpecError::Unusable { .. })), "{refused:?}");
        s.basic(Op::new("relu"))
    });
    s.substitution(decl).unwrap();
    s.assign_index(outer, 0).unwrap();
}

#[test]
fn an_invalid_space_refuses_further_use() {
    let mut s = Space::new();
    let a = s.named_choice("a", [1, 2]).unwrap();
    s.constraint("never", &[a], |_| false).unwrap();
    assert!(s.assign_index(a, 0).unwrap_err().is_invalid());
    assert!(matches!(s.basic(Op::new("relu")), Err(SpecError::Unusable { .. })));
}

#[test]
fn paths_stay_unique_across_scopes() {
    let mut s = Space::new();
    s.in_scope("a", |s| s.named("x").basic(Op::new("relu"))).unwrap();
    // Re-entering the scope shares its names.
    let again = s.in_scope("a", |s| s.named("x").basic(Op::new("relu"))).unwrap_err();
    assert_eq!(again, SpecError::DuplicateName { path: "a/x".into() });
    // A substitution module's content lives in the same namespace as a scope of its name.
    let n = s.named_choice("n", [1, 2]).unwrap();
    s.named("r").repeat(n, relu).unwrap();
    s.in_scope("r", |s| s.in_scope(0, |s| s.named("relu").basic(Op::new("relu")))).unwrap();
    s.assign_index(n, 0).unwrap();
    assert_eq!(s.module_path(crate::ModuleId(3)), "r/0/relu_1");
    assert_eq!(s.named("a/b").basic(Op::new("relu")).unwrap_err(), SpecError::BadName { name: "a/b".into() });
}

#[test]
fn index_scopes_read_like_formatted_ones() {
    let mut s = Space::new();
    for i in [0usize, 7, 10, 99, 12_345, usize::MAX] {
        let direct = s.in_index_scope(i, |s| s.scope_path());
        let formatted = s.in_scope(i, |s| s.scope_path());
        assert_eq!(direct, i.to_string());
        assert_eq!(direct, formatted);
    }
}

#[test]
fn combinators_name_their_own_identities() {
    let mut s = Space::new();
    let mut skip = None;
    let cell = s
        .residual(
            relu,
            |s| {
                let io = s.identity()?;
                skip = Some(io.clone());
                Ok(io)
            },
            |s| s.basic(Op::new("add").inputs_indexed(2)),
        )
        .unwrap();
    let skip = skip.unwrap();
    assert_eq!(s.input_path(skip.single_input().unwrap()), "identity/in", "the user's identity keeps its name");
    assert_eq!(s.input_path(cell.single_input().unwrap()), "split/in");
}

/// Child scopes are found by a 64-bit hash of their segment; a segment whose
/// hash is taken by another scope is kept aside and still found again.
#[test]
fn scopes_whose_segment_hash_collides_are_told_apart() {
    let mut s = Space::new();
    let root = s.current_scope();
    let a = s.in_scope("a", |s| s.current_scope());
    // Pretend `b` hashes like `a`.
    s.scope_children.set(Space::segment_key(root, "b"), a);
    let first = s.in_scope("b", |s| s.basic(Op::new("relu"))).unwrap();
    let second = s.in_scope("b", |s| s.basic(Op::new("relu"))).unwrap();
    assert_eq!(s.in_scope("a", |s| s.current_scope()), a);
    assert_eq!(s.output_path(first.single_output().unwrap()), "b/relu/out");
    assert_eq!(s.output_path(second.single_output().unwrap()), "b/relu_1/out", "the same scope `b` both times");
    assert_eq!(s.scope_collisions.len(), 1);
}
