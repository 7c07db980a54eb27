//! [`Frame`]: the structure of an architecture, shared between the
//! architectures frozen from the same graph, each of which keeps only its
//! values.

use std::sync::{Arc, OnceLock};

use super::{ArchModule, Architecture, ArchitectureHash, Decision, KnownHash, Source, SpacePath};
use crate::op::Name;
use crate::value::Value;

/// A module parameter whose value an architecture keeps apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Site {
    /// Position of the module among the architecture's modules.
    pub(crate) module: u32,
    /// Position of the parameter among the module's parameters.
    pub(crate) param: u32,
    /// Position of the value among the architecture's values.
    pub(crate) value: u32,
}

/// The structure of an architecture: everything but the values it keeps.
#[derive(Clone, Debug)]
pub(crate) struct Frame {
    pub(crate) inputs: Vec<Name>,
    pub(crate) outputs: Vec<(Name, Source)>,
    /// The modules; the values at `sites` are stand-ins.
    pub(crate) modules: Vec<ArchModule>,
    /// The parameters whose values the architecture keeps, in module and
    /// parameter order (the order of the canonical encoding).
    pub(crate) sites: Vec<Site>,
    /// The path of each decision; decision `i`'s value is value `i`.
    pub(crate) decisions: Vec<SpacePath>,
    /// The path of each carried global, sorted, with its value's position.
    pub(crate) globals: Vec<(String, u32)>,
}

impl Frame {
    /// The modules with `values` at the sites.
    pub(crate) fn filled_modules(&self, values: &[Value]) -> Vec<ArchModule> {
        let mut modules = self.modules.clone();
        for site in &self.sites {
            modules[site.module as usize].params[site.param as usize].1 = values[site.value as usize].clone();
        }
        modules
    }

    /// The decisions with `values`.
    pub(crate) fn decisions_with(&self, values: &[Value]) -> Vec<Decision> {
        self.decisions
            .iter()
            .zip(values)
            .map(|(path, value)| Decision { path: path.clone(), value: value.clone() })
            .collect()
    }

    /// The carried globals with `values`.
    pub(crate) fn globals_with(&self, values: &[Value]) -> Vec<(String, Value)> {
        self.globals.iter().map(|(path, at)| (path.clone(), values[*at as usize].clone())).collect()
    }

    /// The values the canonical encoding covers, in its order: those at the
    /// sites, then the globals'.
    pub(crate) fn encoded_values<'a>(&'a self, values: &'a [Value]) -> impl Iterator<Item = &'a Value> + 'a {
        let sites = self.sites.iter().map(|site| &values[site.value as usize]);
        sites.chain(self.globals.iter().map(|(_, at)| &values[*at as usize]))
    }
}

impl Architecture {
    /// An architecture that owns its structure: no sites, its decisions'
    /// and globals' values kept in that order.
    pub(crate) fn new(
        inputs: Vec<Name>,
        outputs: Vec<(Name, Source)>,
        modules: Vec<ArchModule>,
        decisions: Vec<Decision>,
        globals: Vec<(String, Value)>,
    ) -> Self {
        let mut values: Vec<Value> = decisions.iter().map(|d| d.value.clone()).collect();
        let mut global_slots = Vec::with_capacity(globals.len());
        for (path, value) in &globals {
            global_slots.push((path.clone(), values.len() as u32));
            values.push(value.clone());
        }
        let paths = decisions.iter().map(|d| d.path.clone()).collect();
        let frame = Frame { inputs, outputs, modules, sites: Vec::new(), decisions: paths, globals: global_slots };
        Architecture {
            frame: Arc::new(frame),
            values,
            modules: OnceLock::new(),
            decisions: OnceLock::from(decisions),
            globals: OnceLock::from(globals),
            known_hash: KnownHash(None),
        }
    }

    /// The architecture with the structure `frame` and `values` (one per
    /// decision, then the rest its sites and globals read), whose canonical
    /// hash is `hash`.
    pub(crate) fn in_frame(frame: Arc<Frame>, values: Vec<Value>, hash: ArchitectureHash) -> Self {
        Architecture {
            frame,
            values,
            modules: OnceLock::new(),
            decisions: OnceLock::new(),
            globals: OnceLock::new(),
            known_hash: KnownHash(Some(hash)),
        }
    }

    /// This architecture's structure with the given sites and globals (in
    /// its own values' positions), every other value in place.
    pub(crate) fn to_frame(&self, sites: Vec<Site>, globals: Vec<(String, u32)>) -> Frame {
        Frame {
            inputs: self.frame.inputs.clone(),
            outputs: self.frame.outputs.clone(),
            modules: self.modules().to_vec(),
            sites,
            decisions: self.frame.decisions.clone(),
            globals,
        }
    }

    /// Whether both share one structure and hold equal values (then they are
    /// equal architectures).
    pub(crate) fn same_frame_and_values(&self, other: &Architecture) -> bool {
        Arc::ptr_eq(&self.frame, &other.frame) && self.values == other.values
    }

    /// The modules, to change in place (made the architecture's own first).
    #[cfg(test)]
    pub(crate) fn modules_mut(&mut self) -> &mut Vec<ArchModule> {
        let own = Architecture::new(
            self.inputs().to_vec(),
            self.outputs().to_vec(),
            self.modules().to_vec(),
            self.decisions().to_vec(),
            self.globals().to_vec(),
        );
        *self = own;
        &mut Arc::make_mut(&mut self.frame).modules
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Io, Op, Space, SpaceDef, SpecError, choice, rng};

