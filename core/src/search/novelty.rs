//! No repeated proposals: what a searcher proposed, by canonical hash, and
//! what it learnt about each.
//!
//! A trial spent on a network already evaluated (or still being evaluated)
//! buys nothing, so the built-in searchers propose each network once: they
//! draw again when a draw repeats one, use the score they already know where
//! their algorithm wants it (local search, MCTS), and say the space is
//! exhausted only when no new network comes up.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::architecture::{Architecture, ArchitectureHash};
use crate::definition::SpaceDef;
use crate::error::SpecError;

use super::common::retry_invalid;
use super::error::SearchError;

/// Draws of a searcher's own kind that may repeat a proposal in a row
/// before it falls back to random draws (and as many again of those before
/// it calls the space exhausted).
pub(crate) const REPEAT_LIMIT: u32 = 1_000;

/// What a searcher knows about a network it proposed.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Known {
    /// Proposed; no outcome yet.
    Pending,
    /// Its score.
    Scored(f64),
    /// Its evaluation failed.
    Failed,
}

/// Every network a searcher proposed, by canonical hash (saved as the same
/// hexadecimal text as a search log's `hash`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub(crate) struct Proposals {
    known: BTreeMap<ArchitectureHash, Known>,
}

impl Proposals {
    /// True when `hash` was proposed before.
    pub(crate) fn contains(&self, hash: ArchitectureHash) -> bool {
        self.known.contains_key(&hash)
    }

    /// What is known about `hash`, if it was proposed.
    pub(crate) fn get(&self, hash: ArchitectureHash) -> Option<Known> {
        self.known.get(&hash).copied()
    }

    /// Records a proposal (pending); false when it was proposed before.
    pub(crate) fn insert(&mut self, hash: ArchitectureHash) -> bool {
        match self.known.entry(hash) {
            std::collections::btree_map::Entry::Occupied(_) => false,
            std::collections::btree_map::Entry::Vacant(slot) => {
                slot.insert(Known::Pending);
                true
            }
        }
    }

    /// Records the outcome of a proposal: its score, or `None` for a failure.
    pub(crate) fn record(&mut self, hash: ArchitectureHash, score: Option<f64>) {
        self.known.insert(hash, score.map_or(Known::Failed, Known::Scored));
    }

    /// Number of networks proposed.
    pub(crate) fn len(&self) -> usize {
        self.known.len()
    }
}

/// Draws with `draw` (retrying `Invalid` draws, counted in `invalid`, at
/// most `max_invalid` in a row) until it gives a network not in
/// `proposals`; after [`REPEAT_LIMIT`] repeats in a row, draws per decision
/// at random with `fallback` instead, as many times again. Records the
/// network it returns. `Ok(None)` means neither found a new network: the
/// space is exhausted, or nearly so; [`exhausted_reason`] says which.
pub(crate) fn draw_novel<R: rand::Rng>(
    searcher: &str,
    def: &SpaceDef,
    proposals: &mut Proposals,
    max_invalid: u32,
    invalid: &mut u64,
    fallback: &mut R,
    mut draw: impl FnMut() -> Result<Architecture, SpecError>,
) -> Result<Option<Architecture>, SearchError> {
    for _ in 0..REPEAT_LIMIT {
        let architecture = retry_invalid(searcher, max_invalid, invalid, &mut draw)?;
        if proposals.insert(architecture.canonical_hash()) {
            return Ok(Some(architecture));
        }
    }
    draw_novel_random(searcher, def, proposals, max_invalid, invalid, fallback)
}

/// [`draw_novel`] with random draws per decision only.
pub(crate) fn draw_novel_random<R: rand::Rng>(
    searcher: &str,
    def: &SpaceDef,
    proposals: &mut Proposals,
    max_invalid: u32,
    invalid: &mut u64,
    rng: &mut R,
) -> Result<Option<Architecture>, SearchError> {
    for _ in 0..REPEAT_LIMIT {
        let architecture = retry_invalid(searcher, max_invalid, invalid, || def.sample_random(rng))?;
        if proposals.insert(architecture.canonical_hash()) {
            return Ok(Some(architecture));
        }
    }
    Ok(None)
}

/// Why no new network came up after `proposed` proposals: the whole space
/// was proposed, or the draws kept repeating.
pub(crate) fn exhausted_reason(def: &SpaceDef, proposed: usize) -> String {
    match def.count() {
        Ok(count) if count <= proposed.into() => {
            format!("every one of the space's {count} architectures has been proposed")
        }
        Ok(count) => format!(
            "{} draws in a row gave only networks proposed before ({proposed} proposed; the space has {count} \
             decision assignments, some of which may build the same network)",
            2 * REPEAT_LIMIT
        ),
        Err(e) => {
            format!("{} draws in a row repeated a proposal, and the space cannot be counted: {e}", 2 * REPEAT_LIMIT)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Op, choice, rng};

    #[test]
    fn proposals_round_trip_through_json_values() {
        let mut p = Proposals::default();
        let (a, b) = (ArchitectureHash(u128::MAX - 3), ArchitectureHash(5));
        assert!(p.insert(a) && p.insert(b) && !p.insert(a));
        p.record(b, Some(0.5));
        let back: Proposals = serde_json::from_value(serde_json::to_value(&p).unwrap()).unwrap();
        assert_eq!(back, p);
        assert_eq!(back.get(a), Some(Known::Pending));
        assert_eq!(back.get(b), Some(Known::Scored(0.5)));
    }

    #[test]
    fn a_small_space_is_drawn_without_repeats_then_called_exhausted() {
        let def = SpaceDef::new(|s| s.basic(Op::new("dense").param("units", choice([8, 16, 32]))));
        let (mut proposals, mut invalid, mut r) = (Proposals::default(), 0, rng(1));
        let mut draws = rng(2);
        let mut seen = Vec::new();
        while let Some(a) =
            draw_novel("t", &def, &mut proposals, 10, &mut invalid, &mut r, || def.sample_random(&mut draws)).unwrap()
        {
            seen.push(a.decisions()[0].value.as_int().unwrap());
        }
        seen.sort();
        assert_eq!(seen, [8, 16, 32]);
        assert!(exhausted_reason(&def, proposals.len()).contains("every one of the space's 3"));
    }
}
