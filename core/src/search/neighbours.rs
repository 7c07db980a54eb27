//! One-decision changes of an architecture, keyed by decision path: the
//! mutation of evolution and the neighbourhood of local search.
//!
//! A change replays the parent's value at every path that still comes up,
//! takes the new value at the changed path, and draws at random only the
//! decisions that are new (a structural change that adds a layer adds its
//! decisions), so it works on any space, structural decisions included.

use std::collections::BTreeMap;

use rand::Rng;

use crate::architecture::{Architecture, Decision};
use crate::definition::SpaceDef;
use crate::error::SpecError;
use crate::value::Value;

/// The child of `parent` whose decision `parent[target]` takes the domain
/// index `pick(old index, domain size, rng)`; every other path that comes up
/// keeps the parent's value when it is still in the domain; new paths are
/// drawn at random.
fn change<R: Rng>(
    def: &SpaceDef,
    parent: &[Decision],
    target: usize,
    rng: &mut R,
    pick: impl FnOnce(usize, usize, &mut R) -> usize,
) -> Result<Architecture, SpecError> {
    let by_path: BTreeMap<&str, &Value> = parent.iter().map(|d| (d.path.as_str(), &d.value)).collect();
    let target_path = parent[target].path.as_str();
    let mut pick = Some(pick);
    let mut space = def.instantiate()?;
    while let Some(h) = space.next_decision() {
        let path = space.hyper_path(h);
        let domain = space.domain(h);
        let len = domain.map_or(1, |d| d.len());
        let kept = by_path.get(path.as_str()).and_then(|v| domain.and_then(|d| d.index_of(v)));
        let index = match kept {
            Some(old) if path == target_path => match pick.take() {
                Some(pick) => pick(old, len, rng).min(len.saturating_sub(1)),
                None => old,
            },
            Some(old) => old,
            None => rng.random_range(0..len),
        };
        space.assign_index(h, index)?;
    }
    space.freeze()
}

/// The child of `parent` with the decision at `parent[target]` changed to
/// another value at random (regularized evolution's mutation).
pub(crate) fn mutate<R: Rng>(
    def: &SpaceDef,
    parent: &[Decision],
    target: usize,
    rng: &mut R,
) -> Result<Architecture, SpecError> {
    change(def, parent, target, rng, |old, len, rng| {
        if len < 2 {
            return old;
        }
        let other = rng.random_range(0..len - 1);
        if other >= old { other + 1 } else { other }
    })
}

/// The neighbour of `parent` whose decision `parent[target]` takes the
/// value of index `index` in its domain; decisions the change brings in are
/// drawn with `rng`.
pub(crate) fn neighbour<R: Rng>(
    def: &SpaceDef,
    parent: &[Decision],
    target: usize,
    index: usize,
    rng: &mut R,
) -> Result<Architecture, SpecError> {
    change(def, parent, target, rng, |_, _, _| index)
}

/// A child of `a` and `b` by uniform crossover keyed by path: each decision
/// that comes up takes `a`'s or `b`'s value at that path (each with
/// probability ½; the one that has it, or whose value is in the domain,
/// when only one does), and a path neither has is drawn at random.
pub(crate) fn crossover<R: Rng>(
    def: &SpaceDef,
    a: &[Decision],
    b: &[Decision],
    rng: &mut R,
) -> Result<Architecture, SpecError> {
    let by_path = |p: &[Decision]| -> BTreeMap<String, Value> {
        p.iter().map(|d| (d.path.as_str().to_owned(), d.value.clone())).collect()
    };
    let (a, b) = (by_path(a), by_path(b));
    let mut space = def.instantiate()?;
    while let Some(h) = space.next_decision() {
        let path = space.hyper_path(h);
        let domain = space.domain(h);
        let len = domain.map_or(1, |d| d.len());
        let index_in =
            |m: &BTreeMap<String, Value>| m.get(path.as_str()).and_then(|v| domain.and_then(|d| d.index_of(v)));
        let index = match (index_in(&a), index_in(&b)) {
            (Some(x), Some(y)) => {
                if rng.random_bool(0.5) {
                    x
                } else {
                    y
                }
            }
            (Some(x), None) | (None, Some(x)) => x,
            (None, None) => rng.random_range(0..len),
        };
        space.assign_index(h, index)?;
    }
    space.freeze()
}

