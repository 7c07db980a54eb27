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
use num_traits::Zero;
use rustc_hash::FxHashSet;

use super::DagSpec;
use super::count::{EdgeOptions, Semiring, Weights, total};
use super::parts::{Part, PartCounter};
use super::wiring::{Rules, edge_pairs};
use crate::error::SpecError;
use crate::ids::{HyperId, ModuleId};
use crate::op::Name;
use crate::space::Space;
use crate::space::records::{Counting, HyperKind, ModuleKind};
use crate::value::Value;

/// A cell module: its spec and its edge hyperparameters.
pub(super) struct CellModule {
    pub(super) module: ModuleId,
    pub(super) spec: Arc<DagSpec>,
    pub(super) edges: Vec<HyperId>,
}

fn cell_of(space: &Space, m: ModuleId) -> Option<CellModule> {
    match &space.module_def(m).kind {
        ModuleKind::Substitution { counting: Counting::Dag(spec), hypers, .. } => {
            Some(CellModule { module: m, spec: Arc::clone(spec), edges: hypers.iter().map(|(_, h)| *h).collect() })
        }
        _ => None,
    }
}

/// Whether a cell over edge flags that has not fired reads `h`.
pub(crate) fn read_by_a_cell(space: &Space, h: HyperId) -> bool {
    space.unfired_readers(h).into_iter().any(|m| cell_of(space, m).is_some())
}

/// What a present value of an edge contributes when the edge survives.
pub(super) enum EdgeWeight<S> {
    /// Decisions of the edge's own.
    Own(S),
    /// The decisions of shared value number `id`, counted once per cell.
    Shared(usize),
}

/// The values each edge of `cell` may still take in `space` (its value, if
/// it has one), or `None` if an edge is a dependent without a value.
fn edge_values(space: &Space, cell: &CellModule) -> Option<Vec<Vec<Value>>> {
    let mut all = Vec::with_capacity(cell.edges.len());
    for &h in &cell.edges {
        all.push(match (space.value_of(h), space.hyper_kind(h)) {
            (Some(v), _) => vec![v.clone()],
            (None, HyperKind::Independent { domain }) => domain.values().to_vec(),
            (None, HyperKind::Dependent { .. }) => return None,
        });
    }
    Some(all)
}

/// The options of each value each edge of `cell` may still take (its
/// value, if it has one; else its domain, in order), with `weight` giving
/// what a present value contributes when its edge survives.
fn value_options<S: Semiring>(
    space: &Space,
    cell: &CellModule,
    mut weight: impl FnMut(usize, &Value) -> Result<Option<EdgeWeight<S>>, SpecError>,
) -> Result<Option<Vec<Vec<EdgeOptions<S>>>>, SpecError> {
    let Some(values) = edge_values(space, cell) else { return Ok(None) };
    let mut options = Vec::with_capacity(values.len());
    for (e, values) in values.iter().enumerate() {
        let mut edge = Vec::with_capacity(values.len());
        for value in values {
            let mut option = EdgeOptions::none();
            if !cell.spec.is_present(value) {
                option.absent = true;
            } else {
                option.present = S::unit();
                match weight(e, value)? {
                    None => return Ok(None),
                    Some(EdgeWeight::Own(w)) => option.surviving = Some(w),
                    Some(EdgeWeight::Shared(id)) => option.shared.push(id),
                }
            }
            edge.push(option);
        }
        options.push(edge);
    }
    Ok(Some(options))
}

/// The options of an edge that may take any of `values`' options.
fn merged<S: Semiring>(values: &[EdgeOptions<S>]) -> EdgeOptions<S> {
    let mut edge = EdgeOptions::<S>::none();
    for value in values {
        edge.absent |= value.absent;
        edge.present.plus(&value.present);
        if let Some(w) = &value.surviving {
            edge.surviving.get_or_insert_with(S::nothing).plus(w);
        }
        edge.shared.extend_from_slice(&value.shared);
    }
    edge
}

