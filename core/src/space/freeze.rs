//! Freezing a specified space into an [`Architecture`].

use super::Space;
use super::records::{ModuleKind, ParamSlot};
use crate::architecture::{ArchModule, Architecture, Decision, Source};
use crate::error::SpecError;
use crate::ids::{InputId, ModuleId, OutputId};

const UNSEEN: u32 = u32::MAX;
const ON_STACK: u32 = u32::MAX - 1;

enum Step {
    Ready(Source),
    Visit(ModuleId),
}

struct Walk {
    /// Per module: UNSEEN, ON_STACK, or its index in the architecture.
    state: Vec<u32>,
    border_inputs: Vec<InputId>,
    modules: Vec<ArchModule>,
}

impl Space {
    /// Freezes a fully specified space into an [`Architecture`].
    ///
    /// Identity modules are removed. Fails with [`SpecError::Unspecified`]
    /// while a decision is pending, and with the graph errors
    /// ([`DanglingInput`](SpecError::DanglingInput), [`Cycle`](SpecError::Cycle),
    /// [`UnreachableModule`](SpecError::UnreachableModule), …) naming the path.
    pub fn freeze(&mut self) -> Result<Architecture, SpecError> {
        self.check_usable()?;
        if let Some(next) = self.next_decision() {
            return Err(SpecError::Unspecified { next: self.hyper_path(next) });
        }
        let border = self.border().cloned().ok_or(SpecError::NoBorder)?;
        let mut walk = Walk {
            state: vec![UNSEEN; self.modules.len()],
            border_inputs: Vec::with_capacity(border.inputs.len()),
            modules: Vec::with_capacity(self.modules.len()),
        };
        for (_, i) in &border.inputs {
            let i = self.resolve_input(*i)?;
            if let Some(src) = self.inputs[i.index()].source {
                return Err(SpecError::BorderInputConnected {
                    input: self.input_path(i),
                    source_port: self.output_path(src),
                });
            }
            walk.border_inputs.push(i);
        }
        let mut outputs = Vec::with_capacity(border.outputs.len());
        for (name, o) in &border.outputs {
            let o = self.resolve_output(*o)?;
            let src = self.source_of_output(o, &mut walk)?;
            outputs.push((name.clone(), src));
        }
        self.check_all_reached(&walk)?;
        let decisions = self
            .made
            .iter()
            .map(|d| Decision {
                path: self.hyper_path(d.hyper),
                value: self.hypers[d.hyper.index()].value.clone().unwrap_or(crate::Value::Bool(false)),
            })
            .collect();
        Ok(Architecture {
            inputs: border.inputs.iter().map(|(n, _)| n.clone()).collect(),
            outputs,
            modules: walk.modules,
            decisions,
            globals: self.globals(),
        })
    }

