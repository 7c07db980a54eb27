//! Sampling uniformly over all complete assignments.

use num_bigint::BigUint;
use num_traits::Zero;
use rand::Rng;

use super::counter::{Counter, Prefix};
use super::groups::structural_set;
use crate::architecture::Architecture;
use crate::definition::SpaceDef;
use crate::error::{Invalid, SpecError};
use crate::ids::HyperId;

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

impl SpaceDef {
    /// An architecture drawn uniformly over all complete assignments that
    /// the space accepts (not just uniformly per decision): each structural
    /// decision is drawn in proportion to the number of completions below it.
    ///
    /// The counts below each structural branch are kept with the definition
    /// (shared by its clones), so only the first draws through a branch
    /// count: a space of six `or`s of five alternatives samples as fast as
    /// per decision once its 3,906 branches are known.
    pub fn sample_uniform<R: Rng + ?Sized>(&self, rng: &mut R) -> Result<Architecture, SpecError> {
        let cache = &self.completions;
        let mut counter = Counter::new(self);
        counter.forced = cache.forced();
        'attempt: loop {
            let mut space = self.instantiate()?;
            let mut prefix: Prefix = Vec::new();
            let mut branch: Vec<(HyperId, u32)> = Vec::new();
            let mut leaves: Vec<HyperId> = Vec::new();
            while let Some(d) = space.next_decision() {
                let len = space.domain(d).map_or(1, |x| x.len());
                let is_forced = !counter.forced.is_empty() && counter.forced.contains(&space.hyper_path(d));
                let index = if structural_set(&space)[d.index()] || is_forced {
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
                    let total: BigUint = weights.iter().sum();
                    if total.is_zero() {
                        return Err(
                            Invalid { path: space.hyper_path(d), reason: "no valid completion".to_owned() }.into()
                        );
                    }
                    let mut r = random_below(rng, &total);
                    let mut pick = 0;
                    for (i, w) in weights.iter().enumerate() {
                        if &r < w {
                            pick = i;
                            break;
                        }
                        r -= w;
                    }
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