    /// Decisions, dependents read by a module, a carried global, structural
    /// decisions and decisions made after them (those vary within a frame):
    /// every kind of value a frame leaves out.
    fn valued(s: &mut Space) -> Result<Io, SpecError> {
        let n = s.named_choice("n", [1, 2])?;
        let width = s.shared("width", [8, 16])?;
        let double = s.named_dependent("double", &[width], |v| Ok(Value::Int(2 * v[0].as_int().unwrap_or(0))))?;
        s.named("opts").carrier(vec![("lr".into(), choice([0.1, 0.01]))])?;
        let half = s.named_dependent("half", &[width], |v| Ok(Value::Int(v[0].as_int().unwrap_or(0) / 2)))?;
        let stem = s.named("stem").basic(Op::new("conv").param("filters", double).param("groups", half))?;
        let body = s.named("body").repeat(n, move |s| {
            let c = s.basic(Op::new("conv").param("filters", width).param("kernel", choice([3, 5])))?;
            let a = s.optional(|s| s.basic(Op::new("act").param("kind", choice(["relu", "elu", "gelu"]))))?;
            s.chain(&c, &a)?;
            Ok(s.border_of(&c, &a))
        })?;
        s.chain(&stem, &body)?;
        Ok(s.border_of(&stem, &body))
    }

    /// The architecture with the same data, owning all of it.
    fn owned(arch: &Architecture) -> Architecture {
        Architecture::new(
            arch.inputs().to_vec(),
            arch.outputs().to_vec(),
            arch.modules().to_vec(),
            arch.decisions().to_vec(),
            arch.globals().to_vec(),
        )
    }

    fn sampled(n: usize) -> Vec<Architecture> {
        let def = SpaceDef::new(valued);
        let mut rng = rng(5);
        (0..n).map(|_| def.sample_random(&mut rng).unwrap()).collect()
    }

    #[test]
    fn architectures_in_a_frame_read_as_the_data_they_stand_for() {
        let archs = sampled(200);
        let framed = archs.iter().filter(|a| !a.frame.sites.is_empty()).count();
        assert!(framed > 100, "only {framed} of 200 samples share a frame");
        for arch in &archs {
            let plain = owned(arch);
            assert_eq!(arch, &plain);
            assert_eq!(format!("{arch:?}"), format!("{plain:?}"));
            assert_eq!(arch.to_string(), plain.to_string());
            assert_eq!(arch.to_dot(), plain.to_dot());
            assert_eq!(serde_json::to_string(arch).unwrap(), serde_json::to_string(&plain).unwrap());
            assert_eq!(arch.canonical_hash(), plain.canonical_hash());
            assert_eq!(arch.global("opts/lr"), plain.global("opts/lr"));
            let back: Architecture = serde_json::from_str(&serde_json::to_string(arch).unwrap()).unwrap();
            assert_eq!(&back, arch);
            assert!(arch.verify().is_ok());
        }
        // The dependent's value is its own, not the decision it reads.
        for arch in &archs {
            let width = arch.decisions().iter().find(|d| d.path == "width").map(|d| d.value.as_int());
            assert_eq!(arch.modules()[0].param("filters").map(Value::as_int), width.map(|w| w.map(|w| 2 * w)));
        }
    }

    #[test]
    fn architectures_in_one_frame_are_equal_exactly_when_their_values_are() {
        let archs = sampled(200);
        let (mut equal, mut different) = (0, 0);
        for (i, a) in archs.iter().enumerate() {
            for b in &archs[i + 1..] {
                if !Arc::ptr_eq(&a.frame, &b.frame) || a.frame.sites.is_empty() {
                    continue;
                }
                assert_eq!(a == b, a.values == b.values);
                assert_eq!(a == b, owned(a) == owned(b));
                assert_eq!(a == b, a.canonical_hash() == b.canonical_hash());
                if a == b {
                    equal += 1;
                } else {
                    different += 1;
                }
            }
            assert_eq!(a, &a.clone());
        }
        assert!(equal > 0 && different > 0, "{equal} equal and {different} different pairs");
    }

    #[test]
    fn changing_modules_leaves_the_frame_and_its_other_architectures_alone() {
        let archs = sampled(50);
        let sharing = archs.iter().position(|a| archs.iter().filter(|b| Arc::ptr_eq(&a.frame, &b.frame)).count() > 1);
        let a = &archs[sharing.expect("two samples share a frame")];
        let before: Vec<Architecture> = archs.iter().filter(|b| Arc::ptr_eq(&a.frame, &b.frame)).map(owned).collect();
        let mut changed = a.clone();
        changed.modules_mut()[0].path = "elsewhere".into();
        assert_ne!(&changed, a);
        // Paths are not hashed: computed again, the hash is the same.
        assert_eq!(changed.canonical_hash(), a.canonical_hash());
        let after: Vec<Architecture> = archs.iter().filter(|b| Arc::ptr_eq(&a.frame, &b.frame)).map(owned).collect();
        assert_eq!(before, after);
    }
}
