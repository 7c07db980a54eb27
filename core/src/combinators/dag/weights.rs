//! What each part of a cell contributes to the count, measured on copies of
//! the space, and the entry points the counter and the sampler call.
//!
//! A part (a node with `k` inputs, the output, an edge with a value) is built
//! into a copy of the space, in the context its cell would fire in, and the
//! decisions it adds are counted there by branching on copies. The count of
//! the cell is exact when those decisions are its own: a part that reads a
//! decision of the rest of the space, or two parts that adopt the same
//! decision, make the cell's count depend on more than its edges, and the
//! counter falls back to branching on the edges.

use std::sync::Arc;

use num_bigint::BigUint;
use num_traits::{One, Zero};
use rustc_hash::{FxHashMap, FxHashSet};

use super::DagSpec;
use super::count::{EdgeOptions, Semiring, Weights, total};
use super::wiring::edge_pairs;
use crate::error::SpecError;
use crate::ids::{HyperId, ModuleId};
use crate::op::Name;
use crate::space::Space;
use crate::space::records::{Counting, HyperKind, ModuleKind};
use crate::value::Value;

/// A cell module: its spec and its edge hyperparameters.
struct CellModule {
    module: ModuleId,
    spec: Arc<DagSpec>,
    edges: Vec<HyperId>,
}

fn cell_of(space: &Space, m: ModuleId) -> Option<CellModule> {
    match &space.module_def(m).kind {
        ModuleKind::Substitution { counting: Counting::Dag(spec), hypers, .. } => {
            Some(CellModule { module: m, spec: Arc::clone(spec), edges: hypers.iter().map(|(_, h)| *h).collect() })
        }
        _ => None,
    }
}

/// The options of each edge of `cell` as they stand in `space`, with
/// `weight` giving what a present value contributes when its edge survives.
fn edge_options<S: Semiring>(
    space: &Space,
    cell: &CellModule,
    mut weight: impl FnMut(usize, &Value) -> Result<Option<S>, SpecError>,
) -> Result<Option<Vec<EdgeOptions<S>>>, SpecError> {
    let mut options = Vec::with_capacity(cell.edges.len());
    for (e, &h) in cell.edges.iter().enumerate() {
        let values: Vec<Value> = match (space.value_of(h), space.hyper_kind(h)) {
            (Some(v), _) => vec![v.clone()],
            (None, HyperKind::Independent { domain }) => domain.values().to_vec(),
            (None, HyperKind::Dependent { .. }) => return Ok(None),
        };
        let mut edge =
            EdgeOptions { absent: false, present: S::nothing(), surviving: S::nothing(), may_be_present: false };
        for value in &values {
            if !cell.spec.is_present(value) {
                edge.absent = true;
                continue;
            }
            let Some(w) = weight(e, value)? else { return Ok(None) };
            edge.present.plus(&S::unit());
            edge.surviving.plus(&w);
            edge.may_be_present = true;
        }
        options.push(edge);
    }
    Ok(Some(options))
}

/// Feasibility of each value of decision `h` for the cells that read it: for
/// each index of its domain, whether some completion of their edges gives a
/// valid cell. `None` when no cell reads `h`.
pub(crate) fn feasible_values(space: &Space, h: HyperId) -> Option<Vec<bool>> {
    let mut verdict: Option<Vec<bool>> = None;
    for m in space.unfired_readers(h) {
        let Some(cell) = cell_of(space, m) else { continue };
        let position = cell.edges.iter().position(|e| *e == h)?;
        let domain = space.domain(h)?.values();
        let rules = cell.spec.rules();
        let v = rules.vertices();
        let base = edge_options::<bool>(space, &cell, |_, _| Ok(Some(true))).ok()??;
        let verdicts = verdict.get_or_insert_with(|| vec![true; domain.len()]);
        for (index, value) in domain.iter().enumerate() {
            let mut edges = base.clone();
            let present = cell.spec.is_present(value);
            edges[position] = EdgeOptions { absent: !present, present, surviving: present, may_be_present: present };
            let weights = Weights { edges, node: vec![vec![true; v + 1]; v], output: vec![true; v + 1] };
            verdicts[index] &= total(&rules, &weights);
        }
    }
    verdict
}

