use num_bigint::BigUint;

use super::{Boundary, DagCell, OffPath};
use crate::{Op, Param, Space, SpaceDef, SpecError, Value, choice, rng};

fn add(s: &mut Space, k: usize) -> Result<crate::Io, SpecError> {
    s.basic(Op::new("add").inputs_indexed(k))
}

fn concat(s: &mut Space, k: usize) -> Result<crate::Io, SpecError> {
    s.basic(Op::new("concat").inputs_indexed(k))
}

/// A NAS-Bench-101-like cell: `nodes` nodes each choosing one of three ops.
fn op_cell(nodes: usize, off_path: OffPath, max_edges: Option<usize>) -> DagCell {
    let cell =
        DagCell::new(nodes, |s, _| s.basic(Op::new("op").param("kind", choice(["conv1", "conv3", "max3"]))), add)
            .output_combine(concat)
            .off_path(off_path);
    match max_edges {
        Some(max) => cell.max_edges(max),
        None => cell,
    }
}

/// Independent brute force over the flags of an explicit cell: a node is
/// live if it is on an input→output path; `weight(live nodes)` per valid cell.
fn brute_force_explicit(nodes: usize, off_path: OffPath, max_edges: Option<usize>, per_node: u64) -> BigUint {
    let n = nodes + 2;
    let pairs: Vec<(usize, usize)> = (0..n).flat_map(|i| (i + 1..n).map(move |j| (i, j))).collect();
    let mut total = BigUint::from(0u32);
    for mask in 0u64..1 << pairs.len() {
        let edge = |e: usize| mask >> e & 1 == 1;
        let mut from_input = vec![false; n];
        from_input[0] = true;
        for (e, &(i, j)) in pairs.iter().enumerate() {
            if edge(e) && from_input[i] {
                from_input[j] = true;
            }
        }
        let mut to_output = vec![false; n];
        to_output[n - 1] = true;
        for (e, &(i, j)) in pairs.iter().enumerate().rev() {
            if edge(e) && to_output[j] {
                to_output[i] = true;
            }
        }
        if !from_input[n - 1] {
            continue;
        }
        let live: Vec<usize> = (1..n - 1).filter(|&v| from_input[v] && to_output[v]).collect();
        // The strict rule: a node with an edge must be live; one with none is dropped.
        let has_edge = |v: usize| pairs.iter().enumerate().any(|(e, &(i, j))| edge(e) && (i == v || j == v));
        if off_path == OffPath::Invalid && (1..n - 1).any(|v| !live.contains(&v) && has_edge(v)) {
            continue;
        }
        let kept = pairs
            .iter()
            .enumerate()
            .filter(|(e, (i, j))| edge(*e) && from_input[*i] && to_output[*i] && from_input[*j] && to_output[*j])
            .count();
        if max_edges.is_some_and(|m| kept > m) {
            continue;
        }
        total += BigUint::from(per_node).pow(live.len() as u32);
    }
    total
}

#[test]
fn nasbench_cell_counts_as_brute_force_over_its_21_flags() {
    let def = SpaceDef::new(|s| s.dag(op_cell(5, OffPath::Prune, Some(9))));
    let expected = brute_force_explicit(5, OffPath::Prune, Some(9), 3);
    assert_eq!(def.count().unwrap(), expected);
    let strict = SpaceDef::new(|s| s.dag(op_cell(5, OffPath::Invalid, Some(9))));
    assert_eq!(strict.count().unwrap(), brute_force_explicit(5, OffPath::Invalid, Some(9), 3));
}

#[test]
fn small_cells_count_as_their_enumeration() {
    for nodes in 1..=2 {
        for off_path in [OffPath::Prune, OffPath::Invalid] {
            for max in [None, Some(3)] {
                let def = SpaceDef::new(move |s| s.dag(op_cell(nodes, off_path, max)));
                let enumerated = def.enumerate().filter(Result::is_ok).count();
                assert_eq!(def.count().unwrap(), BigUint::from(enumerated), "{nodes} {off_path:?} {max:?}");
                assert_eq!(def.count().unwrap(), brute_force_explicit(nodes, off_path, max, 3));
            }
        }
    }
}

