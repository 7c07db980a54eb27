use super::*;

/// Brute force over every assignment of `values` per edge, with the
/// wiring rules, for the same weights.
fn brute_force(rules: &Rules, values: &[Vec<Option<u32>>], node: &dyn Fn(usize, usize) -> u32) -> BigUint {
    let mut total = BigUint::zero();
    let mut choice = vec![0usize; values.len()];
    loop {
        let picked: Vec<Option<u32>> = choice.iter().zip(values).map(|(c, v)| v[*c]).collect();
        let present: Vec<bool> = picked.iter().map(Option::is_some).collect();
        if let Ok(wiring) = rules.wiring(&present) {
            let mut product = BigUint::one();
            for (e, p) in picked.iter().enumerate() {
                let Some(weight) = p else { continue };
                let survives = wiring
                    .nodes
                    .iter()
                    .flatten()
                    .chain(std::iter::once(&wiring.output))
                    .flatten()
                    .any(|f| matches!(f, super::super::wiring::Feed::Edge { edge, .. } if *edge == e));
                if survives {
                    product *= *weight;
                }
            }
            for (v, feeds) in wiring.nodes.iter().enumerate() {
                if let Some(feeds) = feeds {
                    product *= node(v, feeds.len());
                }
            }
            product *= 3 + wiring.output.len() as u32;
            total += product;
        }
        let mut position = 0;
        loop {
            if position == choice.len() {
                return total;
            }
            choice[position] += 1;
            if choice[position] < values[position].len() {
                break;
            }
            choice[position] = 0;
            position += 1;
        }
    }
}

fn weights_of(rules: &Rules, values: &[Vec<Option<u32>>], node: &dyn Fn(usize, usize) -> u32) -> Weights<BigUint> {
    let v = rules.vertices();
    Weights {
        edges: values
            .iter()
            .map(|options| EdgeOptions {
                absent: options.contains(&None),
                present: BigUint::from(options.iter().flatten().count()),
                surviving: options
                    .iter()
                    .any(Option::is_some)
                    .then(|| options.iter().flatten().map(|w| BigUint::from(*w)).sum()),
                shared: Vec::new(),
            })
            .collect(),
        node: (0..v).map(|n| (0..=v).map(|k| BigUint::from(node(n, k))).collect()).collect(),
        output: (0..=v).map(|k| BigUint::from(3 + k as u32)).collect(),
        values: Vec::new(),
    }
}

fn check(rules: Rules, values: Vec<Vec<Option<u32>>>) {
    let node = |v: usize, k: usize| (v as u32 + 2) * (k as u32);
    let expected = brute_force(&rules, &values, &node);
    let counted = total(&rules, &weights_of(&rules, &values, &node));
    assert_eq!(counted, expected, "{rules:?}");
    let feasible = total(&rules, &weights_of(&rules, &values, &|_, _| 1).map_feasible());
    assert_eq!(feasible, !expected.is_zero(), "{rules:?}");
}

impl Weights<BigUint> {
    fn map_feasible(&self) -> Weights<bool> {
        Weights {
            edges: self
                .edges
                .iter()
                .map(|e| EdgeOptions {
                    absent: e.absent,
                    present: !e.present.is_zero(),
                    surviving: e.surviving.as_ref().map(|s| !s.is_zero()),
                    shared: e.shared.clone(),
                })
                .collect(),
            node: self.node.iter().map(|ks| ks.iter().map(|w| !w.is_zero()).collect()).collect(),
            output: self.output.iter().map(|w| !w.is_zero()).collect(),
            values: self.values.iter().map(|w| !w.is_zero()).collect(),
        }
    }
}

#[test]
fn shared_values_count_once_per_cell() {
    // Explicit cell of 2 nodes; chain edges take shared value 0 or 1,
    // other edges absent or shared value 1; value v weighs 5 + v once.
    let rules = Rules { nodes: 2, boundary: Boundary::Explicit, off_path: OffPath::Prune, max_edges: None };
    let pairs = edge_pairs(4);
    let options: Vec<Vec<Option<usize>>> =
        pairs.iter().map(|&(i, j)| if j == i + 1 { vec![Some(0), Some(1)] } else { vec![None, Some(1)] }).collect();
    let mut expected = BigUint::zero();
    let mut choice = vec![0usize; options.len()];
    'all: loop {
        let picked: Vec<Option<usize>> = choice.iter().zip(&options).map(|(c, o)| o[*c]).collect();
        let present: Vec<bool> = picked.iter().map(Option::is_some).collect();
        if rules.wiring(&present).is_ok() {
            let mut used: Vec<usize> = picked.iter().flatten().copied().collect();
            used.sort();
            used.dedup();
            expected += used.iter().map(|v| BigUint::from(5 + *v as u32)).product::<BigUint>();
        }
        for position in 0..choice.len() {
            choice[position] += 1;
            if choice[position] < options[position].len() {
                continue 'all;
            }
            choice[position] = 0;
        }
        break;
    }
    let weights = Weights {
        edges: options
            .iter()
            .map(|o| EdgeOptions {
                absent: o.contains(&None),
                present: BigUint::from(o.iter().flatten().count()),
                surviving: None,
                shared: o.iter().flatten().copied().collect(),
            })
            .collect(),
        node: vec![vec![BigUint::one(); 5]; 4],
        output: vec![BigUint::one(); 5],
        values: vec![BigUint::from(5u32), BigUint::from(6u32)],
    };
    assert_eq!(total(&rules, &weights), expected);
}

fn flags(n: usize) -> Vec<Vec<Option<u32>>> {
    vec![vec![None, Some(1)]; n]
}

#[test]
fn counts_match_brute_force_for_every_rule() {
    for nodes in 0..=3 {
        for off_path in [OffPath::Prune, OffPath::Invalid] {
            for max_edges in [None, Some(2), Some(4)] {
                let explicit = Rules { nodes, boundary: Boundary::Explicit, off_path, max_edges };
                check(explicit, flags(explicit.vertices() * (explicit.vertices() - 1) / 2));
                if nodes >= 1 {
                    let implicit = Rules { nodes: nodes + 1, boundary: Boundary::Implicit, off_path, max_edges };
                    check(implicit, flags(implicit.vertices() * (implicit.vertices() - 1) / 2));
                }
            }
        }
    }
}

#[test]
fn counts_match_brute_force_with_edge_values_and_forced_edges() {
    // Chain edges always present with 2 values, others absent or one of 3.
    let rules = Rules { nodes: 2, boundary: Boundary::Explicit, off_path: OffPath::Prune, max_edges: None };
    let values: Vec<Vec<Option<u32>>> = edge_pairs(4)
        .iter()
        .map(|&(i, j)| if j == i + 1 { vec![Some(2), Some(5)] } else { vec![None, Some(1), Some(3), Some(7)] })
        .collect();
    check(rules, values);
    // A fixed edge: only one option.
    let mut fixed = flags(6);
    fixed[0] = vec![None];
    check(rules, fixed);
}