    fn globals(&self) -> Vec<(String, crate::Value)> {
        let mut out = Vec::new();
        for (i, m) in self.modules.iter().enumerate() {
            if let ModuleKind::Carrier { hypers } = &m.kind {
                let base = self.module_path(ModuleId::from_index(i));
                for (name, h) in hypers {
                    if let Some(v) = &self.hypers[h.index()].value {
                        out.push((format!("{base}/{name}"), v.clone()));
                    }
                }
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    /// Every live basic or identity module must have been reached from the outputs.
    fn check_all_reached(&self, walk: &Walk) -> Result<(), SpecError> {
        for (i, m) in self.modules.iter().enumerate() {
            let relevant = m.alive && matches!(m.kind, ModuleKind::Basic { .. } | ModuleKind::Identity);
            if relevant && walk.state[i] == UNSEEN {
                return Err(SpecError::UnreachableModule { module: self.module_path(ModuleId::from_index(i)) });
            }
        }
        Ok(())
    }

    /// One step of resolving what input `i` reads: through identities and
    /// border inputs, up to a basic module that is done or must be visited.
    fn resolve_source(&self, mut i: InputId, walk: &mut Walk) -> Result<Step, SpecError> {
        for _ in 0..=self.modules.len() {
            if let Some(k) = walk.border_inputs.iter().position(|b| *b == i) {
                return Ok(Step::Ready(Source::Input { index: k }));
            }
            let Some(o) = self.inputs[i.index()].source else {
                return Err(SpecError::DanglingInput { input: self.input_path(i) });
            };
            let m = self.outputs[o.index()].module;
            if matches!(self.modules[m.index()].kind, ModuleKind::Identity) {
                walk.state[m.index()] = 0;
                i = self.modules[m.index()].inputs[0];
                continue;
            }
            return Ok(match walk.state[m.index()] {
                UNSEEN | ON_STACK => Step::Visit(m),
                done => Step::Ready(Source::Module { module: done as usize, output: self.output_position(m, o) }),
            });
        }
        Err(self.cycle_error(&[self.inputs[i.index()].module]))
    }

    fn output_position(&self, m: ModuleId, o: OutputId) -> usize {
        self.modules[m.index()].outputs.iter().position(|x| *x == o).unwrap_or(0)
    }

    /// The source behind output `o`, visiting everything it depends on.
    fn source_of_output(&self, o: OutputId, walk: &mut Walk) -> Result<Source, SpecError> {
        let m = self.outputs[o.index()].module;
        if matches!(self.modules[m.index()].kind, ModuleKind::Identity) {
            walk.state[m.index()] = 0;
            let i = self.modules[m.index()].inputs[0];
            loop {
                match self.resolve_source(i, walk)? {
                    Step::Ready(src) => return Ok(src),
                    Step::Visit(next) => {
                        self.visit(next, walk)?;
                    }
                }
            }
        }
        let module = self.visit(m, walk)?;
        Ok(Source::Module { module, output: self.output_position(m, o) })
    }

    /// Visits basic module `root` and its sources (iterative depth-first,
    /// post-order); returns its index in the architecture.
    fn visit(&self, root: ModuleId, walk: &mut Walk) -> Result<usize, SpecError> {
        match walk.state[root.index()] {
            UNSEEN => {}
            ON_STACK => return Err(self.cycle_error(&[root])),
            done => return Ok(done as usize),
        }
        walk.state[root.index()] = ON_STACK;
        // Frames of (module, where its resolved sources start in `sources`).
        let mut frames: Vec<(ModuleId, usize)> = vec![(root, 0)];
        let mut sources: Vec<Source> = Vec::new();
        while let Some(&(m, start)) = frames.last() {
            let inputs = &self.modules[m.index()].inputs;
            let resolved = sources.len() - start;
            if resolved == inputs.len() {
                frames.pop();
                let index = self.emit(m, &sources[start..], walk)?;
                sources.truncate(start);
                walk.state[m.index()] = index as u32;
                if frames.is_empty() {
                    return Ok(index);
                }
                continue;
            }
            match self.resolve_source(inputs[resolved], walk)? {
                Step::Ready(src) => sources.push(src),
                Step::Visit(next) => {
                    if walk.state[next.index()] == ON_STACK {
                        let on: Vec<ModuleId> = frames.iter().map(|(x, _)| *x).collect();
                        let first = on.iter().position(|x| *x == next).unwrap_or(0);
                        return Err(self.cycle_error(&on[first..]));
                    }
                    walk.state[next.index()] = ON_STACK;
                    frames.push((next, sources.len()));
                }
            }
        }
        Err(SpecError::Unusable { reason: "internal invariant: freeze walk ended early".to_owned() })
    }

    fn emit(&self, m: ModuleId, sources: &[Source], walk: &mut Walk) -> Result<usize, SpecError> {
        let rec = &self.modules[m.index()];
        let ModuleKind::Basic { op, params } = &rec.kind else {
            return Err(SpecError::Unusable {
                reason: format!("module `{}` is not a basic module", self.module_path(m)),
            });
        };
        let params = params
            .iter()
            .map(|(n, slot)| {
                let v = self.slot_value(slot).ok_or_else(|| SpecError::Unspecified {
                    next: match slot {
                        ParamSlot::Hyper(h) => self.hyper_path(*h),
                        ParamSlot::Const(_) => self.module_path(m),
                    },
                })?;
                Ok((n.clone(), v))
            })
            .collect::<Result<Vec<_>, SpecError>>()?;
        let inputs = rec.inputs.iter().zip(sources).map(|(i, s)| (self.inputs[i.index()].name.clone(), *s)).collect();
        let outputs = rec.outputs.iter().map(|o| self.outputs[o.index()].name.clone()).collect();
        walk.modules.push(ArchModule { path: self.module_path(m), op: op.clone(), params, inputs, outputs });
        Ok(walk.modules.len() - 1)
    }

    fn cycle_error(&self, modules: &[ModuleId]) -> SpecError {
        SpecError::Cycle { cycle: modules.iter().map(|m| self.module_path(*m)).collect() }
    }
}
