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
use crate::replay::Chooser;
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
    /// Per node: its pending decisions in order (made on first use).
    orders: Vec<Option<Vec<HyperId>>>,
    /// Per node: the skeleton that freezes spaces specified from it with
    /// decisions nothing waits for (made by the first such freeze).
    skeletons: Vec<Option<Skeleton>>,
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
        *self = PrefixCache::default();
        self.push(template.clone());
    }

    fn push(&mut self, space: Space) -> u32 {
        let node = self.spaces.len() as u32;
        self.spaces.push(space);
        self.orders.push(None);
        self.skeletons.push(None);
        node
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
        self.elements += elements;
        let node = self.push(copy);
        self.next.insert((from, steps.clone()), node);
        Some(node)
    }

    /// The decision at `position` of node `node`'s pending decisions, in
    /// the order they come up while none of them changes the space.
    fn pending(&mut self, node: u32, position: usize) -> Option<HyperId> {
        let node = node as usize;
        let order = match &self.orders[node] {
            Some(order) => order,
            None => self.orders[node].insert(self.spaces[node].pending_decisions()),
        };
        order.get(position).copied()
    }

    /// Number of spaces kept (the template not counted).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.spaces.len().saturating_sub(1)
    }

    /// Number of skeletons made.
    #[cfg(test)]
    pub(crate) fn skeletons(&self) -> usize {
        self.skeletons.iter().flatten().count()
    }
}

/// Modules, hyperparameters and ports of `space`.
fn elements(space: &Space) -> usize {
    let size = space.size();
    size.modules + size.hypers + size.ports
}

/// Where a specification stands.
enum State {
    /// Node `node` of the cache, then the decisions `overlay` (none with
    /// anything waiting for it): the space is not made.
    Node { node: u32, overlay: SmallVec<[(HyperId, u32); 16]> },
    /// In the storage space.
    Made,
}

/// Memory for the space a specification makes, taken only once a space has
/// to be made (most specifications through a warm cache make none).
pub(crate) struct Storage<F> {
    space: Option<Space>,
    take: F,
}

impl<F: FnMut() -> Space> Storage<F> {
    /// Storage that `take` provides when it is first needed.
    pub(crate) fn new(take: F) -> Self {
        Storage { space: None, take }
    }

    fn get(&mut self) -> &mut Space {
        self.space.get_or_insert_with(&mut self.take)
    }

    /// The memory taken, if any was.
    pub(crate) fn into_space(self) -> Option<Space> {
        self.space
    }
}

/// Makes every decision of a fresh space of the cache's definition as
/// `chooser` says, through `cache`, and freezes it; `storage` is only
/// memory for the space when one has to be made.
///
/// `chooser` sees the decisions in the order, and the spaces, it would see
/// without a cache (a random generator behind it draws the same numbers).
/// While only decisions that nothing waits for are made after a kept space,
/// no space is made at all: the kept space, the decisions and its skeleton
/// give the architecture.
pub(crate) fn specify_and_freeze(
    storage: &mut Storage<impl FnMut() -> Space>,
    cache: &mut PrefixCache,
    chooser: &mut impl Chooser,
) -> Result<Architecture, SpecError> {
    let mut state = State::Node { node: 0, overlay: SmallVec::new() };
    // The last node reached, and the decisions (domain indices) made since.
    let mut from = 0u32;
    let mut steps = Steps::new();
    // Whether nodes can still be looked up and kept past `from`.
    let mut keying = true;
    loop {
        let (h, current) = match &state {
            State::Node { node, overlay } => match cache.pending(*node, overlay.len()) {
                Some(h) => (h, &cache.spaces[*node as usize]),
                None => break,
            },
            State::Made => {
                let space = storage.get();
                match space.next_decision() {
                    Some(h) => (h, &*space),
                    None => break,
                }
            }
        };
        let index = chooser.choose(current, h)?;
        let waits = current.has_waiters(h);
        // Too far from the last kept space to key another one?
        keying &= steps.len() < MAX_STEPS;
        if keying {
            steps.push(index as u32);
            if waits && let Some(node) = cache.lookup(from, &steps) {
                state = State::Node { node, overlay: SmallVec::new() };
                from = node;
                steps.clear();
                continue;
            }
        }
        if let State::Node { overlay, .. } = &mut state
            && !waits
        {
            overlay.push((h, index as u32));
            continue;
        }
        let storage = storage.get();
        make(&mut state, storage, cache)?;
        if !waits || !keying {
            storage.assign_index(h, index)?;
            continue;
        }
        let before = elements(storage);
        storage.assign_index(h, index)?;
        let added = elements(storage) - before;
        // Not kept when it is cheaper to make again than to copy.
        if before + added > FIRING_COST + WORTH_KEEPING * added {
            continue;
        }
        match cache.keep(from, &steps, storage) {
            Some(node) => {
                state = State::Node { node, overlay: SmallVec::new() };
                from = node;
                steps.clear();
            }
            // Full: nothing past this point can be kept either.
            None => keying = false,
        }
    }
    chooser.finish()?;
    let State::Node { node, overlay } = &state else { return storage.get().freeze() };
    let node = *node as usize;
    if let Some(skeleton) = &cache.skeletons[node]
        && let Some(arch) = cache.spaces[node].freeze_from_skeleton(overlay, skeleton)
    {
        return Ok(arch);
    }
    let storage = storage.get();
    make(&mut state, storage, cache)?;
    let (arch, skeleton) = storage.freeze_with_skeleton()?;
    cache.skeletons[node] = skeleton;
    Ok(arch)
}

/// Makes the space `state` stands for in `storage`.
fn make(state: &mut State, storage: &mut Space, cache: &PrefixCache) -> Result<(), SpecError> {
    if let State::Node { node, overlay } = std::mem::replace(state, State::Made) {
        storage.clone_from(&cache.spaces[node as usize]);
        for (h, index) in overlay {
            storage.assign_index(h, index as usize)?;
        }
    }
    Ok(())
}
