//! The counter: branches of the search tree explored by rebuilding the
//! space and replaying a prefix of assignments.

use std::time::{Duration, Instant};

use num_bigint::BigUint;
use num_traits::{One, Zero};
use rustc_hash::FxHashSet;

use super::CountProgress;
use super::groups::{Group, find_groups, structural_set};
use crate::definition::SpaceDef;
use crate::error::SpecError;
use crate::ids::{HyperId, ModuleId};
use crate::space::Space;
use crate::space::records::HyperKind;

/// Why a counting branch stopped early.
pub(super) enum Fail {
    Spec(SpecError),
    /// A split into independent groups was not independent after all: a
    /// group's substitution used a hyperparameter that depends on these
    /// pending decisions of other groups (paths; empty if none is known).
    Conflict(Vec<String>),
    /// A decision assumed to be a leaf was read structurally: branch on it.
    Restart(String),
}

impl From<SpecError> for Fail {
    fn from(e: SpecError) -> Self {
        Fail::Spec(e)
    }
}

pub(super) type Prefix = Vec<(HyperId, u32)>;

#[cfg(test)]
thread_local! {
    /// Counts made on this thread (calls of `count_after`), for tests.
    pub(crate) static COUNTINGS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Reports progress to a callback at most once per interval.
struct Progress<'a> {
    report: &'a mut dyn FnMut(&CountProgress),
    every: Duration,
    start: Instant,
    last: Instant,
    rebuilds: u64,
}

/// One count: the definition, the decisions found to be structural after
/// all (branched on from then on), the decisions found to belong together
/// (a factory captured a hyperparameter that depends on another group's
/// decision), and the progress report.
pub(super) struct Counter<'a> {
    def: &'a SpaceDef,
    pub(super) forced: FxHashSet<String>,
    ties: Vec<Vec<String>>,
    progress: Option<Progress<'a>>,
}

impl<'a> Counter<'a> {
    pub(super) fn new(def: &'a SpaceDef) -> Self {
        Counter { def, forced: FxHashSet::default(), ties: Vec::new(), progress: None }
    }

    /// A counter that calls `report` at most once per `every`.
    pub(super) fn with_progress(def: &'a SpaceDef, every: Duration, report: &'a mut dyn FnMut(&CountProgress)) -> Self {
        let now = Instant::now();
        Counter {
            def,
            forced: FxHashSet::default(),
            ties: Vec::new(),
            progress: Some(Progress { report, every, start: now, last: now, rebuilds: 0 }),
        }
    }

    /// Counts a rebuild; reports if the interval has passed.
    fn tick(&mut self) {
        let Some(p) = &mut self.progress else { return };
        p.rebuilds += 1;
        if p.rebuilds % 256 == 0 && p.last.elapsed() >= p.every {
            p.last = Instant::now();
            (p.report)(&CountProgress { rebuilds: p.rebuilds, elapsed: p.start.elapsed() });
        }
    }

    /// The number of completions of `prefix`.
    pub(super) fn count_after(&mut self, prefix: &[(HyperId, u32)]) -> Result<BigUint, SpecError> {
        #[cfg(test)]
        COUNTINGS.with(|c| c.set(c.get() + 1));
        loop {
            let mut p = prefix.to_vec();
            match self.count_node(&mut p, &mut Vec::new(), None, false) {
                Ok(c) => return Ok(c),
                Err(Fail::Spec(e)) => return Err(e),
                Err(Fail::Restart(path)) => {
                    if !self.forced.insert(path.clone()) {
                        return Err(SpecError::Unusable {
                            reason: format!("internal invariant: counting restarted twice for `{path}`"),
                        });
                    }
                }
                Err(Fail::Conflict(_)) => {
                    return Err(SpecError::Unusable {
                        reason: "internal invariant: conflict outside a split".to_owned(),
                    });
                }
            }
        }
    }

