//! Wiring chosen by hyperparameters, written in the DSL: edge-flag cells
//! counted against brute force, and the invariants of every architecture
//! they freeze into.

use archspace::ports::{Siso, TypedOp};
use archspace::{Architecture, Op, Source, search_space};
use num_bigint::BigUint;
use proptest::prelude::*;

fn op(kind: &'static str) -> TypedOp<Siso> {
    TypedOp::siso(Op::new(kind))
}

fn add(k: usize) -> Op {
    Op::new("add").inputs_indexed(k)
}

fn concat(k: usize) -> Op {
    Op::new("concat").inputs_indexed(k)
}

#[search_space]
fn node() -> Space {
    let op = or_named(conv1x1 = || op("conv1x1"), conv3x3 = || op("conv3x3"), maxpool3x3 = || op("maxpool3x3"));
    expose!(op.in -> op.out)
}

/// NAS-Bench-101's cell: nodes on no path pruned, at most 9 edges.
#[search_space]
fn nasbench_cell() -> Space {
    let cell = dag(nodes = 5, node = |v| node(), combine = |k| add(k), output_combine = |k| concat(k), max_edges = 9);
    expose!(cell.in -> cell.out)
}

/// The same count by brute force over the 21 flags, with the rules written
/// out again here: a node lives on an input→output path; the cell needs such
/// a path and at most 9 edges between live vertices; each live node chooses
/// one of 3 operations.
fn nasbench_brute_force() -> BigUint {
    const N: usize = 7;
    let pairs: Vec<(usize, usize)> = (0..N).flat_map(|i| (i + 1..N).map(move |j| (i, j))).collect();
    let mut total = BigUint::from(0u32);
    for mask in 0u32..1 << pairs.len() {
        let (mut from_input, mut to_output) = (1u32, 1u32 << (N - 1));
        for (e, &(i, j)) in pairs.iter().enumerate() {
            if mask >> e & 1 == 1 && from_input >> i & 1 == 1 {
                from_input |= 1 << j;
            }
        }
        for (e, &(i, j)) in pairs.iter().enumerate().rev() {
            if mask >> e & 1 == 1 && to_output >> j & 1 == 1 {
                to_output |= 1 << i;
            }
        }
        let live = from_input & to_output;
        if live >> (N - 1) & 1 == 0 {
            continue;
        }
        let edges = pairs
            .iter()
            .enumerate()
            .filter(|(e, (i, j))| mask >> e & 1 == 1 && live >> i & 1 == 1 && live >> j & 1 == 1)
            .count();
        if edges <= 9 {
            let nodes = (live & 0b0111110).count_ones();
            total += BigUint::from(3u32).pow(nodes);
        }
    }
    total
}

#[test]
fn the_nasbench_cell_counts_as_brute_force_over_its_flags() {
    assert_eq!(nasbench_cell().def().count().unwrap(), nasbench_brute_force());
}

#[search_space]
fn genetic_stage(nodes: usize) -> Space {
    let input = op("conv5x5");
    let stage = dag(
        nodes = nodes,
        boundary = implicit,
        node = |v| op("conv3x3"),
        combine = |k| add(k),
        output_node = || op("conv3x3"),
    );
    connect!(input.out -> stage.in);
    expose!(input.in -> stage.out)
}

#[test]
fn genetic_stages_take_every_assignment_of_their_bits() {
    // Every assignment of the pair bits is a valid stage.
    for (nodes, bits) in [(3, 3), (4, 6), (5, 10)] {
        assert_eq!(genetic_stage(nodes).def().count().unwrap(), BigUint::from(1u32 << bits));
    }
}

/// Every module is read by another one or by the output: nothing dangles.
fn no_dangling_module(arch: &Architecture) -> bool {
    let read = |i: usize| {
        let reads = |src: &Source| matches!(src, Source::Module { module, .. } if *module == i);
        arch.modules().iter().any(|m| m.inputs.iter().any(|(_, s)| reads(s)))
            || arch.outputs().iter().any(|(_, s)| reads(s))
    };
    (0..arch.modules().len()).all(read)
}

#[search_space]
fn small_cell(nodes: usize, max_edges: usize, prune: bool) -> Space {
    let cell = dag(
        nodes = nodes,
        node = |v| node(),
        combine = |k| add(k),
        edge = |from, to, value| optional(prune && from == 0, || op("projection")),
        max_edges = max_edges,
    );
    expose!(cell.in -> cell.out)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn frozen_cells_are_whole_replay_and_decide_only_for_live_nodes(
        nodes in 1usize..5,
        max_edges in 2usize..8,
        projections in any::<bool>(),
        seed in any::<u64>(),
    ) {
        let def = small_cell(nodes, max_edges, projections).def();
        let count = def.count().unwrap();
        prop_assert!(count > BigUint::from(0u32));
        let mut rng = archspace::rng(seed);
        for _ in 0..10 {
            let arch = def.sample_random(&mut rng).unwrap();
            prop_assert!(no_dangling_module(&arch), "{}", arch);
            prop_assert_eq!(&def.replay(arch.decisions()).unwrap(), &arch);
            let ops = arch.decisions().iter().filter(|d| d.path.ends_with("/idx")).count();
            let kinds = ["conv1x1", "conv3x3", "maxpool3x3"];
            let live = arch.modules().iter().filter(|m| kinds.contains(&m.op.as_ref())).count();
            prop_assert_eq!(ops, live, "{}", arch);
            let edges = arch.decisions().iter().filter(|d| d.path.contains("/edge_")).count();
            prop_assert_eq!(edges, (nodes + 2) * (nodes + 1) / 2);
        }
    }
}
