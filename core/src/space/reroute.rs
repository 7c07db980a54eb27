//! Putting a substitution's sub-graph in place of the substitution module.

use smallvec::SmallVec;

use super::Space;
use super::records::{Forward, ModuleKind};
use crate::error::SpecError;
use crate::ids::ModuleId;
use crate::io::{Io, join_names};

impl Space {
    /// Replaces substitution module `m` by the sub-graph behind `io`:
    /// upstream outputs now feed the new inputs, consumers now read the new
    /// outputs, and `m`'s ports forward to the new ones.
    pub(crate) fn reroute(&mut self, m: ModuleId, io: &Io) -> Result<(), SpecError> {
        let (allow_in_subset, allow_out_subset) = match &self.modules[m.index()].kind {
            ModuleKind::Substitution { allow_input_subset, allow_output_subset, .. } => {
                (*allow_input_subset, *allow_output_subset)
            }
            _ => (false, false),
        };
        let old_inputs = SmallVec::<[_; 2]>::from_slice(&self.modules[m.index()].inputs);
        let old_outputs = SmallVec::<[_; 1]>::from_slice(&self.modules[m.index()].outputs);
        self.check_port_names(
            m,
            "input",
            old_inputs.iter().map(|i| &self.inputs[i.index()].name),
            io.inputs.iter().map(|(n, _)| n),
            allow_in_subset,
        )?;
        self.check_port_names(
            m,
            "output",
            old_outputs.iter().map(|o| &self.outputs[o.index()].name),
            io.outputs.iter().map(|(n, _)| n),
            allow_out_subset,
        )?;

        for &old in &old_inputs {
            let name = self.inputs[old.index()].name.clone();
            let source = self.inputs[old.index()].source.take();
            let new = io.inputs.iter().find(|(n, _)| *n == name).map(|(_, id)| *id);
            match new {
                Some(new) => {
                    let new = self.resolve_input(new)?;
                    if new == old {
                        continue;
                    }
                    if self.inputs[new.index()].source.is_some() {
                        return Err(SpecError::SubstitutionInputConnected {
                            module: self.module_path(m),
                            port: name.to_string(),
                        });
                    }
                    if let Some(src) = source {
                        for c in self.outputs[src.index()].consumers.iter_mut() {
                            if *c == old {
                                *c = new;
                            }
                        }
                        self.inputs[new.index()].source = Some(src);
                    }
                    self.inputs[old.index()].forward = Forward::To(new);
                }
                None => {
                    if let Some(src) = source {
                        self.outputs[src.index()].consumers.retain(|c| *c != old);
                    }
                    self.inputs[old.index()].forward = Forward::Removed;
                }
            }
        }
        for &old in &old_outputs {
            let name = self.outputs[old.index()].name.clone();
            let consumers = std::mem::take(&mut self.outputs[old.index()].consumers);
            let new = io.outputs.iter().find(|(n, _)| *n == name).map(|(_, id)| *id);
            match new {
                Some(new) => {
                    let new = self.resolve_output(new)?;
                    if new == old {
                        continue;
                    }
                    for &c in &consumers {
                        self.inputs[c.index()].source = Some(new);
                    }
                    self.outputs[new.index()].consumers.extend(consumers);
                    self.outputs[old.index()].forward = Forward::To(new);
                }
                None => {
                    for &c in &consumers {
                        self.inputs[c.index()].source = None;
                    }
                    self.outputs[old.index()].forward = Forward::Removed;
                }
            }
        }
        self.modules[m.index()].alive = false;
        Ok(())
    }

    fn check_port_names<'a>(
        &self,
        m: ModuleId,
        direction: &'static str,
        expected: impl Iterator<Item = &'a crate::op::Name> + Clone,
        got: impl Iterator<Item = &'a crate::op::Name> + Clone,
        allow_subset: bool,
    ) -> Result<(), SpecError> {
        let exp: SmallVec<[_; 4]> = expected.clone().collect();
        let got_v: SmallVec<[_; 4]> = got.clone().collect();
        let all_known = got_v.iter().all(|g| exp.contains(g));
        let no_repeat = got_v.iter().enumerate().all(|(i, g)| !got_v[..i].contains(g));
        let complete = allow_subset || exp.iter().all(|e| got_v.contains(e));
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
