//! How `==`, `Debug` and serde see an [`Architecture`]: its plain data,
//! whatever structure it shares.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{ArchModule, Architecture, Decision, Source};
use crate::op::Name;
use crate::value::Value;

/// An architecture's data, borrowed.
#[derive(PartialEq, Serialize)]
#[serde(rename = "Architecture")]
struct Plain<'a> {
    inputs: &'a [Name],
    outputs: &'a [(Name, Source)],
    modules: &'a [ArchModule],
    decisions: &'a [Decision],
    globals: &'a [(String, Value)],
}

/// An architecture's data, read back.
#[derive(Deserialize)]
#[serde(rename = "Architecture")]
struct Owned {
    inputs: Vec<Name>,
    outputs: Vec<(Name, Source)>,
    modules: Vec<ArchModule>,
    decisions: Vec<Decision>,
    globals: Vec<(String, Value)>,
}

impl Architecture {
    fn plain(&self) -> Plain<'_> {
        Plain {
            inputs: self.inputs(),
            outputs: self.outputs(),
            modules: self.modules(),
            decisions: self.decisions(),
            globals: self.globals(),
        }
    }
}

impl PartialEq for Architecture {
    fn eq(&self, other: &Self) -> bool {
        self.same_frame_and_values(other) || self.plain() == other.plain()
    }
}

impl fmt::Debug for Architecture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Plain { inputs, outputs, modules, decisions, globals } = self.plain();
        f.debug_struct("Architecture")
            .field("inputs", &inputs)
            .field("outputs", &outputs)
            .field("modules", &modules)
            .field("decisions", &decisions)
            .field("globals", &globals)
            .finish()
    }
}

impl Serialize for Architecture {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.plain().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Architecture {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let Owned { inputs, outputs, modules, decisions, globals } = Owned::deserialize(deserializer)?;
        Ok(Architecture::new(inputs, outputs, modules, decisions, globals))
    }
}
