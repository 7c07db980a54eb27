//! Building a cell once its edges have values.

use std::sync::Arc;

use super::DagSpec;
use super::wiring::{Feed, Rules, edge_pairs};
use crate::combinators::as_siso;
use crate::error::SpecError;
use crate::ids::{InputId, OutputId};
use crate::io::Io;
use crate::op::{Name, Param};
use crate::space::{Space, Substitution, Values};
use crate::value::Value;

impl DagSpec {
    pub(crate) fn rules(&self) -> Rules {
        let c = &self.cell;
        Rules { nodes: c.nodes, boundary: c.boundary, off_path: c.off_path, max_edges: c.max_edges }
    }

    /// Whether an edge with `value` is present.
    pub(crate) fn is_present(&self, value: &Value) -> bool {
        *value != self.cell.absent
    }

    /// Builds node `v` reading `k ≥ 1` inputs: `combine(k)` (for `k ≥ 2`),
    /// then the body. Returns the inputs to feed, in order, and the output.
    pub(crate) fn build_node(&self, s: &mut Space, v: usize, k: usize) -> Result<(Vec<InputId>, OutputId), SpecError> {
        s.in_scope(format_args!("node{v}"), |s| {
            let body = as_siso(&(self.cell.node)(s, v)?)?;
            self.merged(s, k, &self.cell.combine, body)
        })
    }

    /// Builds the output reading `k ≥ 1` inputs.
    pub(crate) fn build_output(&self, s: &mut Space, k: usize) -> Result<(Vec<InputId>, OutputId), SpecError> {
        s.in_scope("output", |s| {
            let body = match &self.cell.output_node {
                Some(node) => as_siso(&node(s)?)?,
                None => s.identity_named("output")?,
            };
            let combine = self.cell.output_combine.as_ref().unwrap_or(&self.cell.combine);
            self.merged(s, k, combine, body)
        })
    }

    /// `combine(k)` (or nothing, for one input) in front of `body`.
    fn merged(
        &self,
        s: &mut Space,
        k: usize,
        combine: &crate::combinators::CombineFactory,
        body: Io,
    ) -> Result<(Vec<InputId>, OutputId), SpecError> {
        if k < 2 {
            return Ok((vec![body.single_input()?], body.single_output()?));
        }
        let merge = s.in_scope("combine", |s| combine(s, k))?;
        s.connect(merge.single_output()?, body.single_input()?)?;
        let inputs = (0..k).map(|i| merge.input(&format!("in{i}"))).collect::<Result<_, _>>()?;
        Ok((inputs, body.single_output()?))
    }

    /// Builds the module on edge `from → to` with `value`, if the cell has one.
    pub(crate) fn build_edge(
        &self,
        s: &mut Space,
        from: usize,
        to: usize,
        value: &Value,
    ) -> Result<Option<Io>, SpecError> {
        let Some(edge) = &self.cell.edge else { return Ok(None) };
        let io = s.in_scope(format_args!("edge_{from}_{to}"), |s| edge(s, from, to, value))?;
        Ok(Some(as_siso(&io)?))
    }
}

/// The substitution of a cell over its edge hyperparameters `hypers`.
pub(super) fn substitution(spec: Arc<DagSpec>, hypers: Vec<(Name, Param)>) -> Substitution {
    Substitution::siso("dag", hypers, move |s, values| build_cell(s, &spec, values))
}

fn build_cell(s: &mut Space, spec: &DagSpec, values: &Values) -> Result<Io, SpecError> {
    let edge_values: Vec<&Value> = values.entries().iter().map(|(_, v)| v).collect();
    let present: Vec<bool> = edge_values.iter().map(|v| spec.is_present(v)).collect();
    let wiring = spec.rules().wiring(&present)?;
    let pairs = edge_pairs(spec.rules().vertices());
    let input = s.identity_named("input")?;
    let cell_input = input.single_output()?;
    // Vertex outputs, and the inputs each built vertex still has to be fed.
    let vertices = spec.rules().vertices();
    let mut outputs: Vec<Option<OutputId>> = vec![None; vertices];
    if spec.cell.boundary == super::Boundary::Explicit {
        outputs[0] = Some(cell_input);
    }
    let mut pending: Vec<(Vec<InputId>, Vec<Feed>)> = Vec::new();
    for (v, feeds) in wiring.nodes.iter().enumerate() {
        let Some(feeds) = feeds else { continue };
        let (inputs, output) = spec.build_node(s, v, feeds.len())?;
        outputs[v] = Some(output);
        pending.push((inputs, feeds.clone()));
    }
    let (out_inputs, out) = spec.build_output(s, wiring.output.len())?;
    pending.push((out_inputs, wiring.output.clone()));
    for (inputs, feeds) in pending {
        for (target, feed) in inputs.into_iter().zip(feeds) {
            let (source, edge) = match feed {
                Feed::Edge { edge, from } => (outputs[from], Some(edge)),
                Feed::CellInput => (Some(cell_input), None),
                Feed::Node { from } => (outputs[from], None),
            };
            let Some(source) = source else {
                return Err(SpecError::Unusable {
                    reason: "internal invariant: a cell edge from an unbuilt vertex".into(),
                });
            };
            let wired = match edge {
                Some(e) => {
                    let (from, to) = pairs[e];
                    spec.build_edge(s, from, to, edge_values[e])?
                }
                None => None,
            };
            match wired {
                Some(module) => {
                    s.connect(source, module.single_input()?)?;
                    s.connect(module.single_output()?, target)?;
                }
                None => s.connect(source, target)?,
            }
        }
    }
    Ok(Io::single(input.single_input()?, out))
}