/// Genetic CNN's stage: implicit boundary, every node an `add` then a conv.
fn genetic_stage(nodes: usize) -> DagCell {
    DagCell::new(nodes, |s, _| s.basic(Op::new("conv")), add)
        .boundary(Boundary::Implicit)
        .output_node(|s| s.basic(Op::new("conv")))
}

#[test]
fn implicit_cells_take_every_flag_assignment() {
    for nodes in 2..=4 {
        let def = SpaceDef::new(move |s| s.dag(genetic_stage(nodes)));
        let flags = nodes * (nodes - 1) / 2;
        assert_eq!(def.count().unwrap(), BigUint::from(1u64 << flags));
        assert_eq!(def.enumerate().filter(Result::is_ok).count(), 1 << flags);
    }
    // Every assignment freezes: isolated nodes are dropped, sources read the input.
    let def = SpaceDef::new(|s| s.dag(genetic_stage(4)));
    for arch in def.enumerate() {
        let arch = arch.unwrap();
        assert_eq!(def.replay(arch.decisions()).unwrap(), arch);
    }
}

#[test]
fn implicit_cells_with_decisions_inside_count_as_their_enumeration() {
    let cell = || {
        DagCell::new(3, |s, _| s.basic(Op::new("conv").param("k", choice([3, 5]))), add)
            .boundary(Boundary::Implicit)
            .edge(|s, _, _, _| s.optional(|s| s.basic(Op::new("relu"))))
            .max_edges(2)
    };
    let def = SpaceDef::new(move |s| s.dag(cell()));
    let enumerated = def.enumerate().filter(Result::is_ok).count();
    assert_eq!(def.count().unwrap(), BigUint::from(enumerated));
}

#[test]
fn edges_with_values_choose_what_they_carry() {
    // Liu et al.'s motifs: chain edges always present (1..=2), the others absent (0) or 1..=2.
    let cell = || {
        DagCell::new(2, |s, _| s.basic(Op::new("conv1x1")), concat)
            .edge_values([0, 1, 2], 0, true)
            .edge(|s, _, _, value| s.basic(Op::new("primitive").param("index", value.clone())))
            .output_node(|s| s.basic(Op::new("conv1x1")))
    };
    let def = SpaceDef::new(move |s| s.dag(cell()));
    // Every node is live through the chain: 2^3 chain values times 3^3 others.
    assert_eq!(def.count().unwrap(), BigUint::from(8u32 * 27));
    assert_eq!(def.enumerate().filter(Result::is_ok).count(), 8 * 27);
    // The same with the edges given one by one.
    let given = || {
        let edges: Vec<Param> = super::edge_pairs(4)
            .into_iter()
            .map(|(i, j)| if j == i + 1 { choice([1, 2]) } else { choice([0, 1, 2]) })
            .collect();
        DagCell::new(2, |s, _| s.basic(Op::new("conv1x1")), concat)
            .edges(edges, 0)
            .edge(|s, _, _, value| s.basic(Op::new("primitive").param("index", value.clone())))
            .output_node(|s| s.basic(Op::new("conv1x1")))
    };
    let def = SpaceDef::new(move |s| s.dag(given()));
    assert_eq!(def.count().unwrap(), BigUint::from(8u32 * 27));
}

