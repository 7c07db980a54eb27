//! Sampling uniformly over all complete assignments.

use num_bigint::BigUint;
use num_traits::Zero;
use rand::Rng;
use rustc_hash::FxHashMap;

use super::counter::{Counter, Prefix};
use super::groups::{cell_groups, structural_set};
use crate::architecture::Architecture;
use crate::combinators::{measure_dag_group, read_by_a_cell};
use crate::definition::SpaceDef;
use crate::error::{Invalid, SpecError};
use crate::ids::HyperId;
use crate::space::Space;

fn random_below<R: Rng + ?Sized>(rng: &mut R, bound: &BigUint) -> BigUint {
    let bits = bound.bits();
    let words = bits.div_ceil(32) as usize;
    let top_bits = bits - 32 * (words as u64 - 1);
    loop {
        let mut digits: Vec<u32> = (0..words).map(|_| rng.random()).collect();
        if let Some(last) = digits.last_mut()
            && top_bits < 32
        {
            *last &= (1u32 << top_bits) - 1;
        }
        let candidate = BigUint::from_slice(&digits);
        if &candidate < bound {
            return candidate;
        }
    }
}

/// The index of `weights` drawn in proportion to its weight; `None` if
/// every weight is zero.
fn pick_weighted<R: Rng + ?Sized>(rng: &mut R, weights: &[BigUint]) -> Option<usize> {
    let total: BigUint = weights.iter().sum();
    if total.is_zero() {
        return None;
    }
    let mut r = random_below(rng, &total);
    for (i, w) in weights.iter().enumerate() {
        if &r < w {
            return Some(i);
        }
        r -= w;
    }
    None
}

/// Draws every pending edge of the cell that reads structural decision `d`
/// at once, when the counter would count that cell whole by dynamic
/// programming: its parts are measured once, and each edge in turn is drawn
/// in proportion to the completions of the cell with the edges before it
/// fixed. The rest of the space is independent of the cell (that is what
/// lets the counter count it whole), so these proportions are those of the
/// completions of the whole space. `Ok(None)` where the counter would not.
fn draw_cell<R: Rng + ?Sized>(
    space: &Space,
    d: HyperId,
    rng: &mut R,
) -> Result<Option<FxHashMap<HyperId, usize>>, SpecError> {
    let structural = structural_set(space);
    let pending: Vec<HyperId> = space.pending_decisions().into_iter().filter(|h| structural[h.index()]).collect();
    let Some((group, readers)) = cell_groups(space, &pending).into_iter().find(|(group, _)| group.contains(&d)) else {
        return Ok(None);
    };
    if readers.iter().any(Option::is_none) {
        return Ok(None);
    }
    let Some(mut cell) = measure_dag_group(space, &group, &readers)? else { return Ok(None) };
    let mut drawn = FxHashMap::default();
    for (e, h) in cell.edges().to_vec().into_iter().enumerate() {
        if !group.contains(&h) {
            continue;
        }
        let Some(index) = pick_weighted(rng, &cell.weights_of(e)) else {
            return Err(Invalid { path: space.hyper_path(h), reason: "no valid completion".to_owned() }.into());
        };
        cell.fix(e, index);
        drawn.insert(h, index);
    }
    Ok(Some(drawn))
}

impl SpaceDef {
    /// An architecture drawn uniformly over all complete assignments that
    /// the space accepts (not just uniformly per decision): each structural
    /// decision is drawn in proportion to the number of completions below it.
    ///
    /// The counts below each structural branch are kept with the definition
    /// (shared by its clones), so only the first draws through a branch
    /// count: a space of six `or`s of five alternatives samples as fast as
    /// per decision once its 3,906 branches are known. A cell over edge
    /// flags ([`Space::dag`](crate::Space::dag)) that the counter counts
    /// whole is drawn whole: its parts are measured once and its edges drawn
    /// in turn from its dynamic programme, instead of a count per value of
    /// each edge.
    pub fn sample_uniform<R: Rng + ?Sized>(&self, rng: &mut R) -> Result<Architecture, SpecError> {
        let cache = &self.completions;
        let mut counter = Counter::new(self);
        counter.forced = cache.forced();
        'attempt: loop {
            let mut space = self.instantiate()?;
            let mut prefix: Prefix = Vec::new();
            let mut branch: Vec<(HyperId, u32)> = Vec::new();
            let mut leaves: Vec<HyperId> = Vec::new();
            // Edges drawn with their cell, not yet assigned.
            let mut drawn: FxHashMap<HyperId, usize> = FxHashMap::default();
            while let Some(d) = space.next_decision() {
                let len = space.domain(d).map_or(1, |x| x.len());
                let is_forced = !counter.forced.is_empty() && counter.forced.contains(&space.hyper_path(d));
                let structural = structural_set(&space)[d.index()];
                if structural && !is_forced && !drawn.contains_key(&d) && read_by_a_cell(&space, d) {
                    drawn.extend(draw_cell(&space, d, rng)?.unwrap_or_default());
                }
                let index = if let Some(index) = drawn.remove(&d) {
                    branch.push((d, index as u32));
                    index
                } else if structural || is_forced {
                    branch.push((d, u32::MAX));
                    let key = (counter.forced.len(), branch.clone());
                    branch.pop();
                    let weights = match cache.get(&key) {
                        Some(weights) => weights,
                        None => {
                            let mut weights = Vec::with_capacity(len);
                            for v in 0..len as u32 {
                                prefix.push((d, v));
                                let known = counter.forced.len();
                                let w = counter.count_after(&prefix)?;
                                prefix.pop();
                                if counter.forced.len() != known {
                                    cache.set_forced(&counter.forced);
                                    continue 'attempt;
                                }
                                weights.push(w);
                            }
                            let weights: std::sync::Arc<[BigUint]> = weights.into();
                            cache.insert(key, weights.clone());
                            weights
                        }
                    };
                    let Some(pick) = pick_weighted(rng, &weights) else {
                        return Err(
                            Invalid { path: space.hyper_path(d), reason: "no valid completion".to_owned() }.into()
                        );
                    };
                    branch.push((d, pick as u32));
                    pick
                } else {
                    leaves.push(d);
                    rng.random_range(0..len)
                };
                space.assign_index(d, index)?;
                prefix.push((d, index as u32));
            }
            if let Some(h) = leaves.iter().find(|h| space.hypers[h.index()].read_structurally) {
                counter.forced.insert(space.hyper_path(*h));
                cache.set_forced(&counter.forced);
                continue 'attempt;
            }
            return space.freeze();
        }
    }
}
