//! Exact counting, enumeration and uniform sampling of decision assignments.
//!
//! # How counting works
//! A branch of the search tree is explored by instantiating the space (a
//! copy of the definition's built space) and replaying a prefix of
//! assignments. Two facts keep the tree small:
//!
//! 1. **Leaf decisions multiply.** A pending decision that no pending
//!    substitution or constraint reads (directly or through dependents) cannot
//!    change the structure: it contributes a factor of its domain size and is
//!    fixed to its first value instead of branched on. If such a decision is
//!    read structurally later after all (a factory captured it), the count
//!    restarts with that decision branched on — never a wrong answer.
//! 2. **Independent parts multiply.** Pending structural decisions are grouped
//!    by the substitutions and constraints that read them; groups that share
//!    nothing are counted separately and multiplied. If one group's
//!    substitutions turn out to use a hyperparameter owned by no group or by
//!    another group, that split is abandoned for plain branching.
//!
//! So the seed space (25,008 assignments) needs 8 rebuilds, and a space of
//! 40 independent binary structural choices needs about 120.

use num_bigint::BigUint;
use num_traits::{One, Zero};
use rand::Rng;
use rustc_hash::FxHashSet;

use crate::architecture::Architecture;
use crate::definition::SpaceDef;
use crate::error::{Invalid, SpecError};
use crate::ids::{HyperId, ModuleId};
use crate::space::Space;
use crate::space::records::{Counting, HyperKind, ModuleKind};

/// Why a counting branch stopped early.
enum Fail {
    Spec(SpecError),
    /// A split into independent groups was not independent after all.
    Conflict,
    /// A decision assumed to be a leaf was read structurally: branch on it.
    Restart(String),
}

impl From<SpecError> for Fail {
    fn from(e: SpecError) -> Self {
        Fail::Spec(e)
    }
}

type Prefix = Vec<(HyperId, u32)>;

/// A group of structural decisions and the substitutions that read them.
struct Group {
    decisions: FxHashSet<HyperId>,
    waiters: FxHashSet<ModuleId>,
    /// A constraint reads some of them.
    constrained: bool,
}

impl Group {
    /// Whether the group's count is responsible for `h`.
    fn owns(&self, space: &Space, h: HyperId) -> bool {
        let def = space.hyper_defs.at(h.index());
        if space.has_value(h) || self.decisions.contains(&h) || self.origin_in(space, def.origin) {
            return true;
        }
        match &def.kind {
            HyperKind::Dependent { deps, .. } => deps.iter().all(|d| self.owns(space, *d)),
            HyperKind::Independent { .. } => false,
        }
    }

    fn origin_in(&self, space: &Space, mut origin: Option<ModuleId>) -> bool {
        while let Some(m) = origin {
            if self.waiters.contains(&m) {
                return true;
            }
            origin = space.module_def(m).origin;
        }
        false
    }
}

/// Whether substitution module `def` reads its hyperparameters structurally
/// (a transparent one does not, for counting).
fn branches(counting: &Counting) -> bool {
    !matches!(counting, Counting::Transparent)
}

/// Per hyperparameter: read by a substitution or constraint that has not fired yet.
pub(crate) fn structural_set(space: &Space) -> Vec<bool> {
    let mut marked = vec![false; space.hypers.len()];
    let mut stack: Vec<HyperId> = Vec::new();
    for (m, def) in space.modules.iter().zip(space.module_defs.iter()) {
        if let ModuleKind::Substitution { hypers, counting, .. } = &def.kind
            && !m.fired
            && branches(counting)
        {
            stack.extend(hypers.iter().map(|(_, h)| *h));
        }
    }
    for c in &space.constraints {
        if c.missing > 0 {
            stack.extend(c.hypers.iter().copied());
        }
    }
    while let Some(h) = stack.pop() {
        if std::mem::replace(&mut marked[h.index()], true) {
            continue;
        }
        if let HyperKind::Dependent { deps, .. } = space.hyper_kind(h) {
            stack.extend(deps.iter().copied());
        }
    }
    marked
}