    fn count_node(
        &mut self,
        prefix: &mut Prefix,
        assumed: &mut Vec<usize>,
        group: Option<&Group>,
        check_last: bool,
    ) -> Result<BigUint, Fail> {
        let (base_len, base_assumed) = (prefix.len(), assumed.len());
        let result = self.count_node_inner(prefix, assumed, group, check_last);
        prefix.truncate(base_len);
        assumed.truncate(base_assumed);
        result
    }

    fn count_node_inner(
        &mut self,
        prefix: &mut Prefix,
        assumed: &mut Vec<usize>,
        group: Option<&Group>,
        check_last: bool,
    ) -> Result<BigUint, Fail> {
        let watch_from = group.map(|_| if check_last { prefix.len().saturating_sub(1) } else { prefix.len() });
        self.tick();
        let mut space = match rebuild(self.def, prefix, watch_from)? {
            Ok(space) => space,
            Err(broken) => {
                // A transparent module that rejected a value assumed to be a
                // leaf makes that value matter: branch on it.
                if let Some(broken) = broken {
                    check_assumed(&broken, prefix, assumed)?;
                }
                return Ok(BigUint::zero());
            }
        };
        check_conflicts(&mut space, group)?;
        let mut factor = BigUint::one();
        loop {
            let pending: Vec<HyperId> =
                space.pending_decisions().into_iter().filter(|h| group.is_none_or(|g| g.owns(&space, *h))).collect();
            if pending.is_empty() {
                check_assumed(&space, prefix, assumed)?;
                return Ok(factor);
            }
            let structural = structural_set(&space);
            let mut branchable = Vec::new();
            for h in pending {
                let is_forced = !self.forced.is_empty() && self.forced.contains(&space.hyper_path(h));
                if structural[h.index()] || is_forced {
                    branchable.push(h);
                    continue;
                }
                let len = space.domain(h).map_or(1, |d| d.len());
                factor *= BigUint::from(len);
                match space.assign_index(h, 0) {
                    Ok(()) => {}
                    Err(e) if e.is_invalid() => {
                        if space.hypers[h.index()].read_structurally {
                            return Err(Fail::Restart(space.hyper_path(h)));
                        }
                        check_assumed(&space, prefix, assumed)?;
                        return Ok(BigUint::zero());
                    }
                    Err(e) => return Err(e.into()),
                }
                prefix.push((h, 0));
                assumed.push(prefix.len() - 1);
                check_conflicts(&mut space, group)?;
            }
            if branchable.is_empty() {
                continue;
            }
            let groups = find_groups(&space, &branchable, &self.ties);
            // Cells over edge flags are counted whole, by dynamic programming.
            let mut cells = BigUint::one();
            let mut counted_cells = false;
            let mut rest = Vec::with_capacity(groups.len());
            for g in groups {
                let readers: Vec<Option<ModuleId>> = g.waiters.iter().copied().map(Some).collect();
                let counted = if g.constrained {
                    None
                } else {
                    crate::combinators::count_dag_group(&space, &g.decisions, &readers)?
                };
                match counted {
                    Some(c) => {
                        cells *= c;
                        counted_cells = true;
                    }
                    None => rest.push(g),
                }
            }
            if cells.is_zero() {
                return Ok(BigUint::zero());
            }
            if rest.is_empty() {
                return Ok(factor * cells);
            }
            if rest.len() > 1 || counted_cells {
                let mut product = BigUint::one();
                let mut split = Split::Held;
                for g in &rest {
                    match self.count_node(prefix, assumed, Some(g), false) {
                        Ok(c) => {
                            product *= c;
                            if product.is_zero() {
                                break;
                            }
                        }
                        Err(Fail::Conflict(others)) => {
                            split = self.tie(&space, g, others);
                            break;
                        }
                        Err(e) => return Err(e),
                    }
                }
                match split {
                    Split::Held => return Ok(factor * cells * product),
                    // Group again, the tied decisions together.
                    Split::Regroup => continue,
                    Split::Abandoned => {}
                }
            }
            // Branch on a decision outside the counted cells (each branch counts them again).
            let d = branchable
                .iter()
                .copied()
                .find(|h| rest.iter().any(|g| g.decisions.contains(h)))
                .unwrap_or(branchable[0]);
            let len = space.domain(d).map_or(1, |x| x.len());
            let mut sum = BigUint::zero();
            for v in 0..len as u32 {
                prefix.push((d, v));
                let c = self.count_node(prefix, assumed, group, true);
                prefix.pop();
                sum += c?;
            }
            return Ok(factor * sum);
        }
    }
}

