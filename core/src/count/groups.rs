//! Grouping pending structural decisions by what reads them.

use rustc_hash::FxHashSet;

use crate::ids::{HyperId, ModuleId};
use crate::space::Space;
use crate::space::records::{Counting, HyperKind, ModuleKind};

/// A group of structural decisions and the substitutions that read them.
pub(super) struct Group {
    pub(super) decisions: FxHashSet<HyperId>,
    pub(super) waiters: FxHashSet<ModuleId>,
    /// A constraint reads some of them.
    pub(super) constrained: bool,
}

impl Group {
    /// Whether the group's count is responsible for `h`.
    pub(super) fn owns(&self, space: &Space, h: HyperId) -> bool {
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

/// Splits the structural pending decisions into groups that share no reader
/// and no tie (decisions, by path, found to belong together).
pub(super) fn find_groups(space: &Space, decisions: &[HyperId], ties: &[Vec<String>]) -> Vec<Group> {
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
    let mut tied: Vec<Vec<usize>> = Vec::new();
    if !ties.is_empty() {
        let paths: Vec<String> = decisions.iter().map(|h| space.hyper_path(*h)).collect();
        for tie in ties {
            tied.push((0..decisions.len()).filter(|&i| tie.binary_search(&paths[i]).is_ok()).collect());
        }
    }
    for members in readers.iter().map(|(_, members)| members).chain(&tied) {
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

/// The groups of `decisions` (pending, structural) with their readers, a
/// constraint reading one as `None`: what the cell counter takes.
pub(crate) fn cell_groups(space: &Space, decisions: &[HyperId]) -> Vec<(FxHashSet<HyperId>, Vec<Option<ModuleId>>)> {
    find_groups(space, decisions, &[])
        .into_iter()
        .map(|g| {
            let mut readers: Vec<Option<ModuleId>> = g.waiters.iter().copied().map(Some).collect();
            if g.constrained {
                readers.push(None);
            }
            (g.decisions, readers)
        })
        .collect()
}
