//! Graphviz DOT export.
//!
//! Written here rather than with `petgraph::dot::Dot` (compared for issue
//! 23): `Dot` prints a petgraph graph, so the frozen architecture (which
//! keeps no petgraph graph) would first be copied into one, and its output
//! names nodes by index (`0`, `1`, …) and breaks multi-line labels left
//! aligned (`\l`), with shapes and colours from two attribute closures.
//! Here the nodes keep names a reader can match to the architecture
//! (`in0`, `m3`, `out0`), inputs and outputs are houses, edges are
//! labelled only where ports are ambiguous, and the text is stable across
//! versions of petgraph (tests and users diff it), in one pass with no
//! intermediate graph.

use std::fmt::Write;

use super::{Architecture, Source};

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

impl Architecture {
    /// The architecture as a Graphviz DOT digraph: inputs and outputs as
    /// houses, modules as boxes labelled with op and parameters, edges
    /// labelled `output:input` when a module has several ports.
    ///
    /// ```
    /// # use archspace_core::{Op, Space};
    /// let mut s = Space::build(|s| s.basic(Op::new("relu")))?;
    /// let dot = s.freeze()?.to_dot();
    /// assert!(dot.starts_with("digraph architecture {"));
    /// assert!(dot.contains("relu"));
    /// # Ok::<(), archspace_core::SpecError>(())
    /// ```
    pub fn to_dot(&self) -> String {
        let mut s = String::from("digraph architecture {\n  rankdir=TB;\n  node [fontname=\"Helvetica\"];\n");
        for (i, name) in self.inputs().iter().enumerate() {
            let _ =
                writeln!(s, "  in{i} [label=\"{}\", shape=invhouse, style=filled, fillcolor=lightblue];", escape(name));
        }
        for (i, m) in self.modules().iter().enumerate() {
            let mut label = format!("{}\\n{}", escape(&m.path), escape(&m.op));
            for (n, v) in &m.params {
                let _ = write!(label, "\\n{}={}", escape(n), escape(&v.to_string()));
            }
            let _ = writeln!(s, "  m{i} [label=\"{label}\", shape=box, style=filled, fillcolor=lightgoldenrod];");
        }
        for (i, (name, _)) in self.outputs().iter().enumerate() {
            let _ =
                writeln!(s, "  out{i} [label=\"{}\", shape=house, style=filled, fillcolor=lightpink];", escape(name));
        }
        let node = |src: &Source| match *src {
            Source::Input { index } => (format!("in{index}"), None),
            Source::Module { module, output } => (format!("m{module}"), Some((module, output))),
        };
        for (i, m) in self.modules().iter().enumerate() {
            for (port, src) in &m.inputs {
                let (from, out) = node(src);
                let label = match out {
                    Some((module, output)) if self.modules()[module].outputs.len() > 1 || m.inputs.len() > 1 => {
                        format!(" [label=\"{}:{}\"]", escape(&self.modules()[module].outputs[output]), escape(port))
                    }
                    None if m.inputs.len() > 1 => format!(" [label=\"{}\"]", escape(port)),
                    _ => String::new(),
                };
                let _ = writeln!(s, "  {from} -> m{i}{label};");
            }
        }
        for (i, (_, src)) in self.outputs().iter().enumerate() {
            let (from, _) = node(src);
            let _ = writeln!(s, "  {from} -> out{i};");
        }
        s.push_str("}\n");
        s
    }
}