/// Feasibility of each value of decision `h` for the cells that read it: for
/// each index of its domain, whether some completion of their edges gives a
/// valid cell. `None` when no cell reads `h`.
///
/// Feasibility only depends on whether a value makes its edge present, so
/// each cell decides two cases at most (absent, present). A few completions
/// are tried first (every open edge absent where it may be; only the chain
/// `i -> i + 1` present; every open edge present), each checked by the
/// wiring rules in time linear in the edges; the dynamic programme over the
/// edges decides only when none of them is valid.
pub(crate) fn feasible_values(space: &Space, h: HyperId) -> Option<Vec<bool>> {
    let mut verdict: Option<Vec<bool>> = None;
    for m in space.unfired_readers(h) {
        let Some(cell) = cell_of(space, m) else { continue };
        let position = cell.edges.iter().position(|e| *e == h)?;
        let domain = space.domain(h)?.values();
        let mut edges = presence_options(space, &cell)?;
        let rules = cell.spec.rules();
        let pairs = edge_pairs(rules.vertices());
        let verdicts = verdict.get_or_insert_with(|| vec![true; domain.len()]);
        // The verdict when the edge is absent ([0]) and present ([1]), once asked.
        let mut by_presence: [Option<bool>; 2] = [None, None];
        for (index, value) in domain.iter().enumerate() {
            if !verdicts[index] {
                continue;
            }
            let present = cell.spec.is_present(value);
            verdicts[index] = *by_presence[usize::from(present)].get_or_insert_with(|| {
                edges[position] = EdgeOptions::only(present);
                feasible(&rules, &pairs, &edges)
            });
        }
    }
    verdict
}

/// Whether some completion of `edges` gives a valid cell.
fn feasible(rules: &Rules, pairs: &[(usize, usize)], edges: &[EdgeOptions<bool>]) -> bool {
    let witnessed = [Completion::Absent, Completion::Chain, Completion::Present].iter().any(|how| {
        let flags: Vec<bool> = edges.iter().zip(pairs).map(|(e, &(i, j))| how.present(e, j == i + 1)).collect();
        rules.wiring(&flags).is_ok()
    });
    if witnessed {
        return true;
    }
    let v = rules.vertices();
    let weights = Weights {
        edges: edges.to_vec(),
        node: vec![vec![true; v + 1]; v],
        output: vec![true; v + 1],
        values: Vec::new(),
    };
    total(rules, &weights)
}

/// Whether each edge of `cell` may still be absent and may be present, as
/// feasibility options (without copying the values); `None` if an edge is
/// a dependent without a value.
fn presence_options(space: &Space, cell: &CellModule) -> Option<Vec<EdgeOptions<bool>>> {
    let spec = &cell.spec;
    cell.edges
        .iter()
        .map(|&h| {
            let (absent, present) = match (space.value_of(h), space.hyper_kind(h)) {
                (Some(v), _) => (!spec.is_present(v), spec.is_present(v)),
                (None, HyperKind::Independent { domain }) => {
                    let values = domain.values();
                    (values.iter().any(|v| !spec.is_present(v)), values.iter().any(|v| spec.is_present(v)))
                }
                (None, HyperKind::Dependent { .. }) => return None,
            };
            Some(EdgeOptions { absent, present, surviving: present.then_some(true), shared: Vec::new() })
        })
        .collect()
}

/// A completion of the open edges tried before the dynamic programme.
enum Completion {
    /// Every open edge absent.
    Absent,
    /// The chain edges present, the others absent.
    Chain,
    /// Every open edge present.
    Present,
}

impl Completion {
    /// Whether an edge with `options` is present in this completion.
    fn present(&self, options: &EdgeOptions<bool>, chain: bool) -> bool {
        let (may_be_absent, may_be_present) = (options.absent, options.may_be_present());
        match self {
            _ if !may_be_absent => true,
            _ if !may_be_present => false,
            Completion::Absent => false,
            Completion::Chain => chain,
            Completion::Present => true,
        }
    }
}

/// The parts of a cell group, measured once: what its dynamic programme
/// needs to weigh the group's pending edges under any restriction.
pub(crate) struct CellGroup {
    rules: Rules,
    weights: Weights<BigUint>,
    /// Per edge of the cell, the options of each value it may take (its
    /// domain's, in order, while it is pending).
    values: Vec<Vec<EdgeOptions<BigUint>>>,
    /// The cell's edge decisions, in edge order.
    edges: Vec<HyperId>,
}

