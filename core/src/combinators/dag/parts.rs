//! Measuring what one part of a cell (a node with `k` inputs, the output,
//! an edge with a value) contributes: it is built into a copy of the space,
//! in the context its cell would fire in, and the decisions it adds are
//! counted there by branching on copies. Cells nested in a part are counted
//! whole by the cell counter, like in the main counter.

use num_bigint::BigUint;
use num_traits::{One, Zero};
use rustc_hash::{FxHashMap, FxHashSet};

use super::weights::{CellModule, count_dag_group};
use crate::error::SpecError;
use crate::ids::HyperId;
use crate::op::Name;
use crate::space::Space;
use crate::space::records::{HyperKind, ModuleKind, NONE};

/// Which part of a cell a count is for: decisions adopted by one part must
/// not be adopted by another.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Part {
    Edge(usize),
    Node(usize),
    Output,
    /// The decisions every edge of shared value number `id` shares.
    Value(usize),
}

/// What a part contributes.
pub(super) struct Measured {
    /// The completions of the decisions it adds.
    pub(super) count: BigUint,
    /// The names of the shared hyperparameters it created.
    pub(super) names: Vec<Name>,
    /// Everything it created is shared (its decisions, and whatever its
    /// substitutions will make: they fire in share frames).
    pub(super) only_shared: bool,
}

/// Measures the parts of the cells `cells`, copies of one cell.
pub(super) struct PartCounter<'a> {
    space: &'a Space,
    cells: &'a [CellModule],
    /// Decisions of the space, not live before, that a part made live.
    adopted: FxHashMap<HyperId, Part>,
    /// Names of shared hyperparameters a part created: two parts creating
    /// the same one would share its decision, which their product counts twice.
    shared: FxHashMap<Name, Part>,
}

impl<'a> PartCounter<'a> {
    pub(super) fn new(space: &'a Space, cells: &'a [CellModule]) -> Self {
        PartCounter { space, cells, adopted: FxHashMap::default(), shared: FxHashMap::default() }
    }

    /// Records that `part` created the shared hyperparameters `names`; false
    /// if another part created one of them too.
    pub(super) fn claim(&mut self, part: Part, names: &[Name]) -> bool {
        names.iter().all(|name| *self.shared.entry(name.clone()).or_insert(part) == part)
    }

    /// Builds a part into a copy of the space for every cell, in the context
    /// each fires in, and counts the completions of what that added; `None`
    /// if what it built reads decisions of the rest of the space.
    pub(super) fn measure(
        &mut self,
        part: Part,
        build: impl Fn(&mut Space, &CellModule) -> Result<(), SpecError>,
    ) -> Result<Option<Measured>, SpecError> {
        let mut forced = FxHashSet::default();
        loop {
            let mut copy = self.space.clone();
            let first_new = copy.hypers.len();
            let first_module = copy.modules.len();
            let before: FxHashSet<HyperId> = copy.pending_decisions().into_iter().collect();
            copy.watch = Some(Vec::new());
            for cell in self.cells {
                match copy.as_if_firing(cell.module, |s| build(s, cell)) {
                    Ok(()) => {}
                    Err(e) if e.is_invalid() => {
                        return Ok(Some(Measured { count: BigUint::zero(), names: Vec::new(), only_shared: false }));
                    }
                    Err(e) => return Err(e),
                }
            }
            let (names, only_shared) = created_shared(self.space, &copy, first_new, first_module);
            let mut completion = Completion { first_new, before: &before, forced: &forced, adopted: Vec::new() };
            match completion.count(copy, Vec::new())? {
                Outcome::Count(count) => {
                    for h in completion.adopted {
                        if *self.adopted.entry(h).or_insert(part) != part {
                            return Ok(None);
                        }
                    }
                    return Ok(Some(Measured { count, names, only_shared }));
                }
                Outcome::Dependent => return Ok(None),
                Outcome::Restart(h) => {
                    if !forced.insert(h) {
                        return Ok(None);
                    }
                }
            }
        }
    }
}

