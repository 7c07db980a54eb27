use num_bigint::BigUint;

use crate::{Op, Space, SpaceDef, SpecError, choice, rng};

fn conv(s: &mut Space, name: &str) -> Result<crate::Io, SpecError> {
    s.named(name.to_owned()).basic(Op::new("conv").param("k", choice([1, 3])))
}

fn concat(s: &mut Space, k: usize) -> Result<crate::Io, SpecError> {
    s.basic(Op::new("concat").inputs_indexed(k))
}

/// A NASNet-like cell: two states, three nodes each adding two selected,
/// transformed states; the unused nodes concatenated.
fn nasnet_like(s: &mut Space) -> Result<crate::Io, SpecError> {
    let h0 = s.named("h0").identity()?;
    let h1 = s.named("h1").basic(Op::new("conv"))?;
    s.chain(&h0, &h1)?;
    let mut states = vec![h0.single_output()?, h1.single_output()?];
    let mut nodes = Vec::new();
    for node in 0..3 {
        let added = s.in_scope(format!("node{node}"), |s| {
            let sum = s.named("add").basic(Op::new("add").inputs_indexed(2))?;
            for slot in 0..2 {
                let picked = s.named(format!("input{slot}")).select(choice(0..states.len() as i64), &states)?;
                let op = conv(s, &format!("op{slot}"))?;
                s.chain(&picked, &op)?;
                s.connect(op.single_output()?, sum.input(&format!("in{slot}"))?)?;
            }
            Ok::<_, SpecError>(sum)
        })?;
        states.push(added.single_output()?);
        nodes.push(added.single_output()?);
    }
    let out = s.combine_unused(&nodes, concat)?;
    Ok(crate::Io::new([("in".into(), h0.single_input()?)], out.outputs().iter().cloned()))
}

#[test]
fn selections_count_as_leaves_and_every_assignment_freezes() {
    let def = SpaceDef::new(nasnet_like);
    // Indices 2·2, 3·3, 4·4; two binary ops per node.
    let expected = BigUint::from((2u32 * 2) * (3 * 3) * (4 * 4) * 4u32.pow(3));
    assert_eq!(def.count().unwrap(), expected);
    let mut seen = 0;
    for arch in def.enumerate() {
        let arch = arch.unwrap();
        assert_eq!(def.replay(arch.decisions()).unwrap(), arch);
        // The last node is never selected, so it is always concatenated.
        seen += 1;
    }
    assert_eq!(BigUint::from(seen as u32), expected);
}

#[test]
fn unselected_sources_are_pruned_and_unused_states_combined() {
    let def = SpaceDef::new(nasnet_like);
    let mut r = rng(5);
    for _ in 0..100 {
        let arch = def.sample_random(&mut r).unwrap();
        let used_inputs = arch.modules().iter().filter(|m| m.op.as_ref() == "add").count();
        assert_eq!(used_inputs, 3);
        // Every op module feeds an add: the unselected ones are not frozen.
        let ops = arch.modules().iter().filter(|m| m.path.contains("/op")).count();
        assert_eq!(ops, 6);
    }
}

#[test]
fn a_module_no_selection_released_is_still_unreachable() {
    let err = Space::build(|s| {
        let a = s.named("a").basic(Op::new("conv"))?;
        let _lost = s.named("lost").basic(Op::new("conv"))?;
        let pick = s.select(0, &[a.single_output()?])?;
        Ok(s.border_of(&a, &pick))
    })
    .and_then(|mut s| s.freeze())
    .unwrap_err();
    assert_eq!(err, SpecError::UnreachableModule { module: "lost".into() });
}

#[test]
fn a_selection_fixed_at_construction_releases_the_others() {
    let mut s = Space::build(|s| {
        let stem = s.named("stem").identity()?;
        let a = s.named("a").basic(Op::new("conv"))?;
        let b = s.named("b").basic(Op::new("pool"))?;
        s.chain(&stem, &a)?;
        s.chain(&stem, &b)?;
        let pick = s.select(1, &[a.single_output()?, b.single_output()?])?;
        Ok(s.border_of(&stem, &pick))
    })
    .unwrap();
    let arch = s.freeze().unwrap();
    assert_eq!(arch.modules().iter().map(|m| m.path.as_str()).collect::<Vec<_>>(), ["b"]);
}

#[test]
fn an_index_beyond_the_sources_is_an_error() {
    let err = Space::build(|s| {
        let a = s.named("a").basic(Op::new("conv"))?;
        let pick = s.select(choice([0, 1, 2]), &[a.single_output()?])?;
        Ok(s.border_of(&a, &pick))
    })
    .and_then(|mut s| {
        let idx = s.next_decision().unwrap();
        s.assign_index(idx, 2)
    })
    .unwrap_err();
    assert!(err.to_string().contains("below 1"), "{err}");
}
