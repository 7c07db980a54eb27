//! Internal invariants of the arena, checked in tests.

use super::Space;
use super::records::{Forward, ModuleKind};
use crate::ids::ModuleId;

impl Space {
    /// Checks the arena's invariants: every element has its fixed part, a
    /// module's ports point back to it, forwarded inputs are unconnected and
    /// sources lead somewhere through forwards, substituted modules forward
    /// their ports, live substitution modules have not fired. Returns the
    /// first violation. For tests.
    #[doc(hidden)]
    pub fn verify(&self) -> Result<(), String> {
        let lengths = [
            (self.hypers.len(), self.hyper_defs.len(), "hyperparameters"),
            (self.modules.len(), self.module_defs.len(), "modules"),
            (self.inputs.len(), self.input_names.len(), "inputs"),
            (self.outputs.len(), self.output_names.len(), "outputs"),
        ];
        for (records, fixed, what) in lengths {
            if records != fixed {
                return Err(format!("{records} {what} but {fixed} fixed parts"));
            }
        }
        for (i, input) in self.inputs.iter().enumerate() {
            if let Some(src) = input.source {
                let mut o = src;
                for _ in 0..=self.outputs.len() {
                    match self.outputs.get(o.index()).map(|r| r.forward) {
                        Some(Forward::To(next)) => o = next,
                        Some(_) => break,
                        None => return Err(format!("input {i} reads output {} which does not exist", o.index())),
                    }
                }
                if matches!(self.outputs[o.index()].forward, Forward::To(_)) {
                    return Err(format!("input {i} reads through a cycle of forwards"));
                }
            }
            if !matches!(input.forward, Forward::Here) && input.source.is_some() {
                return Err(format!("forwarded input {i} is still connected"));
            }
        }
        for (m, module) in self.modules.iter().enumerate() {
            let owner = |id: usize, of: ModuleId| of.index() == m && id < usize::MAX;
            if !module.inputs.iter().all(|i| self.inputs.get(i.index()).is_some_and(|r| owner(i.index(), r.module)))
                || !module
                    .outputs
                    .iter()
                    .all(|o| self.outputs.get(o.index()).is_some_and(|r| owner(o.index(), r.module)))
            {
                return Err(format!("module {m} lists a port of another module"));
            }
            if self.module_defs.at(m).kind.tag() != module.kind {
                return Err(format!("module {m} is tagged {:?} but is not", module.kind));
            }
            if matches!(self.module_defs.at(m).kind, ModuleKind::Substitution { .. }) && module.alive == module.fired {
                return Err(format!("substitution module {m} is alive={} but fired={}", module.alive, module.fired));
            }
            if !module.alive {
                let ports_forwarded =
                    module.inputs.iter().all(|i| !matches!(self.inputs[i.index()].forward, Forward::Here))
                        && module.outputs.iter().all(|o| !matches!(self.outputs[o.index()].forward, Forward::Here));
                if !ports_forwarded {
                    return Err(format!("substituted module {m} still owns a port"));
                }
            }
        }
        Ok(())
    }
}