impl CellGroup {
    /// The number of completions of the group's edges as restricted so far.
    pub(crate) fn total(&self) -> BigUint {
        total(&self.rules, &self.weights)
    }

    /// The cell's edge decisions, in edge order.
    pub(crate) fn edges(&self) -> &[HyperId] {
        &self.edges
    }

    /// The completions of the group for each index of edge `e`'s domain,
    /// with the edges fixed so far.
    pub(crate) fn weights_of(&mut self, e: usize) -> Vec<BigUint> {
        let open = self.weights.edges[e].clone();
        let weights = (0..self.values[e].len())
            .map(|index| {
                self.weights.edges[e] = self.values[e][index].clone();
                self.total()
            })
            .collect();
        self.weights.edges[e] = open;
        weights
    }

    /// Fixes edge `e` to the value at `index` of its domain.
    pub(crate) fn fix(&mut self, e: usize, index: usize) {
        self.weights.edges[e] = self.values[e][index].clone();
    }
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
    Ok(measure_dag_group(space, group, readers)?.map(|cells| cells.total()))
}

/// The parts of the cells reading `group` (pending edges), measured, under
/// the conditions of [`count_dag_group`]; `None` where they do not hold.
pub(crate) fn measure_dag_group(
    space: &Space,
    group: &FxHashSet<HyperId>,
    readers: &[Option<ModuleId>],
) -> Result<Option<CellGroup>, SpecError> {
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
    let mut parts = PartCounter::new(space, &cells);
    let rules = first.spec.rules();
    let pairs = edge_pairs(rules.vertices());
    // Values whose decisions every edge of that value shares (Liu et al.'s
    // motifs, shared by every use): the names and count of each.
    let mut shared_values: Vec<(Value, Vec<Name>, BigUint)> = Vec::new();
    let Some(values) = value_options::<BigUint>(space, first, |e, value| {
        let (from, to) = pairs[e];
        let Some(m) = parts.measure(Part::Edge(e), |s, cell| cell.spec.build_edge(s, from, to, value).map(drop))?
        else {
            return Ok(None);
        };
        if !m.only_shared || m.names.is_empty() {
            return Ok(parts.claim(Part::Edge(e), &m.names).then_some(EdgeWeight::Own(m.count)));
        }
        match shared_values.iter().position(|(v, _, _)| v == value) {
            Some(id) => {
                let (_, names, count) = &shared_values[id];
                Ok((*names == m.names && *count == m.count).then_some(EdgeWeight::Shared(id)))
            }
            None if shared_values.len() < 64 => {
                let id = shared_values.len();
                shared_values.push((value.clone(), m.names, m.count));
                Ok(Some(EdgeWeight::Shared(id)))
            }
            None => Ok(None),
        }
    })?
    else {
        return Ok(None);
    };
    for (id, (_, names, _)) in shared_values.iter().enumerate() {
        if !parts.claim(Part::Value(id), names) {
            return Ok(None);
        }
    }
    let shared = shared_values.into_iter().map(|(_, _, count)| count).collect();
    let edges = values.iter().map(|options| merged(options)).collect();
    let v = rules.vertices();
    let mut node = vec![vec![BigUint::zero(); v + 1]; v];
    for (vertex, row) in node.iter_mut().enumerate() {
        if !rules.is_node(vertex) {
            continue;
        }
        for (k, slot) in row.iter_mut().enumerate().skip(1).take(vertex.max(1)) {
            match parts.measure(Part::Node(vertex), |s, cell| cell.spec.build_node(s, vertex, k).map(drop))? {
                Some(m) if parts.claim(Part::Node(vertex), &m.names) => *slot = m.count,
                _ => return Ok(None),
            }
        }
    }
    let mut output = vec![BigUint::zero(); v + 1];
    for (k, slot) in output.iter_mut().enumerate().skip(1) {
        match parts.measure(Part::Output, |s, cell| cell.spec.build_output(s, k).map(drop))? {
            Some(m) if parts.claim(Part::Output, &m.names) => *slot = m.count,
            _ => return Ok(None),
        }
    }
    let weights = Weights { edges, node, output, values: shared };
    Ok(Some(CellGroup { rules, weights, values, edges: first.edges.clone() }))
}
