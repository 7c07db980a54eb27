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
    /// What its present values whose decisions are its own contribute when
    /// it survives (`None` if it has none).
    pub(crate) surviving: Option<S>,
    /// Its present values whose decisions are shared by every edge of that
    /// value (indices into [`Weights::values`]): each counts once per cell.
    pub(crate) shared: Vec<usize>,
}

impl EdgeOptions<bool> {
    /// Feasibility options of an edge fixed to absent or to present.
    pub(crate) fn only(present: bool) -> Self {
        EdgeOptions { absent: !present, present, surviving: present.then_some(true), shared: Vec::new() }
    }
}

impl<S: Semiring> EdgeOptions<S> {
    /// No option at all (what options are added to).
    pub(crate) fn none() -> Self {
        EdgeOptions { absent: false, present: S::nothing(), surviving: None, shared: Vec::new() }
    }
}

impl<S> EdgeOptions<S> {
    /// Whether it may be present at all.
    pub(crate) fn may_be_present(&self) -> bool {
        self.surviving.is_some() || !self.shared.is_empty()
    }
}

/// What every part of a cell contributes.
#[derive(Clone, Debug)]
pub(crate) struct Weights<S> {
    pub(crate) edges: Vec<EdgeOptions<S>>,
    /// `node[v][k]`: node `v` with `k` inputs (index 0 unused).
    pub(crate) node: Vec<Vec<S>>,
    /// `output[k]`: the output with `k` inputs (index 0 unused).
    pub(crate) output: Vec<S>,
    /// Shared edge values: what the decisions of each contribute, once.
    pub(crate) values: Vec<S>,
}

impl<S: Semiring> Weights<S> {
    /// What the shared values in `used` contribute.
    fn of_values(&self, used: u64) -> S {
        let mut product = S::unit();
        for (id, w) in self.values.iter().enumerate() {
            if bit(used, id) {
                product = product.times(w);
            }
        }
        product
    }
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
        if consistent(w, c, &pairs) {
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
    pairs.iter().zip(&w.edges).all(|(&(i, j), e)| e.absent || !e.may_be_present() || bit(c, i) || !bit(c, j))
}

/// A strict-rule state while the edges into one node are decided: the node
/// state, then the inputs of the node so far, whether it is reached and
/// whether it has an in-edge.
type StrictEdgeState = (u64, u64, u32, u64, u64, u32, bool, bool);

/// The sum for one guess `c` of the vertices that reach the output.
fn explicit_with<S: Semiring>(rules: &Rules, w: &Weights<S>, c: u64, index: &dyn Fn(usize, usize) -> usize) -> S {
    let n = rules.vertices();
    let out = n - 1;
    let strict = rules.off_path == OffPath::Invalid;
    // (reached, without a witness, surviving edges, shared values used,
    // nodes off every path that must stay without edges: strict rule only)
    let mut states: HashMap<(u64, u64, u32, u64, u64), S> = HashMap::default();
    states.insert((1, 1, 0, 0, 0), S::unit());
    let mut total = S::nothing();
    for j in 1..n {
        let cj = bit(c, j);
        // (.., inputs of j, j reached, j has an in-edge)
        let mut current: HashMap<StrictEdgeState, S> =
            states.drain().map(|((r, m, e, u, d), s)| ((r, m, e, u, d, 0, false, false), s)).collect();
        for i in 0..j {
            let options = &w.edges[index(i, j)];
            let ci = bit(c, i);
            let mut next = HashMap::with_capacity_and_hasher(current.len() * 2, Default::default());
            for ((r, m, e, u, d, k, rj, any), s) in current {
                if options.absent {
                    add_to(&mut next, (r, m, e, u, d, k, rj, any), s.clone());
                }
                if !options.may_be_present() || (!ci && cj) || bit(d, i) {
                    continue;
                }
                let ri = bit(r, i);
                let m = if ci && cj { m & !(1 << i) } else { m };
                if !(ri && cj) {
                    // Present but pruned: its value is decided, its module is not built.
                    add_to(&mut next, (r, m, e, u, d, k, rj || ri, true), s.times(&options.present));
                    continue;
                }
                if rules.max_edges.is_some_and(|max| e as usize >= max) {
                    continue;
                }
                if let Some(weight) = &options.surviving {
                    add_to(&mut next, (r, m, e + 1, u, d, k + 1, true, true), s.times(weight));
                }
                for &id in &options.shared {
                    add_to(&mut next, (r, m, e + 1, u | 1 << id, d, k + 1, true, true), s.clone());
                }
            }
            current = next;
        }
        for ((r, m, e, u, d, k, rj, any), s) in current {
            if j == out {
                if rj && m == 0 {
                    total.plus(&s.times(&w.output[k as usize]).times(&w.of_values(u)));
                }
                continue;
            }
            let live = cj && rj;
            // The strict rule: a node off every path may have no edge at all.
            if strict && !live && any {
                continue;
            }
            let d = if strict && !live { d | 1 << j } else { d };
            let s = if live { s.times(&w.node[j][k as usize]) } else { s };
            let r = if rj { r | 1 << j } else { r };
            let m = if cj { m | 1 << j } else { m };
            add_to(&mut states, (r, m, e, u, d), s);
        }
    }
    total
}

fn implicit<S: Semiring>(rules: &Rules, w: &Weights<S>) -> S {
    let n = rules.nodes;
    let pairs = edge_pairs(n);
    let index = |i: usize, j: usize| pairs.iter().position(|p| *p == (i, j)).unwrap_or(0);
    // (nodes with in-edges, nodes with out-edges, edges, shared values used)
    let mut states: HashMap<(u64, u64, u32, u64), S> = HashMap::default();
    states.insert((0, 0, 0, 0), S::unit());
    for j in 0..n {
        let mut current: HashMap<(u64, u64, u32, u64, u32), S> =
            states.drain().map(|((a, b, e, u), s)| ((a, b, e, u, 0), s)).collect();
        for i in 0..j {
            let options = &w.edges[index(i, j)];
            let mut next = HashMap::with_capacity_and_hasher(current.len() * 2, Default::default());
            for ((has_in, has_out, e, u, k), s) in current {
                if options.absent {
                    add_to(&mut next, (has_in, has_out, e, u, k), s.clone());
                }
                if !options.may_be_present() || rules.max_edges.is_some_and(|max| e as usize >= max) {
                    continue;
                }
                // A node without in-edges becomes live, reading the input, at its first out-edge.
                let s = if !bit(has_in, i) && !bit(has_out, i) { s.times(&w.node[i][1]) } else { s };
                let key = |u| (has_in, has_out | 1 << i, e + 1, u, k + 1);
                if let Some(weight) = &options.surviving {
                    add_to(&mut next, key(u), s.times(weight));
                }
                for &id in &options.shared {
                    add_to(&mut next, key(u | 1 << id), s.clone());
                }
            }
            current = next;
        }
        for ((has_in, has_out, e, u, k), s) in current {
            if k > 0 {
                add_to(&mut states, (has_in | 1 << j, has_out, e, u), s.times(&w.node[j][k as usize]));
            } else {
                add_to(&mut states, (has_in, has_out, e, u), s);
            }
        }
    }
    let mut total = S::nothing();
    for ((has_in, has_out, _, u), s) in states {
        let live = has_in | has_out;
        let sinks = (live & !has_out).count_ones() as usize;
        total.plus(&s.times(&w.output[sinks.max(1)]).times(&w.of_values(u)));
    }
    total
}

#[cfg(test)]
mod tests;
