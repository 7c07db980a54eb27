//! [`Io`]: the named border ports of a module or sub-space, the unit of composition.

use smallvec::SmallVec;

use crate::error::SpecError;
use crate::ids::{InputId, OutputId};
use crate::op::Name;

/// The named inputs and outputs of a module or of a whole sub-space.
///
/// Every constructor of the builder returns one; connect them with
/// [`Space::connect`](crate::Space::connect). Ports stay valid when the module
/// behind them is substituted: the space forwards them to the new sub-graph.
#[derive(Clone, Debug, Default)]
pub struct Io {
    pub(crate) inputs: SmallVec<[(Name, InputId); 2]>,
    pub(crate) outputs: SmallVec<[(Name, OutputId); 1]>,
}

impl Io {
    /// An `Io` from explicit ports.
    pub fn new(
        inputs: impl IntoIterator<Item = (Name, InputId)>,
        outputs: impl IntoIterator<Item = (Name, OutputId)>,
    ) -> Self {
        Io { inputs: inputs.into_iter().collect(), outputs: outputs.into_iter().collect() }
    }

    /// One input `in` and one output `out`.
    pub(crate) fn single(input: InputId, output: OutputId) -> Self {
        let mut io = Io::default();
        io.inputs.push((crate::op::SINGLE_INPUT[0].clone(), input));
        io.outputs.push((crate::op::SINGLE_OUTPUT[0].clone(), output));
        io
    }

    /// The input called `name`.
    pub fn input(&self, name: &str) -> Result<InputId, SpecError> {
        self.inputs.iter().find(|(n, _)| n == name).map(|(_, id)| *id).ok_or_else(|| SpecError::UnknownPort {
            direction: "input",
            port: name.to_owned(),
            module: "this sub-space".to_owned(),
            available: join_names(self.inputs.iter().map(|(n, _)| n)),
        })
    }

    /// The output called `name`.
    pub fn output(&self, name: &str) -> Result<OutputId, SpecError> {
        self.outputs.iter().find(|(n, _)| n == name).map(|(_, id)| *id).ok_or_else(|| SpecError::UnknownPort {
            direction: "output",
            port: name.to_owned(),
            module: "this sub-space".to_owned(),
            available: join_names(self.outputs.iter().map(|(n, _)| n)),
        })
    }

    /// The only input, for single-input sub-spaces.
    pub fn single_input(&self) -> Result<InputId, SpecError> {
        match self.inputs.as_slice() {
            [(_, id)] => Ok(*id),
            _ => Err(SpecError::UnknownPort {
                direction: "input",
                port: "<single>".to_owned(),
                module: "this sub-space".to_owned(),
                available: join_names(self.inputs.iter().map(|(n, _)| n)),
            }),
        }
    }

    /// The only output, for single-output sub-spaces.
    pub fn single_output(&self) -> Result<OutputId, SpecError> {
        match self.outputs.as_slice() {
            [(_, id)] => Ok(*id),
            _ => Err(SpecError::UnknownPort {
                direction: "output",
                port: "<single>".to_owned(),
                module: "this sub-space".to_owned(),
                available: join_names(self.outputs.iter().map(|(n, _)| n)),
            }),
        }
    }

    /// All inputs, in order.
    pub fn inputs(&self) -> &[(Name, InputId)] {
        &self.inputs
    }

    /// All outputs, in order.
    pub fn outputs(&self) -> &[(Name, OutputId)] {
        &self.outputs
    }

    /// A copy with the inputs renamed `in0..` / outputs renamed `out0..` in order.
    pub fn indexed(&self) -> Io {
        let ins = crate::op::indexed_names("in", self.inputs.len());
        let outs = crate::op::indexed_names("out", self.outputs.len());
        Io {
            inputs: ins.into_iter().zip(self.inputs.iter().map(|(_, id)| *id)).collect(),
            outputs: outs.into_iter().zip(self.outputs.iter().map(|(_, id)| *id)).collect(),
        }
    }
}

pub(crate) fn join_names<'a>(names: impl Iterator<Item = &'a Name>) -> String {
    let mut s = String::new();
    for (i, n) in names.enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        s.push('`');
        s.push_str(n);
        s.push('`');
    }
    if s.is_empty() {
        s.push_str("(none)");
    }
    s
}