/// Every one-decision change of `parent`: `(decision position, new value
/// index)` for each decision and each other value of its domain, in order.
pub(crate) fn neighbourhood(def: &SpaceDef, parent: &[Decision]) -> Result<Vec<(usize, usize)>, SpecError> {
    let mut space = def.instantiate()?;
    let mut moves = Vec::new();
    let mut position = 0;
    while let Some(h) = space.next_decision() {
        let Some(decision) = parent.get(position) else {
            return Err(SpecError::Unusable { reason: "the decisions do not replay: too few".to_owned() });
        };
        let domain = space.domain(h);
        let (len, old) = (domain.map_or(1, |d| d.len()), domain.and_then(|d| d.index_of(&decision.value)));
        let Some(old) = old else {
            return Err(SpecError::Unusable {
                reason: format!(
                    "the decisions do not replay: `{}` = {} is not in its domain",
                    decision.path, decision.value
                ),
            });
        };
        moves.extend((0..len).filter(|&i| i != old).map(|i| (position, i)));
        space.assign_index(h, old)?;
        position += 1;
    }
    Ok(moves)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Op, choice, rng};

    /// `depth` chooses 1 or 3 layers; each layer has its own width.
    fn def() -> SpaceDef {
        SpaceDef::new(|s| {
            let depth = s.named_choice("depth", [1, 3])?;
            let body = s.named("body").repeat(depth, |s| s.basic(Op::new("dense").param("units", choice([8, 16]))))?;
            Ok(body)
        })
    }

    #[test]
    fn structural_mutation_keeps_surviving_paths_and_draws_new_ones() {
        let def = def();
        let parent = def.replay_values(&[1.into(), 16.into()]).unwrap();
        let target = parent.decisions().iter().position(|d| d.path == "depth").unwrap();
        let child = mutate(&def, parent.decisions(), target, &mut rng(4)).unwrap();
        assert_eq!(child.decisions().len(), 4, "{:?}", child.decisions());
        assert_eq!(child.decisions()[0].value, Value::from(3));
        let width = |a: &Architecture, p: &str| a.decisions().iter().find(|d| d.path == p).map(|d| d.value.clone());
        let kept = parent.decisions()[1].path.clone();
        assert_eq!(width(&child, &kept), Some(16.into()));
        // Shrinking drops the layers that no longer exist.
        let shrunk = mutate(&def, child.decisions(), 0, &mut rng(5)).unwrap();
        assert_eq!(shrunk.decisions().len(), 2);
        assert_eq!(width(&shrunk, &kept), Some(16.into()));
    }

    #[test]
    fn a_value_mutation_changes_exactly_one_decision() {
        let def = def();
        let parent = def.replay_values(&[3.into(), 8.into(), 8.into(), 8.into()]).unwrap();
        for seed in 0..10 {
            let child = mutate(&def, parent.decisions(), 2, &mut rng(seed)).unwrap();
            let changed: Vec<_> = parent
                .decisions()
                .iter()
                .zip(child.decisions())
                .filter(|(a, b)| a != b)
                .map(|(a, _)| &a.path)
                .collect();
            assert_eq!(changed, [&parent.decisions()[2].path]);
        }
    }

    #[test]
    fn crossover_takes_every_value_from_a_parent() {
        let def = def();
        let a = def.replay_values(&[3.into(), 8.into(), 8.into(), 8.into()]).unwrap();
        let b = def.replay_values(&[3.into(), 16.into(), 16.into(), 16.into()]).unwrap();
        let mut mixed = false;
        for seed in 0..8 {
            let child = crossover(&def, a.decisions(), b.decisions(), &mut rng(seed)).unwrap();
            assert_eq!(child.decisions().len(), 4);
            let widths: Vec<_> = child.decisions()[1..].iter().map(|d| d.value.as_int().unwrap()).collect();
            mixed |= widths.contains(&8) && widths.contains(&16);
        }
        assert!(mixed, "uniform crossover should mix the parents");
    }

    #[test]
    fn the_neighbourhood_lists_every_other_value_of_every_decision() {
        let def = def();
        let parent = def.replay_values(&[3.into(), 8.into(), 16.into(), 8.into()]).unwrap();
        let moves = neighbourhood(&def, parent.decisions()).unwrap();
        assert_eq!(moves, [(0, 0), (1, 1), (2, 0), (3, 1)]);
        let shallow = neighbour(&def, parent.decisions(), 0, 0, &mut rng(1)).unwrap();
        assert_eq!(shallow.decisions().len(), 2);
        assert_eq!(shallow.decisions()[1].value, Value::from(8));
        let wider = neighbour(&def, parent.decisions(), 2, 0, &mut rng(1)).unwrap();
        let values: Vec<_> = wider.decisions().iter().map(|d| d.value.clone()).collect();
        assert_eq!(values, [3.into(), 8.into(), 8.into(), 8.into()]);
    }
}