#[test]
fn pruned_nodes_leave_no_decision_and_frozen_cells_replay() {
    let def = SpaceDef::new(|s| s.dag(op_cell(5, OffPath::Prune, Some(9))));
    let mut r = rng(3);
    for _ in 0..60 {
        let arch = def.sample_random(&mut r).unwrap();
        let edges = arch.decisions().iter().filter(|d| d.path.contains("/edge_")).count();
        let ops = arch.decisions().iter().filter(|d| d.path.ends_with("/kind")).count();
        let live = arch.modules().iter().filter(|m| m.op.as_ref() == "op").count();
        assert_eq!((edges, ops), (21, live), "{arch}");
        assert_eq!(def.replay(arch.decisions()).unwrap(), arch);
        // No dangling node: every module reads something and is read, or is the output.
        for (i, _) in arch.modules().iter().enumerate() {
            let read = arch.modules().iter().any(|m| {
                m.inputs.iter().any(|(_, src)| matches!(src, crate::Source::Module { module, .. } if *module == i))
            }) || arch
                .outputs()
                .iter()
                .any(|(_, src)| matches!(src, crate::Source::Module { module, .. } if *module == i));
            assert!(read, "module {i} of {arch} is read by nothing");
        }
    }
}

#[test]
fn per_decision_sampling_avoids_invalid_cells() {
    let def = SpaceDef::new(|s| s.dag(op_cell(5, OffPath::Invalid, Some(9))));
    let mut r = rng(11);
    for _ in 0..100 {
        def.sample_random(&mut r).unwrap();
    }
    for seed in 0..20 {
        def.sample_uniform(&mut rng(seed)).unwrap();
    }
}

#[test]
fn stacked_copies_in_a_share_frame_count_as_one_cell() {
    let stacked = SpaceDef::new(|s| {
        let a = s.in_scope("a", |s| s.sharing("cell", |s| s.dag(op_cell(3, OffPath::Prune, Some(5)))))?;
        let b = s.in_scope("b", |s| s.sharing("cell", |s| s.dag(op_cell(3, OffPath::Prune, Some(5)))))?;
        s.chain(&a, &b)?;
        Ok(s.border_of(&a, &b))
    });
    let single = SpaceDef::new(|s| s.dag(op_cell(3, OffPath::Prune, Some(5))));
    assert_eq!(stacked.count().unwrap(), single.count().unwrap());
    let arch = stacked.sample_random(&mut rng(2)).unwrap();
    let kinds: Vec<&Value> = arch.modules().iter().filter_map(|m| m.param("kind")).collect();
    assert_eq!(kinds[..kinds.len() / 2], kinds[kinds.len() / 2..]);
}

#[test]
fn cells_whose_nodes_read_outside_decisions_are_counted_by_branching() {
    let def = SpaceDef::new(|s| {
        let width = s.named_choice("width", [8, 16])?;
        let stem = s.named("stem").basic(Op::new("conv").param("filters", width))?;
        let cell = s.dag(DagCell::new(2, move |s, _| s.repeat(width, |s| s.basic(Op::new("id"))), add).max_edges(3))?;
        s.chain(&stem, &cell)?;
        Ok(s.border_of(&stem, &cell))
    });
    let enumerated = def.enumerate().filter(Result::is_ok).count();
    assert_eq!(def.count().unwrap(), BigUint::from(enumerated));
}

#[test]
fn edges_sharing_the_decisions_of_their_value_count_them_once() {
    // Each edge value builds a sub-cell whose decision is shared by every
    // edge of that value (Liu et al.'s hierarchical motifs): a product of
    // edge weights would count it once per edge.
    let def = SpaceDef::new(|s| {
        let cell = DagCell::new(1, |s, _| s.basic(Op::new("node")), concat).edge_values([0, 1, 2], 0, true).edge(
            |s, _, _, value| {
                let key = format!("motif{value}");
                s.sharing(key, |s| s.basic(Op::new("motif").param("k", choice([1, 3, 5]))))
            },
        );
        s.dag(cell)
    });
    let enumerated = def.enumerate().filter(Result::is_ok).count();
    assert_eq!(def.count().unwrap(), BigUint::from(enumerated));
}

