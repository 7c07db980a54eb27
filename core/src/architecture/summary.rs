//! A readable text summary.

use std::fmt;

use super::{Architecture, Source};

impl fmt::Display for Architecture {
    /// One line per module: index, path, op, parameters and sources; then
    /// outputs, carried hyperparameters and decisions.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let src = |s: &Source| match *s {
            Source::Input { index } => format!("input `{}`", self.inputs()[index]),
            Source::Module { module, output } => {
                let m = &self.modules()[module];
                if m.outputs.len() == 1 { format!("#{module}") } else { format!("#{module}.{}", m.outputs[output]) }
            }
        };
        writeln!(f, "architecture: {} modules, {} decisions", self.modules().len(), self.decisions().len())?;
        for (i, m) in self.modules().iter().enumerate() {
            write!(f, "  #{i:<3} {:<28} {}", m.path, m.op)?;
            if !m.params.is_empty() {
                let ps: Vec<String> = m.params.iter().map(|(n, v)| format!("{n}={v}")).collect();
                write!(f, "({})", ps.join(", "))?;
            }
            let ins: Vec<String> = m.inputs.iter().map(|(n, s)| format!("{n}<-{}", src(s))).collect();
            writeln!(f, "  [{}]", ins.join(", "))?;
        }
        for (name, s) in self.outputs() {
            writeln!(f, "  output `{name}` <- {}", src(s))?;
        }
        for (path, v) in self.globals() {
            writeln!(f, "  global {path} = {v}")?;
        }
        for d in self.decisions() {
            writeln!(f, "  decision {} = {}", d.path, d.value)?;
        }
        Ok(())
    }
}
