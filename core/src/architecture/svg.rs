//! SVG drawing of an architecture that needs no Graphviz (feature
//! `plots`): the graph of [`to_dot`](Architecture::to_dot), laid out in
//! layers by `layout-rs` (ranks from the edges, crossings reduced, boxes
//! placed), with the same labels and colours.

use layout::backends::svg::SVGWriter;
use layout::core::base::Orientation;
use layout::core::color::Color;
use layout::core::style::StyleAttr;
use layout::std_shapes::render::get_shape_size;
use layout::std_shapes::shapes::{Arrow, Element, ShapeKind};
use layout::topo::layout::VisualGraph;

use super::{Architecture, Source};

/// Fill colours: inputs, modules, outputs (as in the DOT export).
const INPUT: u32 = 0xadd8e6;
const MODULE: u32 = 0xfafad2;
const OUTPUT: u32 = 0xffb6c1;

impl Architecture {
    /// The architecture as an SVG image, top to bottom: inputs, each module
    /// as a box labelled with its path, op and parameters, outputs; edges
    /// labelled `output:input` where a module has several ports.
    ///
    /// ```
    /// # use archspace_core::{Op, Space};
    /// let arch = Space::build(|s| s.basic(Op::new("relu")))?.freeze()?;
    /// let svg = arch.to_svg();
    /// assert!(svg.contains("<svg") && svg.contains("relu"));
    /// # Ok::<(), archspace_core::SpecError>(())
    /// ```
    pub fn to_svg(&self) -> String {
        let orientation = Orientation::TopToBottom;
        let mut graph = VisualGraph::new(orientation);
        let mut add = |label: &str, fill: u32| {
            let shape = ShapeKind::new_box(label);
            let style = StyleAttr::new(Color::fast("black"), 1, Some(Color::new((fill << 8) | 0xff)), 6, 13);
            let size = get_shape_size(orientation, &shape, style.font_size, false);
            graph.add_node(Element::create(shape, style, orientation, size))
        };
        let inputs: Vec<_> = self.inputs().iter().map(|name| add(name, INPUT)).collect();
        let modules: Vec<_> = self
            .modules()
            .iter()
            .map(|m| {
                let mut label = format!("{}\n{}", m.path, m.op);
                for (name, value) in &m.params {
                    label.push_str(&format!("\n{name}={value}"));
                }
                add(&label, MODULE)
            })
            .collect();
        let outputs: Vec<_> = self.outputs().iter().map(|(name, _)| add(name, OUTPUT)).collect();
        let node = |source: &Source| match *source {
            Source::Input { index } => inputs[index],
            Source::Module { module, .. } => modules[module],
        };
        for (i, m) in self.modules().iter().enumerate() {
            for (port, source) in &m.inputs {
                let label = match *source {
                    Source::Module { module, output }
                        if self.modules()[module].outputs.len() > 1 || m.inputs.len() > 1 =>
                    {
                        format!("{}:{port}", self.modules()[module].outputs[output])
                    }
                    Source::Input { .. } if m.inputs.len() > 1 => port.to_string(),
                    _ => String::new(),
                };
                graph.add_edge(Arrow::simple(&label), node(source), modules[i]);
            }
        }
        for (i, (_, source)) in self.outputs().iter().enumerate() {
            graph.add_edge(Arrow::simple(""), node(source), outputs[i]);
        }
        let mut svg = SVGWriter::new();
        graph.do_it(false, false, false, &mut svg);
        svg.finalize()
    }
}