/// Liu et al.'s hierarchy, small: the outer cell's edges (values 0, 1, 2;
/// 0 absent) choose between two inner cells, each shared by every edge that
/// uses it, whose edges take `inner_values` (0 absent).
fn two_level_hierarchy(inner_values: &'static [i64]) -> SpaceDef {
    let inner = move |s: &mut Space, which: i64| {
        s.sharing(format!("motif{which}"), |s| {
            s.dag(
                DagCell::new(1, |s, _| s.basic(Op::new("node")), concat)
                    .edge_values(inner_values.iter().copied(), 0, true)
                    .edge(|s, _, _, value| s.basic(Op::new("primitive").param("index", value.clone()))),
            )
        })
    };
    SpaceDef::new(move |s| {
        let outer = DagCell::new(1, |s, _| s.basic(Op::new("node")), concat)
            .edge_values([0, 1, 2], 0, true)
            .edge(move |s, _, _, value| inner(s, value.as_int().unwrap_or(0)));
        s.dag(outer)
    })
}

#[test]
fn cells_on_edges_of_cells_count_as_their_enumeration() {
    let def = two_level_hierarchy(&[0, 1, 2]);
    let enumerated = def.enumerate().filter(Result::is_ok).count();
    assert_eq!(def.count().unwrap(), BigUint::from(enumerated));
}

/// Pearson's statistic of `draws` samples from `sample` against the uniform
/// distribution over the complete assignments of `def`, and the 0.1%
/// critical value for its degrees of freedom (Wilson–Hilferty).
fn chi_square(
    def: &SpaceDef,
    draws_per_architecture: usize,
    mut sample: impl FnMut(&mut rand_chacha::ChaCha8Rng) -> crate::Architecture,
) -> (f64, f64) {
    let key = |a: &crate::Architecture| -> Vec<(String, Value)> {
        a.decisions().iter().map(|d| (d.path.to_string(), d.value.clone())).collect()
    };
    let all: Vec<_> = def.enumerate().filter_map(Result::ok).map(|a| key(&a)).collect();
    let mut seen: std::collections::HashMap<_, usize> = all.iter().map(|k| (k.clone(), 0)).collect();
    assert_eq!(seen.len(), all.len(), "distinct assignments");
    let draws = draws_per_architecture * all.len();
    let mut r = rng(7);
    for _ in 0..draws {
        *seen.get_mut(&key(&sample(&mut r))).expect("an enumerated assignment") += 1;
    }
    let expected = draws_per_architecture as f64;
    let statistic = seen.values().map(|&o| (o as f64 - expected).powi(2) / expected).sum();
    let k = (all.len() - 1) as f64;
    let z = 3.09;
    let critical = k * (1.0 - 2.0 / (9.0 * k) + z * (2.0 / (9.0 * k)).sqrt()).powi(3);
    (statistic, critical)
}

#[test]
fn uniform_sampling_draws_a_cell_in_proportion_to_its_completions() {
    // Cells with more live nodes have more operation assignments: uniform
    // over architectures is not uniform per flag.
    let def = SpaceDef::new(|s| s.dag(op_cell(2, OffPath::Invalid, Some(4))));
    let (uniform, critical) = chi_square(&def, 40, |r| def.sample_uniform(r).unwrap());
    assert!(uniform < critical, "sample_uniform: chi-square {uniform:.1} above {critical:.1}");
    let (per_decision, critical) = chi_square(&def, 40, |r| def.sample_random(r).unwrap());
    assert!(per_decision > critical, "per-decision sampling should not look uniform ({per_decision:.1})");
}

#[test]
fn uniform_sampling_counts_shared_values_once() {
    // An outer edge using an inner cell already used adds no decisions.
    let def = two_level_hierarchy(&[0, 1]);
    let (uniform, critical) = chi_square(&def, 20, |r| def.sample_uniform(r).unwrap());
    assert!(uniform < critical, "sample_uniform: chi-square {uniform:.1} above {critical:.1}");
}