/// Splits the structural pending decisions into groups that share no reader.
fn find_groups(space: &Space, decisions: &[HyperId]) -> Vec<Group> {
    let index_of = |h: HyperId| decisions.iter().position(|d| *d == h);
    let mut parent: Vec<usize> = (0..decisions.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    // Readers: (module if a substitution, the pending decisions it reads).
    let mut readers: Vec<(Option<ModuleId>, Vec<usize>)> = Vec::new();
    let closure = |start: &[HyperId]| -> Vec<usize> {
        let mut out = Vec::new();
        let mut stack: Vec<HyperId> = start.to_vec();
        let mut seen = FxHashSet::default();
        while let Some(h) = stack.pop() {
            if !seen.insert(h) {
                continue;
            }
            if let Some(i) = index_of(h) {
                out.push(i);
            }
            if let HyperKind::Dependent { deps, .. } = space.hyper_kind(h) {
                stack.extend(deps.iter().copied());
            }
        }
        out
    };
    for (i, (m, def)) in space.modules.iter().zip(space.module_defs.iter()).enumerate() {
        if let ModuleKind::Substitution { hypers, counting, .. } = &def.kind
            && !m.fired
            && branches(counting)
        {
            let hs: Vec<HyperId> = hypers.iter().map(|(_, h)| *h).collect();
            readers.push((Some(ModuleId::from_index(i)), closure(&hs)));
        }
    }
    for c in &space.constraints {
        if c.missing > 0 {
            readers.push((None, closure(&c.hypers)));
        }
    }
    for (_, members) in &readers {
        for pair in members.windows(2) {
            let (a, b) = (root(&mut parent, pair[0]), root(&mut parent, pair[1]));
            parent[a] = b;
        }
    }
    let mut groups: Vec<(usize, Group)> = Vec::new();
    for (i, &decision) in decisions.iter().enumerate() {
        let r = root(&mut parent, i);
        let slot = match groups.iter().position(|(g, _)| *g == r) {
            Some(p) => p,
            None => {
                groups.push((
                    r,
                    Group { decisions: FxHashSet::default(), waiters: FxHashSet::default(), constrained: false },
                ));
                groups.len() - 1
            }
        };
        groups[slot].1.decisions.insert(decision);
    }
    for (module, members) in readers {
        if let Some(&first) = members.first() {
            let r = root(&mut parent, first);
            if let Some((_, g)) = groups.iter_mut().find(|(g, _)| *g == r) {
                match module {
                    Some(m) => {
                        g.waiters.insert(m);
                    }
                    None => g.constrained = true,
                }
            }
        }
    }
    groups.into_iter().map(|(_, g)| g).collect()
}

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
    /// A fresh space with `prefix` replayed; `Err` with the broken space (if
    /// one was made) if it is invalid. With `watch_from`, uses of
    /// hyperparameters are recorded from that position on.
    fn rebuild(
        &self,
        prefix: &[(HyperId, u32)],
        watch_from: Option<usize>,
    ) -> Result<Result<Space, Option<Space>>, SpecError> {
        let mut space = match self.instantiate() {
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

    /// The exact number of distinct complete decision assignments the space
    /// accepts (assignments that a substitution or constraint rejects as
    /// [`Invalid`] are not counted).
    ///
    /// ```
    /// use archspace_core::{choice, Op, SpaceDef};
    /// let def = SpaceDef::new(|s| {
    ///     s.repeat(choice([1, 2, 3]), |s| s.basic(Op::new("conv").param("filters", choice([8, 16]))))
    /// });
    /// assert_eq!(def.count()?, (2u32 + 4 + 8).into());
    /// # Ok::<(), archspace_core::SpecError>(())
    /// ```
    pub fn count(&self) -> Result<BigUint, SpecError> {
        let mut forced = FxHashSet::default();
        self.count_after(&[], &mut forced)
    }

    fn count_after(&self, prefix: &[(HyperId, u32)], forced: &mut FxHashSet<String>) -> Result<BigUint, SpecError> {
        loop {
            let mut p = prefix.to_vec();
            match self.count_node(&mut p, &mut Vec::new(), None, false, forced) {
                Ok(c) => return Ok(c),
                Err(Fail::Spec(e)) => return Err(e),
                Err(Fail::Restart(path)) => {
                    if !forced.insert(path.clone()) {
                        return Err(SpecError::Unusable {
                            reason: format!("internal invariant: counting restarted twice for `{path}`"),
                        });
                    }
                }
                Err(Fail::Conflict) => {
                    return Err(SpecError::Unusable {
                        reason: "internal invariant: conflict outside a split".to_owned(),
                    });
                }
            }
        }
    }

    fn count_node(
        &self,
        prefix: &mut Prefix,
        assumed: &mut Vec<usize>,
        group: Option<&Group>,
        check_last: bool,
        forced: &FxHashSet<String>,
    ) -> Result<BigUint, Fail> {
        let (base_len, base_assumed) = (prefix.len(), assumed.len());
        let result = self.count_node_inner(prefix, assumed, group, check_last, forced);
        prefix.truncate(base_len);
        assumed.truncate(base_assumed);
        result
    }

    fn count_node_inner(
        &self,
        prefix: &mut Prefix,
        assumed: &mut Vec<usize>,
        group: Option<&Group>,
        check_last: bool,
        forced: &FxHashSet<String>,
    ) -> Result<BigUint, Fail> {
        let watch_from = group.map(|_| if check_last { prefix.len().saturating_sub(1) } else { prefix.len() });
        let mut space = match self.rebuild(prefix, watch_from)? {
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
                let is_forced = !forced.is_empty() && forced.contains(&space.hyper_path(h));
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
            let groups = find_groups(&space, &branchable);
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
                let mut split_held = true;
                for g in &rest {
                    match self.count_node(prefix, assumed, Some(g), false, forced) {
                        Ok(c) => {
                            product *= c;
                            if product.is_zero() {
                                break;
                            }
                        }
                        Err(Fail::Conflict) => {
                            split_held = false;
                            break;
                        }
                        Err(e) => return Err(e),
                    }
                }
                if split_held {
                    return Ok(factor * cells * product);
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
                let c = self.count_node(prefix, assumed, group, true, forced);
                prefix.pop();
                sum += c?;
            }
            return Ok(factor * sum);
        }
    }

    /// Walks every complete assignment in lexicographic order of domain
    /// indices, yielding each architecture (assignments rejected as
    /// [`Invalid`] are skipped). Meant for small spaces; see [`count`](Self::count) first.
    pub fn enumerate(&self) -> Enumerate<'_> {
        Enumerate { def: self, stack: vec![Vec::new()] }
    }

    /// An architecture drawn uniformly over all complete assignments that
    /// the space accepts (not just uniformly per decision): each structural
    /// decision is drawn in proportion to the number of completions below it.
    pub fn sample_uniform<R: Rng + ?Sized>(&self, rng: &mut R) -> Result<Architecture, SpecError> {
        let mut forced = FxHashSet::default();
        'attempt: loop {
            let mut space = self.instantiate()?;
            let mut prefix: Prefix = Vec::new();
            let mut leaves: Vec<HyperId> = Vec::new();
            while let Some(d) = space.next_decision() {
                let len = space.domain(d).map_or(1, |x| x.len());
                let is_forced = !forced.is_empty() && forced.contains(&space.hyper_path(d));
                let index = if structural_set(&space)[d.index()] || is_forced {
                    let mut weights = Vec::with_capacity(len);
                    for v in 0..len as u32 {
                        prefix.push((d, v));
                        let known = forced.len();
                        let w = self.count_after(&prefix, &mut forced)?;
                        prefix.pop();
                        if forced.len() != known {
                            continue 'attempt;
                        }
                        weights.push(w);
                    }
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
                    pick
                } else {
                    leaves.push(d);
                    rng.random_range(0..len)
                };
                space.assign_index(d, index)?;
                prefix.push((d, index as u32));
            }
            if let Some(h) = leaves.iter().find(|h| space.hypers[h.index()].read_structurally) {
                forced.insert(space.hyper_path(*h));
                continue 'attempt;
            }
            return space.freeze();
        }
    }
}

fn check_assumed(space: &Space, prefix: &Prefix, assumed: &[usize]) -> Result<(), Fail> {
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
    if used.iter().any(|h| !group.owns(space, *h)) { Err(Fail::Conflict) } else { Ok(()) }
}

/// Iterator over every complete assignment's architecture; see [`SpaceDef::enumerate`].
pub struct Enumerate<'a> {
    def: &'a SpaceDef,
    stack: Vec<Prefix>,
}

impl Iterator for Enumerate<'_> {
    type Item = Result<Architecture, SpecError>;

    fn next(&mut self) -> Option<Self::Item> {
        while let Some(prefix) = self.stack.pop() {
            let mut space = match self.def.rebuild(&prefix, None) {
                Ok(Ok(s)) => s,
                Ok(Err(_)) => continue,
                Err(e) => {
                    self.stack.clear();
                    return Some(Err(e));
                }
            };
            match space.next_decision() {
                None => return Some(space.freeze()),
                Some(d) => {
                    let len = space.domain(d).map_or(1, |x| x.len());
                    for v in (0..len as u32).rev() {
                        let mut child = prefix.clone();
                        child.push((d, v));
                        self.stack.push(child);
                    }
                }
            }
        }
        None
    }
}