/// The names of the shared hyperparameters `copy` has and `space` had not,
/// and whether everything created from `first_new` / `first_module` on is
/// shared: every decision a shared hyperparameter, every substitution
/// module created in a share frame.
fn created_shared(space: &Space, copy: &Space, first_new: usize, first_module: usize) -> (Vec<Name>, bool) {
    let known: FxHashSet<&Name> = space.shared_names().collect();
    let mut names: Vec<Name> = copy.shared_names().filter(|n| !known.contains(n)).cloned().collect();
    names.sort();
    let shared_hypers: FxHashSet<HyperId> = copy.shared_hypers().collect();
    let decisions_shared = (first_new..copy.hypers.len()).all(|i| {
        let h = HyperId::from_index(i);
        match copy.hyper_kind(h) {
            HyperKind::Independent { domain } => domain.len() < 2 || shared_hypers.contains(&h),
            HyperKind::Dependent { .. } => true,
        }
    });
    let substitutions_shared = (first_module..copy.modules.len()).all(|i| {
        let def = copy.module_def(crate::ids::ModuleId::from_index(i));
        !matches!(def.kind, ModuleKind::Substitution { .. }) || def.share != NONE
    });
    (names, decisions_shared && substitutions_shared)
}

enum Outcome {
    Count(BigUint),
    /// What was built reads a decision of the rest of the space.
    Dependent,
    /// A decision assumed to be a leaf was read structurally: branch on it.
    Restart(HyperId),
}

/// Counts the decisions a part added to a copy of the space, by branching
/// on copies (leaves multiply, as in the main counter; cells count whole).
struct Completion<'a> {
    first_new: usize,
    before: &'a FxHashSet<HyperId>,
    forced: &'a FxHashSet<HyperId>,
    /// Decisions created before the part that it made live.
    adopted: Vec<HyperId>,
}

impl Completion<'_> {
    /// `assumed`: decisions fixed to their first value as leaves so far.
    fn count(&mut self, mut space: Space, mut assumed: Vec<HyperId>) -> Result<Outcome, SpecError> {
        let mut factor = BigUint::one();
        loop {
            let used = space.watch.as_mut().map(std::mem::take).unwrap_or_default();
            if used.iter().any(|h| h.index() < self.first_new && !space.has_value(*h) && self.before.contains(h)) {
                return Ok(Outcome::Dependent);
            }
            let pending: Vec<HyperId> =
                space.pending_decisions().into_iter().filter(|h| !self.before.contains(h)).collect();
            for h in &pending {
                if h.index() < self.first_new && !self.adopted.contains(h) {
                    self.adopted.push(*h);
                }
            }
            if pending.is_empty() {
                if let Some(h) = assumed.iter().find(|h| space.hypers[h.index()].read_structurally) {
                    return Ok(Outcome::Restart(*h));
                }
                return Ok(Outcome::Count(factor));
            }
            let structural = crate::count::structural_set(&space);
            let mut branchable = Vec::new();
            for h in pending {
                if structural[h.index()] || self.forced.contains(&h) {
                    branchable.push(h);
                    continue;
                }
                factor *= BigUint::from(space.domain(h).map_or(1, |d| d.len()));
                match space.assign_index(h, 0) {
                    Ok(()) => assumed.push(h),
                    Err(e) if e.is_invalid() => return Ok(Outcome::Count(BigUint::zero())),
                    Err(e) => return Err(e),
                }
            }
            if branchable.is_empty() {
                continue;
            }
            // Nested cells over the decisions left count whole; anything else is branched on.
            let d = match nested_cells(&space, &branchable)? {
                Ok(cells) => return Ok(Outcome::Count(factor * cells)),
                Err(d) => d,
            };
            let mut sum = BigUint::zero();
            for index in 0..space.domain(d).map_or(1, |x| x.len()) {
                let mut child = space.clone();
                match child.assign_index(d, index) {
                    Ok(()) => {}
                    Err(e) if e.is_invalid() => continue,
                    Err(e) => return Err(e),
                }
                match self.count(child, assumed.clone())? {
                    Outcome::Count(c) => sum += c,
                    other => return Ok(other),
                }
            }
            return Ok(Outcome::Count(factor * sum));
        }
    }
}

/// The product of the counts of the cells over `decisions`, if every one of
/// them is an edge of a cell the cell counter counts whole; otherwise a
/// decision outside such cells, to branch on.
fn nested_cells(space: &Space, decisions: &[HyperId]) -> Result<Result<BigUint, HyperId>, SpecError> {
    let mut product = BigUint::one();
    for (group, readers) in crate::count::cell_groups(space, decisions) {
        match count_dag_group(space, &group, &readers)? {
            Some(c) => product *= c,
            None => {
                let d = decisions.iter().copied().find(|h| group.contains(h)).unwrap_or(decisions[0]);
                return Ok(Err(d));
            }
        }
    }
    Ok(Ok(product))
}
