//! Counting a cell's completions by dynamic programming over its edges.
//!
//! The count of a cell is the sum, over the edge values that give a valid
//! cell, of the product of what each built part contributes: a surviving
//! edge the completions of its module, a present edge that is pruned the
//! number of its present values (its module is not built), each live node
//! the completions of its merge and body for its number of inputs, and the
//! output likewise. The sum is never enumerated; vertices are visited in
//! order with a state small enough to decide every rule:
//!
//! - **Explicit boundary.** Which vertices reach the output depends on
//!   edges not yet visited, so that set (`C`) is guessed first, one sum per
//!   guess, and checked as edges are visited: a vertex outside `C` may not
//!   feed one inside; a vertex inside needs an edge to another one (its
//!   *witness*). Which vertices the input reaches (`R`) follows from the
//!   edges visited. A present edge `i → j` survives when `i ∈ R` and `j ∈ C`.
//!   State: `R`, the vertices still without a witness, surviving edges so far.
//! - **Implicit boundary.** Every non-isolated node is live. State: the
//!   nodes with in-edges, the nodes with out-edges, edges so far; a node
//!   without in-edges counts as live at its first out-edge.
//!
//! With one guess per subset of nodes and a state per pair of subsets, this
//! stays small for cells of the sizes used in the literature (5 to 11
//! vertices); it is exact for any size.

use rustc_hash::FxHashMap as HashMap;

use num_bigint::BigUint;
use num_traits::{One, Zero};

use super::wiring::{Rules, edge_pairs};
use super::{Boundary, OffPath};

/// What the dynamic programme adds and multiplies: counts, or feasibility.
pub(crate) trait Semiring: Clone {
    fn nothing() -> Self;
    fn unit() -> Self;
    fn plus(&mut self, other: &Self);
    fn times(&self, other: &Self) -> Self;
    fn is_nothing(&self) -> bool;
    /// Adding anything to a non-zero value changes nothing (feasibility).
    const SATURATES: bool = false;
}

impl Semiring for BigUint {
    fn nothing() -> Self {
        Zero::zero()
    }
    fn unit() -> Self {
        One::one()
    }
    fn plus(&mut self, other: &Self) {
        *self += other;
    }
    fn times(&self, other: &Self) -> Self {
        self * other
    }
    fn is_nothing(&self) -> bool {
        Zero::is_zero(self)
    }
}

impl Semiring for bool {
    fn nothing() -> Self {
        false
    }
    fn unit() -> Self {
        true
    }
    fn plus(&mut self, other: &Self) {
        *self |= *other;
    }
    fn times(&self, other: &Self) -> Self {
        *self && *other
    }
    fn is_nothing(&self) -> bool {
        !*self
    }
    const SATURATES: bool = true;
}

/// The options left to one edge.
#[derive(Clone, Debug)]
pub(crate) struct EdgeOptions<S> {
    /// It may be absent.
    pub(crate) absent: bool,
    /// How many present values it may take (what a pruned edge contributes).
    pub(crate) present: S,
    /// What its present values contribute when it survives.
    pub(crate) surviving: S,
    /// Whether it may be present at all.
    pub(crate) may_be_present: bool,
}

/// What every part of a cell contributes.
#[derive(Clone, Debug)]
pub(crate) struct Weights<S> {
    pub(crate) edges: Vec<EdgeOptions<S>>,
    /// `node[v][k]`: node `v` with `k` inputs (index 0 unused).
    pub(crate) node: Vec<Vec<S>>,
    /// `output[k]`: the output with `k` inputs (index 0 unused).
    pub(crate) output: Vec<S>,
}

/// The total over every valid choice of edges.
pub(crate) fn total<S: Semiring>(rules: &Rules, weights: &Weights<S>) -> S {
    match rules.boundary {
        Boundary::Explicit => explicit(rules, weights),
        Boundary::Implicit => implicit(rules, weights),
    }
}

fn add_to<K: std::hash::Hash + Eq, S: Semiring>(map: &mut HashMap<K, S>, key: K, value: S) {
    if value.is_nothing() {
        return;
    }
    match map.get_mut(&key) {
        Some(total) => total.plus(&value),
        None => {
            map.insert(key, value);
        }
    }
}

fn bit(mask: u64, i: usize) -> bool {
    mask >> i & 1 == 1
}

fn explicit<S: Semiring>(rules: &Rules, w: &Weights<S>) -> S {
    let n = rules.vertices();
    let out = n - 1;
    let pairs = edge_pairs(n);
    let index = |i: usize, j: usize| pairs.iter().position(|p| *p == (i, j)).unwrap_or(0);
    let inner: u64 = ((1u64 << out) - 1) & !1;
    let mut total = S::nothing();
    // Guesses of which nodes reach the output.
    let mut guess = inner;
    loop {
        let c = guess | 1 | 1 << out;
        if (rules.off_path == OffPath::Prune || guess == inner) && consistent(w, c, &pairs) {
            total.plus(&explicit_with(rules, w, c, &index));
            if S::SATURATES && !total.is_nothing() {
                return total;
            }
        }
        if guess == 0 {
            break;
        }
        guess = (guess - 1) & inner;
    }
    total
}

/// Whether guess `c` (the vertices that reach the output) can hold given
/// the edges that must be present: none from outside `c` into it.
fn consistent<S>(w: &Weights<S>, c: u64, pairs: &[(usize, usize)]) -> bool {
    pairs.iter().zip(&w.edges).all(|(&(i, j), e)| e.absent || !e.may_be_present || bit(c, i) || !bit(c, j))
}

