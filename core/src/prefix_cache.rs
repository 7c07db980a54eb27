//! [`PrefixCache`]: copies of a definition's space taken right after the
//! decisions that rebuilt it, so that specifying the next space the same way
//! copies the rebuilt graph instead of firing its substitutions again.
//!
//! A definition's template (see [`SpaceDef`](crate::SpaceDef)) is the root.
//! Every decision that something waits for (a substitution module, a
//! dependent or a constraint) may change the graph; after such a decision
//! the space is copied, sealed and kept under the decisions made since the
//! previous copy. A later specification that makes the same decisions from
//! that point copies the kept space and goes on from there. Decisions that
//! nothing waits for only set a value, so they are cheap to make again and are
//! not kept on their own.
//!
//! The cache relies on what replay and every searcher already assume: a
//! substitution function builds the same sub-graph from the same values. It
//! holds at most [`MAX_SNAPSHOTS`] spaces of at most [`MAX_ELEMENTS`] elements
//! in all, and never more than [`MAX_STEPS`] decisions between two of them;
//! past that, specification goes on without it.

use rustc_hash::FxHashMap;
use smallvec::SmallVec;

use crate::error::SpecError;
use crate::ids::HyperId;
use crate::space::Space;

/// Spaces kept per definition and thread.
pub(crate) const MAX_SNAPSHOTS: usize = 256;

/// Elements (modules, hyperparameters, ports) of the kept spaces, in all.
pub(crate) const MAX_ELEMENTS: usize = 1 << 18;

/// Decisions between two kept spaces that a key can hold.
pub(crate) const MAX_STEPS: usize = 8;

/// Whether a space is worth keeping, in elements (modules, hyperparameters,
/// ports): copying it must cost less than what the decision built. Measured
/// on the seed space (callgrind, one thread): copying costs about 40
/// instructions per element; firing costs about 3,000 for the substitution
/// itself plus about 600 per element it adds. So a space is kept when it has
/// at most `FIRING_COST + WORTH_KEEPING ×` (elements added) elements: the
/// seed space after its `optional` fires (53 elements, 2 added) is kept; a
/// space of 1,024 cells after one cell's `optional` fires is not (copying
/// 46,000 elements to save one small firing is a loss).
pub(crate) const FIRING_COST: usize = 64;

/// See [`FIRING_COST`].
pub(crate) const WORTH_KEEPING: usize = 16;

/// The decisions (as domain indices) made since the last kept space.
type Steps = SmallVec<[u32; MAX_STEPS]>;

/// Kept spaces of one definition on one thread.
#[derive(Default)]
pub(crate) struct PrefixCache {
    spaces: Vec<Space>,
    /// (where from: 0 for the template, `k + 1` for `spaces[k]`; the steps
    /// since) to the kept space reached.
    next: FxHashMap<(u32, Steps), u32>,
    elements: usize,
}

impl PrefixCache {
    fn lookup(&self, from: u32, steps: &Steps) -> Option<u32> {
        if self.next.is_empty() {
            return None;
        }
        self.next.get(&(from, steps.clone())).copied()
    }

    /// Keeps a sealed copy of `space`, reached from `from` by `steps`, if
    /// there is room; returns its node.
    fn keep(&mut self, from: u32, steps: &Steps, space: &Space) -> Option<u32> {
        let elements = elements(space);
        if self.spaces.len() >= MAX_SNAPSHOTS || self.elements + elements > MAX_ELEMENTS {
            return None;
        }
        let mut copy = space.clone();
        copy.seal();
        self.spaces.push(copy);
        self.elements += elements;
        let node = self.spaces.len() as u32;
        self.next.insert((from, steps.clone()), node);
        Some(node)
    }

    /// Number of spaces kept.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.spaces.len()
    }
}

/// Modules, hyperparameters and ports of `space`.
fn elements(space: &Space) -> usize {
    let size = space.size();
    size.modules + size.hypers + size.ports
}

/// Makes every pending decision of `space`, taking the index `choose` gives,
/// through `cache` where there is one. `space` must be a copy of the template
/// the cache belongs to, not yet specified.
///
/// `choose` is called once per decision, in order, exactly as without a
/// cache (a random generator behind it draws the same numbers).
pub(crate) fn specify(
    space: &mut Space,
    mut cache: Option<&mut PrefixCache>,
    mut choose: impl FnMut(&Space, HyperId) -> Result<usize, SpecError>,
) -> Result<(), SpecError> {
    let mut from = 0u32;
    let mut steps = Steps::new();
    while let Some(h) = space.next_decision() {
        let index = choose(space, h)?;
        let Some(c) = cache.as_deref_mut() else {
            space.assign_index(h, index)?;
            continue;
        };
        if steps.len() == MAX_STEPS {
            // Too far from the last kept space to key another one.
            cache = None;
            space.assign_index(h, index)?;
            continue;
        }
        steps.push(index as u32);
        if !space.has_waiters(h) {
            space.assign_index(h, index)?;
            continue;
        }
        let node = match c.lookup(from, &steps) {
            Some(node) => {
                space.clone_from(&c.spaces[node as usize - 1]);
                node
            }
            None => {
                let before = elements(space);
                space.assign_index(h, index)?;
                let added = elements(space) - before;
                if before + added > FIRING_COST + WORTH_KEEPING * added {
                    // Cheaper to make again than to copy: go on from the
                    // last kept space.
                    continue;
                }
                match c.keep(from, &steps, space) {
                    Some(node) => node,
                    None => {
                        // Full: nothing past this point can be kept either.
                        cache = None;
                        continue;
                    }
                }
            }
        };
        from = node;
        steps.clear();
    }
    Ok(())
}
