//! Per-definition memory of completion counts, so that uniform sampling
//! ([`SpaceDef::sample_uniform`](crate::SpaceDef::sample_uniform)) counts
//! each structural branch once, not at every sample.
//!
//! Uniform sampling draws each structural decision (an `or`'s choice, a
//! repeat's count) in proportion to the number of complete assignments
//! below each of its values; counting them rebuilds spaces, which made a
//! uniform draw from a space of six `or`s about 350 times slower than a
//! random one. The counts below a decision depend only on the structural
//! decisions made before it (leaf decisions cannot change what comes after
//! them; one that does is found and marked *forced*, and forced ones are
//! part of the key), so they are kept here, keyed by those decisions.

use std::sync::{Arc, Mutex};

use num_bigint::BigUint;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::ids::HyperId;

/// Most branches kept per definition; past it, counts are computed and not kept.
const LIMIT: usize = 1 << 16;

/// The number of forced decisions the counts assumed; the structural
/// decisions made so far (decision, value index), then the decision whose
/// values are weighed (with `u32::MAX`).
pub(crate) type BranchKey = (usize, Vec<(HyperId, u32)>);

/// Completion counts per branch, and the leaf decisions found to be read
/// structurally (which sampling must branch on), shared by every clone of
/// a definition.
#[derive(Default)]
pub(crate) struct CompletionCache {
    counts: Mutex<FxHashMap<BranchKey, Arc<[BigUint]>>>,
    forced: Mutex<FxHashSet<String>>,
}

impl CompletionCache {
    /// The counts below each value of the branch `key`, if known.
    pub(crate) fn get(&self, key: &BranchKey) -> Option<Arc<[BigUint]>> {
        self.counts.lock().ok()?.get(key).cloned()
    }

    /// Keeps the counts of branch `key` (unless the cache is full).
    pub(crate) fn insert(&self, key: BranchKey, counts: Arc<[BigUint]>) {
        if let Ok(mut map) = self.counts.lock()
            && map.len() < LIMIT
        {
            map.insert(key, counts);
        }
    }

    /// The leaf decisions known to be read structurally.
    pub(crate) fn forced(&self) -> FxHashSet<String> {
        self.forced.lock().map(|f| f.clone()).unwrap_or_default()
    }

    /// Records more forced decisions; the counts kept so far assumed fewer
    /// and are dropped.
    pub(crate) fn set_forced(&self, forced: &FxHashSet<String>) {
        let grew = self.forced.lock().map(|mut known| {
            let before = known.len();
            known.extend(forced.iter().cloned());
            known.len() != before
        });
        if grew.unwrap_or(false)
            && let Ok(mut map) = self.counts.lock()
        {
            map.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::count::COUNTINGS;
    use crate::{Alternatives, Op, SpaceDef, choice, rng};

    /// A width (a leaf decision), then three `or`s of three ops in a row.
    fn or_chain() -> SpaceDef {
        SpaceDef::new(|s| {
            let stem = s.named("stem").basic(Op::new("conv").param("filters", choice([8, 16])))?;
            let mut last = stem.clone();
            for i in 0..3 {
                let alternatives = Alternatives::list()
                    .with(|s| s.basic(Op::new("conv3")))
                    .with(|s| s.basic(Op::new("conv1")))
                    .with(|s| s.basic(Op::new("pool")));
                let edge = s.named(format!("e{i}")).or(alternatives)?;
                s.chain(&last, &edge)?;
                last = edge;
            }
            Ok(s.border_of(&stem, &last))
        })
    }

    #[test]
    fn uniform_sampling_counts_each_branch_once_per_definition() {
        let def = or_chain();
        let mut r = rng(1);
        let mut seen = std::collections::HashSet::new();
        for _ in 0..400 {
            seen.insert(def.sample_uniform(&mut r).unwrap().canonical_hash());
        }
        assert_eq!(seen.len(), 2 * 27, "every architecture comes up");
        // 1 + 3 + 9 branches are known now: no more counting, also in a clone.
        let clone = def.clone();
        COUNTINGS.with(|c| c.set(0));
        for _ in 0..200 {
            clone.sample_uniform(&mut r).unwrap();
        }
        assert_eq!(COUNTINGS.with(|c| c.get()), 0, "a warm definition samples without counting");
    }
}