/// The sum for one guess `c` of the vertices that reach the output.
fn explicit_with<S: Semiring>(rules: &Rules, w: &Weights<S>, c: u64, index: &dyn Fn(usize, usize) -> usize) -> S {
    let n = rules.vertices();
    let out = n - 1;
    // (reached, without a witness, surviving edges)
    let mut states: HashMap<(u64, u64, u32), S> = HashMap::default();
    states.insert((1, 1, 0), S::unit());
    for j in 1..n {
        let cj = bit(c, j);
        // (reached, without a witness, edges, inputs of j, j reached)
        let mut current: HashMap<(u64, u64, u32, u32, bool), S> =
            states.drain().map(|((r, m, e), s)| ((r, m, e, 0, false), s)).collect();
        for i in 0..j {
            let options = &w.edges[index(i, j)];
            let ci = bit(c, i);
            let mut next = HashMap::with_capacity_and_hasher(current.len() * 2, Default::default());
            for ((r, m, e, k, rj), s) in current {
                if options.absent {
                    add_to(&mut next, (r, m, e, k, rj), s.clone());
                }
                if !options.may_be_present || (!ci && cj) {
                    continue;
                }
                let ri = bit(r, i);
                let survives = ri && cj;
                let (e, k, weight) =
                    if survives { (e + 1, k + 1, &options.surviving) } else { (e, k, &options.present) };
                if rules.max_edges.is_some_and(|max| e as usize > max) {
                    continue;
                }
                let m = if ci && cj { m & !(1 << i) } else { m };
                add_to(&mut next, (r, m, e, k, rj || ri), s.times(weight));
            }
            current = next;
        }
        for ((r, m, e, k, rj), s) in current {
            if j == out {
                if rj && m == 0 {
                    states.entry((r, m, e)).or_insert_with(S::nothing).plus(&s.times(&w.output[k as usize]));
                }
                continue;
            }
            let live = cj && rj;
            if rules.off_path == OffPath::Invalid && !live {
                continue;
            }
            let s = if live { s.times(&w.node[j][k as usize]) } else { s };
            let r = if rj { r | 1 << j } else { r };
            let m = if cj { m | 1 << j } else { m };
            add_to(&mut states, (r, m, e), s);
        }
    }
    let mut total = S::nothing();
    for s in states.values() {
        total.plus(s);
    }
    total
}

fn implicit<S: Semiring>(rules: &Rules, w: &Weights<S>) -> S {
    let n = rules.nodes;
    let pairs = edge_pairs(n);
    let index = |i: usize, j: usize| pairs.iter().position(|p| *p == (i, j)).unwrap_or(0);
    // (nodes with in-edges, nodes with out-edges, edges)
    let mut states: HashMap<(u64, u64, u32), S> = HashMap::default();
    states.insert((0, 0, 0), S::unit());
    for j in 0..n {
        let mut current: HashMap<(u64, u64, u32, u32), S> =
            states.drain().map(|((a, b, e), s)| ((a, b, e, 0), s)).collect();
        for i in 0..j {
            let options = &w.edges[index(i, j)];
            let mut next = HashMap::with_capacity_and_hasher(current.len() * 2, Default::default());
            for ((has_in, has_out, e, k), s) in current {
                if options.absent {
                    add_to(&mut next, (has_in, has_out, e, k), s.clone());
                }
                if !options.may_be_present || rules.max_edges.is_some_and(|max| e as usize >= max) {
                    continue;
                }
                let mut weight = s.times(&options.surviving);
                // A node without in-edges becomes live, reading the input, at its first out-edge.
                if !bit(has_in, i) && !bit(has_out, i) {
                    weight = weight.times(&w.node[i][1]);
                }
                add_to(&mut next, (has_in, has_out | 1 << i, e + 1, k + 1), weight);
            }
            current = next;
        }
        for ((has_in, has_out, e, k), s) in current {
            if k > 0 {
                add_to(&mut states, (has_in | 1 << j, has_out, e), s.times(&w.node[j][k as usize]));
            } else {
                add_to(&mut states, (has_in, has_out, e), s);
            }
        }
    }
    let all = if n == 64 { u64::MAX } else { (1u64 << n) - 1 };
    let mut total = S::nothing();
    for ((has_in, has_out, _), s) in states {
        let live = has_in | has_out;
        if rules.off_path == OffPath::Invalid && live != all {
            continue;
        }
        let sinks = (live & !has_out).count_ones() as usize;
        total.plus(&s.times(&w.output[sinks.max(1)]));
    }
    total
}

#[cfg(test)]
mod tests {
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
                    surviving: options.iter().flatten().map(|w| BigUint::from(*w)).sum(),
                    may_be_present: options.iter().any(Option::is_some),
                })
                .collect(),
            node: (0..v).map(|n| (0..=v).map(|k| BigUint::from(node(n, k))).collect()).collect(),
            output: (0..=v).map(|k| BigUint::from(3 + k as u32)).collect(),
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
                        surviving: !e.surviving.is_zero(),
                        may_be_present: e.may_be_present,
                    })
                    .collect(),
                node: self.node.iter().map(|ks| ks.iter().map(|w| !w.is_zero()).collect()).collect(),
                output: self.output.iter().map(|w| !w.is_zero()).collect(),
            }
        }
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
}
