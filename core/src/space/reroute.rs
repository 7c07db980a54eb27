//! Putting a substitution's sub-graph in place of the substitution module.

use super::Space;
use super::records::{Forward, ModuleKind};
use crate::error::SpecError;
use crate::ids::ModuleId;
use crate::io::{Io, join_names};
use crate::op::Name;

/// Port names are mostly the same static strings (`in`, `out`): compared by
/// address first, by content only when that differs.
#[inline]
fn same_name(a: &Name, b: &Name) -> bool {
    (a.as_ptr() == b.as_ptr() && a.len() == b.len()) || a == b
}

impl Space {
    /// Replaces substitution module `m` by the sub-graph behind `io`:
    /// upstream outputs now feed the new inputs, consumers now read the new
    /// outputs, and `m`'s ports forward to the new ones.
    pub(crate) fn reroute(&mut self, m: ModuleId, io: &Io) -> Result<(), SpecError> {
        let (allow_in_subset, allow_out_subset) = match &self.module_def(m).kind {
            ModuleKind::Substitution { allow_input_subset, allow_output_subset, .. } => {
                (*allow_input_subset, *allow_output_subset)
            }
            _ => (false, false),
        };
        let old_inputs = self.modules[m.index()].inputs;
        let old_outputs = self.modules[m.index()].outputs;
        self.check_port_names(
            m,
            "input",
            old_inputs.iter().map(|i| self.input_name(i)),
            io.inputs.iter().map(|(n, _)| n),
            allow_in_subset,
        )?;
        self.check_port_names(
            m,
            "output",
            old_outputs.iter().map(|o| self.output_name(o)),
            io.outputs.iter().map(|(n, _)| n),
            allow_out_subset,
        )?;

        for old in old_inputs.iter() {
            let source = self.source_of(old);
            self.inputs[old.index()].source = None;
            let name = self.input_name(old);
            let new = io.inputs.iter().find(|(n, _)| same_name(n, name)).map(|(_, id)| *id);
            match new {
                Some(new) => {
                    let new = self.resolve_input(new)?;
                    if new == old {
                        self.inputs[old.index()].source = source;
                        continue;
                    }
                    if self.source_of(new).is_some() {
                        return Err(SpecError::SubstitutionInputConnected {
                            module: self.module_path(m),
                            port: self.input_name(old).to_string(),
                        });
                    }
                    if source.is_some() {
                        self.inputs[new.index()].source = source;
                    }
                    self.inputs[old.index()].forward = Forward::To(new);
                }
                None => {
                    self.inputs[old.index()].forward = Forward::Removed;
                    // What fed the dropped input may now feed nothing.
                    if let Some(source) = source {
                        let producer = self.outputs[source.index()].module;
                        self.modules[producer.index()].released = true;
                    }
                }
            }
        }
        // Consumers of an old output keep reading it: it forwards to the new
        // one (or, removed, reads as unconnected).
        for old in old_outputs.iter() {
            let name = self.output_name(old);
            let new = io.outputs.iter().find(|(n, _)| same_name(n, name)).map(|(_, id)| *id);
            match new {
                Some(new) => {
                    let new = self.resolve_output(new)?;
                    if new != old {
                        self.outputs[old.index()].forward = Forward::To(new);
                    }
                }
                None => self.outputs[old.index()].forward = Forward::Removed,
            }
        }
        self.modules[m.index()].alive = false;
        Ok(())
    }

    fn check_port_names<'a>(
        &self,
        m: ModuleId,
        direction: &'static str,
        expected: impl Iterator<Item = &'a Name> + Clone,
        got: impl Iterator<Item = &'a Name> + Clone,
        allow_subset: bool,
    ) -> Result<(), SpecError> {
        // A handful of ports: quadratic scans over the iterators beat collecting them.
        let all_known = got.clone().all(|g| expected.clone().any(|e| same_name(e, g)));
        let no_repeat = got.clone().enumerate().all(|(i, g)| !got.clone().take(i).any(|x| same_name(x, g)));
        let complete = allow_subset || expected.clone().all(|e| got.clone().any(|g| same_name(g, e)));
        if all_known && no_repeat && complete {
            Ok(())
        } else {
            Err(SpecError::SubstitutionPorts {
                module: self.module_path(m),
                direction,
                expected: join_names(expected),
                got: join_names(got),
            })
        }
    }
}
