//! Internal invariants of the arena, checked in tests.

use super::Space;
use super::records::{Forward, ModuleKind};

impl Space {
    /// Checks the arena's invariants: connections are recorded on both ends,
    /// an input has at most one source, substituted modules keep no
    /// connections and forward their ports, live substitution modules have
    /// not fired. Returns the first violation. For tests.
    #[doc(hidden)]
    pub fn verify(&self) -> Result<(), String> {
        for (i, input) in self.inputs.iter().enumerate() {
            if let Some(src) = input.source {
                let consumers = &self.outputs[src.index()].consumers;
                let n = consumers.iter().filter(|c| c.index() == i).count();
                if n != 1 {
                    return Err(format!("input {i} reads output {} which lists it {n} times", src.index()));
                }
            }
            if !matches!(input.forward, Forward::Here) && input.source.is_some() {
                return Err(format!("forwarded input {i} is still connected"));
            }
        }
        for (o, output) in self.outputs.iter().enumerate() {
            for c in &output.consumers {
                if self.inputs[c.index()].source.map(|s| s.index()) != Some(o) {
                    return Err(format!("output {o} lists input {} which reads elsewhere", c.index()));
                }
            }
            if !matches!(output.forward, Forward::Here) && !output.consumers.is_empty() {
                return Err(format!("forwarded output {o} still has consumers"));
            }
        }
        for (m, module) in self.modules.iter().enumerate() {
            if let ModuleKind::Substitution { function, .. } = &module.kind
                && module.alive == function.is_none()
            {
                return Err(format!(
                    "substitution module {m} is alive={} but fired={}",
                    module.alive,
                    function.is_none()
                ));
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
