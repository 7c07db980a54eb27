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
//! A space specified from a kept space with decisions that nothing waits for
//! has the graph of that kept space, with other values: it is frozen by
//! filling the values into the architecture frozen from the first such space
//! (its [`Skeleton`]) instead of walking the graph again.
//!
//! The cache relies on what replay and every searcher already assume: a
//! substitution function builds the same sub-graph from the same values. It
//! holds at most [`MAX_SNAPSHOTS`] spaces of at most [`MAX_ELEMENTS`] elements
//! in all, and never more than [`MAX_STEPS`] decisions between two of them;
//! past that, specification goes on without it.

use rustc_hash::FxHashMap;
use smallvec::SmallVec;

use crate::architecture::Architecture;
use crate::error::SpecError;
use crate::ids::HyperId;
use crate::space::{Skeleton, Space};

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
    /// The template first (node 0), then the kept spaces.
    spaces: Vec<Space>,
    /// Per node: the skeleton that freezes spaces specified from it with
    /// decisions nothing waits for (made by the first such freeze).
    skeletons: Vec<Option<Skeleton>>,
    /// The node the last specification went on from with decisions nothing
    /// waits for only, if it did.
    last: Option<u32>,
    /// (the node where from, the steps since) to the node reached.
    next: FxHashMap<(u32, Steps), u32>,
    /// Elements of the kept spaces (the template not counted).
    elements: usize,
}

impl PrefixCache {
    /// True until [`set_root`](Self::set_root) is called.
    pub(crate) fn has_root(&self) -> bool {
        !self.spaces.is_empty()
    }

    /// Gives the cache its root: a copy of the (sealed) template.
    pub(crate) fn set_root(&mut self, template: &Space) {
        self.spaces.clear();
        self.skeletons.clear();
        self.next.clear();
        self.elements = 0;
        self.last = None;
        self.spaces.push(template.clone());
        self.skeletons.push(None);
    }

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
        if self.spaces.len() > MAX_SNAPSHOTS || self.elements + elements > MAX_ELEMENTS {
            return None;
        }
        let mut copy = space.clone();
        copy.seal();
        let node = self.spaces.len() as u32;
        self.spaces.push(copy);
        self.skeletons.push(None);
        self.elements += elements;
        self.next.insert((from, steps.clone()), node);
        Some(node)
    }

    /// Copies node `at`, if the state is there, into `space`.
    fn materialize(&self, at: &mut Option<u32>, space: &mut Space) {
        if let Some(node) = at.take() {
            space.clone_from(&self.spaces[node as usize]);
        }
    }

    /// Freezes `space`, just specified through this cache: from the skeleton
    /// of the node it went on from, when it went on with decisions nothing
    /// waits for only (making that skeleton the first time).
    pub(crate) fn freeze(&mut self, space: &mut Space) -> Result<Architecture, SpecError> {
        let Some(node) = self.last.take() else { return space.freeze() };
        let slot = &mut self.skeletons[node as usize];
        if let Some(skeleton) = slot {
            return match space.freeze_from_skeleton(skeleton) {
                Some(arch) => Ok(arch),
                None => space.freeze(),
            };
        }
        let (arch, skeleton) = space.freeze_with_skeleton()?;
        *slot = skeleton;
        Ok(arch)
    }

    /// Number of skeletons made.
    #[cfg(test)]
    pub(crate) fn skeletons(&self) -> usize {
        self.skeletons.iter().flatten().count()
    }

    /// Number of spaces kept (the template not counted).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.spaces.len().saturating_sub(1)
    }
}

/// Modules, hyperparameters and ports of `space`.
fn elements(space: &Space) -> usize {
    let size = space.size();
    size.modules + size.hypers + size.ports
}

/// Makes every pending decision, taking the index `choose` gives for each.
///
/// Without a cache, specifies `space` as it is. With one (which must have
/// its root), `space` is only storage: what it holds is replaced by the
/// template, copied no sooner than a decision needs it, so that a first
/// decision found in the cache copies one space rather than two.
///
/// `choose` is called once per decision, in order, exactly as without a
/// cache (a random generator behind it draws the same numbers).
pub(crate) fn specify(
    space: &mut Space,
    cache: Option<&mut PrefixCache>,
    mut choose: impl FnMut(&Space, HyperId) -> Result<usize, SpecError>,
) -> Result<(), SpecError> {
    if let Some(cache) = cache {
        specify_cached(space, cache, &mut choose)?;
    }
    while let Some(h) = space.next_decision() {
        let index = choose(space, h)?;
        space.assign_index(h, index)?;
    }
    Ok(())
}

/// The part of [`specify`] that goes through `cache`: returns with `space`
/// specified, and `cache.last` set to the node it went on from if no
/// decision since had anything waiting for it (so that it freezes from that
/// node's skeleton).
fn specify_cached(
    space: &mut Space,
    cache: &mut PrefixCache,
    choose: &mut impl FnMut(&Space, HyperId) -> Result<usize, SpecError>,
) -> Result<(), SpecError> {
    // The state is node `at` while that is `Some`, else `space`.
    let mut at = Some(0u32);
    let mut from = 0u32;
    let mut steps = Steps::new();
    // Whether nodes can still be looked up and kept past `from`.
    let mut keying = true;
    // No decision since `from` had anything waiting for it.
    let mut pure = true;
    cache.last = None;
    loop {
        let current = match at {
            Some(node) => &mut cache.spaces[node as usize],
            None => &mut *space,
        };
        let Some(h) = current.next_decision() else { break };
        let index = choose(current, h)?;
        let waits = current.has_waiters(h);
        // Too far from the last kept space to key another one?
        keying &= steps.len() < MAX_STEPS;
        if keying {
            steps.push(index as u32);
            if waits && let Some(node) = cache.lookup(from, &steps) {
                at = Some(node);
                from = node;
                steps.clear();
                pure = true;
                continue;
            }
        }
        cache.materialize(&mut at, space);
        if !waits {
            space.assign_index(h, index)?;
            continue;
        }
        let before = elements(space);
        space.assign_index(h, index)?;
        pure = false;
        let added = elements(space) - before;
        // Not kept when it is cheaper to make again than to copy.
        if !keying || before + added > FIRING_COST + WORTH_KEEPING * added {
            continue;
        }
        match cache.keep(from, &steps, space) {
            Some(node) => {
                from = node;
                steps.clear();
                pure = true;
            }
            // Full: nothing past this point can be kept either.
            None => keying = false,
        }
    }
    cache.materialize(&mut at, space);
    cache.last = pure.then_some(from);
    Ok(())
}