/// What became of a split into independent groups.
enum Split {
    Held,
    /// Two groups were found to belong together: group again.
    Regroup,
    /// Dependent in a way no tie describes: branch instead.
    Abandoned,
}

impl Counter<'_> {
    /// Records that `group`'s decisions and `others` belong together.
    fn tie(&mut self, space: &Space, group: &Group, others: Vec<String>) -> Split {
        if others.is_empty() {
            return Split::Abandoned;
        }
        let mut tie: Vec<String> = group.decisions.iter().map(|h| space.hyper_path(*h)).collect();
        tie.extend(others);
        tie.sort();
        tie.dedup();
        if self.ties.contains(&tie) {
            // Tied before and still in conflict: the tie does not explain it.
            return Split::Abandoned;
        }
        self.ties.push(tie);
        Split::Regroup
    }
}

/// A fresh space with `prefix` replayed; `Err` with the broken space (if
/// one was made) if it is invalid. With `watch_from`, uses of
/// hyperparameters are recorded from that position on.
pub(super) fn rebuild(
    def: &SpaceDef,
    prefix: &[(HyperId, u32)],
    watch_from: Option<usize>,
) -> Result<Result<Space, Option<Space>>, SpecError> {
    let mut space = match def.instantiate() {
        Ok(s) => s,
        Err(e) if e.is_invalid() => return Ok(Err(None)),
        Err(e) => return Err(e),
    };
    for (position, &(h, i)) in prefix.iter().enumerate() {
        if watch_from == Some(position) {
            space.watch = Some(Vec::new());
        }
        match space.assign_index(h, i as usize) {
            Ok(()) => {}
            Err(e) if e.is_invalid() => return Ok(Err(Some(space))),
            Err(e) => return Err(e),
        }
    }
    if watch_from.is_some() && space.watch.is_none() {
        space.watch = Some(Vec::new());
    }
    Ok(Ok(space))
}

pub(super) fn check_assumed(space: &Space, prefix: &Prefix, assumed: &[usize]) -> Result<(), Fail> {
    for &p in assumed {
        let h = prefix[p].0;
        if space.hypers[h.index()].read_structurally {
            return Err(Fail::Restart(space.hyper_path(h)));
        }
    }
    Ok(())
}

fn check_conflicts(space: &mut Space, group: Option<&Group>) -> Result<(), Fail> {
    let Some(group) = group else { return Ok(()) };
    let used = space.watch.as_mut().map(std::mem::take).unwrap_or_default();
    let unowned: Vec<HyperId> = used.into_iter().filter(|h| !group.owns(space, *h)).collect();
    if unowned.is_empty() {
        return Ok(());
    }
    Err(Fail::Conflict(pending_sources(space, &unowned)))
}

/// The paths of the pending decisions that `hypers` are or depend on.
fn pending_sources(space: &Space, hypers: &[HyperId]) -> Vec<String> {
    let mut stack = hypers.to_vec();
    let mut seen = FxHashSet::default();
    let mut out = Vec::new();
    while let Some(h) = stack.pop() {
        if !seen.insert(h) || space.has_value(h) {
            continue;
        }
        match space.hyper_kind(h) {
            HyperKind::Dependent { deps, .. } => stack.extend(deps.iter().copied()),
            HyperKind::Independent { .. } => out.push(space.hyper_path(h)),
        }
    }
    out
}