/// The number of completions of the decisions `group` (pending edges), if
/// every module reading them is a cell over exactly those edges with the
/// same rules (copies of one cell in share frames, or a single cell) and
/// what the cells build is independent of the rest of the space.
pub(crate) fn count_dag_group(
    space: &Space,
    group: &FxHashSet<HyperId>,
    readers: &[Option<ModuleId>],
) -> Result<Option<BigUint>, SpecError> {
    let mut cells = Vec::with_capacity(readers.len());
    for reader in readers {
        let Some(cell) = reader.and_then(|m| cell_of(space, m)) else { return Ok(None) };
        cells.push(cell);
    }
    let Some(first) = cells.first() else { return Ok(None) };
    if cells.iter().any(|c| c.edges != first.edges || !c.spec.same_rules(&first.spec)) {
        return Ok(None);
    }
    let pending: FxHashSet<HyperId> = first.edges.iter().copied().filter(|h| !space.has_value(*h)).collect();
    if pending != *group {
        return Ok(None);
    }
    let mut parts = PartCounter { space, cells: &cells, adopted: FxHashMap::default(), shared: FxHashMap::default() };
    let rules = first.spec.rules();
    let pairs = edge_pairs(rules.vertices());
    let Some(edges) = edge_options::<BigUint>(space, first, |e, value| {
        let (from, to) = pairs[e];
        parts.count(Part::Edge(e), |s, cell| cell.spec.build_edge(s, from, to, value).map(drop))
    })?
    else {
        return Ok(None);
    };
    let v = rules.vertices();
    let mut node = vec![vec![BigUint::zero(); v + 1]; v];
    for (vertex, row) in node.iter_mut().enumerate() {
        if !rules.is_node(vertex) {
            continue;
        }
        for (k, slot) in row.iter_mut().enumerate().skip(1).take(vertex.max(1)) {
            let Some(c) = parts.count(Part::Node(vertex), |s, cell| cell.spec.build_node(s, vertex, k).map(drop))?
            else {
                return Ok(None);
            };
            *slot = c;
        }
    }
    let mut output = vec![BigUint::zero(); v + 1];
    for (k, slot) in output.iter_mut().enumerate().skip(1) {
        let Some(c) = parts.count(Part::Output, |s, cell| cell.spec.build_output(s, k).map(drop))? else {
            return Ok(None);
        };
        *slot = c;
    }
    Ok(Some(total(&rules, &Weights { edges, node, output })))
}

/// Which part of a cell a count is for (decisions adopted by one part must
/// not be adopted by another).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Part {
    Edge(usize),
    Node(usize),
    Output,
}

struct PartCounter<'a> {
    space: &'a Space,
    cells: &'a [CellModule],
    /// Decisions of the space, not live before, that a part made live.
    adopted: FxHashMap<HyperId, Part>,
    /// Names of shared hyperparameters a part created: two parts creating
    /// the same one would share its decision, which their product counts twice.
    shared: FxHashMap<Name, Part>,
}

impl PartCounter<'_> {
    /// Builds `part` into a copy of the space for every cell, in the context
    /// each fires in, and counts the completions of what that added.
    fn count(
        &mut self,
        part: Part,
        build: impl Fn(&mut Space, &CellModule) -> Result<(), SpecError>,
    ) -> Result<Option<BigUint>, SpecError> {
        let mut forced = FxHashSet::default();
        loop {
            let mut copy = self.space.clone();
            let first_new = copy.hypers.len();
            let shared_before = copy.shared_count();
            let before: FxHashSet<HyperId> = copy.pending_decisions().into_iter().collect();
            copy.watch = Some(Vec::new());
            for cell in self.cells {
                match copy.as_if_firing(cell.module, |s| build(s, cell)) {
                    Ok(()) => {}
                    Err(e) if e.is_invalid() => return Ok(Some(BigUint::zero())),
                    Err(e) => return Err(e),
                }
            }
            if copy.shared_count() != shared_before {
                let known: FxHashSet<&Name> = self.space.shared_names().collect();
                for name in copy.shared_names().filter(|n| !known.contains(n)) {
                    if *self.shared.entry(name.clone()).or_insert(part) != part {
                        return Ok(None);
                    }
                }
            }
            let mut completion = Completion { first_new, before: &before, forced: &forced, adopted: Vec::new() };
            match completion.count(copy, Vec::new())? {
                Outcome::Count(c) => {
                    for h in completion.adopted {
                        if *self.adopted.entry(h).or_insert(part) != part {
                            return Ok(None);
                        }
                    }
                    return Ok(Some(c));
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

enum Outcome {
    Count(BigUint),
    /// What was built reads a decision of the rest of the space.
    Dependent,
    /// A decision assumed to be a leaf was read structurally: branch on it.
    Restart(HyperId),
}

/// Counts the decisions a part added to a copy of the space, by branching
/// on copies (leaves multiply, as in the main counter).
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
            let mut branch = None;
            for h in pending {
                if structural[h.index()] || self.forced.contains(&h) {
                    branch.get_or_insert(h);
                    continue;
                }
                factor *= BigUint::from(space.domain(h).map_or(1, |d| d.len()));
                match space.assign_index(h, 0) {
                    Ok(()) => assumed.push(h),
                    Err(e) if e.is_invalid() => return Ok(Outcome::Count(BigUint::zero())),
                    Err(e) => return Err(e),
                }
            }
            let Some(d) = branch else { continue };
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
