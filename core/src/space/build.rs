//! The builder: hyperparameters, modules, ports and connections.

use std::borrow::Cow;
use std::sync::Arc;

use smallvec::SmallVec;

use super::Space;
use super::records::{
    ConstraintRecord, Counting, Forward, HyperDef, HyperKind, HyperName, HyperRecord, InputRecord, ModuleDef,
    ModuleKind, ModuleRecord, NONE, OutputRecord, ParamSlot, Ports, SubstitutionFn, Waiter, WaiterList,
};
use crate::error::SpecError;
use crate::ids::{ConstraintId, HyperId, InputId, ModuleId, OutputId};
use crate::io::Io;
use crate::op::{Name, Op, Param};
use crate::value::{Domain, Value};

/// The declaration of a substitution module, for [`Space::substitution`].
///
/// Combinators in [`crate::combinators`] are written with it; write your own
/// the same way.
pub struct Substitution {
    /// Default module name (and kind shown in summaries), e.g. `repeat`.
    pub kind: &'static str,
    /// Input port names.
    pub inputs: Cow<'static, [Name]>,
    /// Output port names.
    pub outputs: Cow<'static, [Name]>,
    /// Hyperparameters by local name; the function fires once all have values.
    pub hypers: Vec<(Name, Param)>,
    /// Builds the replacement; receives the values by local name.
    pub function: SubstitutionFn,
    /// The replacement may omit inputs (they are disconnected).
    pub allow_input_subset: bool,
    /// The replacement may omit outputs (their consumers are disconnected).
    pub allow_output_subset: bool,
}

impl Substitution {
    /// A single-input (`in`), single-output (`out`) substitution.
    pub fn siso(
        kind: &'static str,
        hypers: Vec<(Name, Param)>,
        function: impl Fn(&mut Space, &super::Values) -> Result<Io, SpecError> + Send + Sync + 'static,
    ) -> Self {
        Substitution {
            kind,
            inputs: Cow::Borrowed(crate::op::SINGLE_INPUT),
            outputs: Cow::Borrowed(crate::op::SINGLE_OUTPUT),
            hypers,
            function: Arc::new(function),
            allow_input_subset: false,
            allow_output_subset: false,
        }
    }
}

impl Space {
    fn push_hyper(&mut self, kind: HyperKind, name: HyperName) -> HyperId {
        let id = HyperId::from_index(self.hypers.len());
        self.hypers.push(HyperRecord {
            value: NONE,
            name,
            waiters: WaiterList::EMPTY,
            missing: 0,
            live: false,
            queued: false,
            read_structurally: false,
        });
        self.hyper_defs.push(HyperDef { kind, origin: self.origin_stack.last().copied() });
        id
    }

    fn new_independent(&mut self, domain: Domain, name: HyperName) -> HyperId {
        let single = domain.len() == 1;
        let id = self.push_hyper(HyperKind::Independent { domain }, name);
        if single {
            // A constant: assigned at once, never a decision.
            self.hypers[id.index()].value = 0;
        }
        id
    }

    /// A new anonymous independent hyperparameter over `values`; it takes its
    /// path from its first use (`<module>/<param>`).
    pub fn choice<I, V>(&mut self, values: I) -> Result<HyperId, SpecError>
    where
        I: IntoIterator<Item = V>,
        V: Into<Value>,
    {
        self.check_usable()?;
        let domain = Domain::new(values)?;
        Ok(self.new_independent(domain, HyperName::Unnamed))
    }

    /// A new independent hyperparameter with an explicit name in the current scope.
    pub fn named_choice<I, V>(&mut self, name: impl Into<Name>, values: I) -> Result<HyperId, SpecError>
    where
        I: IntoIterator<Item = V>,
        V: Into<Value>,
    {
        self.check_usable()?;
        let scope = self.current_scope();
        let name = self.claim_name(scope, name.into())?;
        let path_of = |s: &Space| super::records::scope_child(s.path_of_scope(scope), &name);
        let domain = Domain::new(values).map_err(|e| e.with_path(&path_of(self)))?;
        let key = self.share_key(scope, &name);
        if let Some(h) = self.shared_in_frame(key.as_ref(), &domain, || path_of(self))? {
            return Ok(h);
        }
        let name = self.labels.push(name) as u32;
        let h = self.new_independent(domain, HyperName::Scoped { scope, name });
        self.remember_in_frame(key, h);
        Ok(h)
    }

    /// A named shared hyperparameter (DeepArchitect's `HyperparameterSharer`):
    /// the first call creates it at the root scope, later calls with the same
    /// name return the same hyperparameter. The domain must match.
    pub fn shared<I, V>(&mut self, name: impl Into<Name>, values: I) -> Result<HyperId, SpecError>
    where
        I: IntoIterator<Item = V>,
        V: Into<Value>,
    {
        self.check_usable()?;
        let name = name.into();
        let domain = Domain::new(values).map_err(|e| e.with_path(&name))?;
        if let Some(&h) = self.shared.get(&name) {
            return match self.domain(h) {
                Some(d) if *d == domain => Ok(h),
                _ => Err(SpecError::SharedDomainMismatch { path: name.into_owned() }),
            };
        }
        let root = crate::ids::ScopeId(0);
        let name = self.claim_name(root, name)?;
        let label = self.labels.push(name.clone()) as u32;
        let h = self.new_independent(domain, HyperName::Scoped { scope: root, name: label });
        // Shared hyperparameters belong to no substitution.
        if let Some(def) = self.hyper_defs.local_mut(h.index()) {
            def.origin = None;
        }
        self.shared.insert(name, h);
        Ok(h)
    }

    /// A dependent hyperparameter: `function` of the values of `deps`,
    /// computed as soon as they all have values (at once if they do now).
    ///
    /// Dependencies must exist already, so dependents form no cycle.
    pub fn dependent(
        &mut self,
        deps: &[HyperId],
        function: impl Fn(&[Value]) -> Result<Value, String> + Send + Sync + 'static,
    ) -> Result<HyperId, SpecError> {
        self.make_dependent(deps, Arc::new(function), HyperName::Unnamed)
    }

    /// A dependent hyperparameter with an explicit name in the current scope.
    pub fn named_dependent(
        &mut self,
        name: impl Into<Name>,
        deps: &[HyperId],
        function: impl Fn(&[Value]) -> Result<Value, String> + Send + Sync + 'static,
    ) -> Result<HyperId, SpecError> {
        let scope = self.current_scope();
        let name = self.claim_name(scope, name.into())?;
        let name = self.labels.push(name) as u32;
        self.make_dependent(deps, Arc::new(function), HyperName::Scoped { scope, name })
    }

    fn make_dependent(
        &mut self,
        deps: &[HyperId],
        function: super::DependentFn,
        name: HyperName,
    ) -> Result<HyperId, SpecError> {
        self.check_usable()?;
        for &d in deps {
            self.check_hyper(d)?;
            self.note_use(d);
        }
        let missing = deps.iter().filter(|d| !self.has_value(**d)).count() as u32;
        let id = self.push_hyper(HyperKind::Dependent { deps: deps.iter().copied().collect(), function }, name);
        for (i, &d) in deps.iter().enumerate() {
            self.name_if_unnamed(d, HyperName::Arg { dependent: id, index: i as u32 });
            if !self.has_value(d) {
                self.add_waiter(d, Waiter::Dependent(id));
            }
        }
        self.hypers[id.index()].missing = missing;
        if missing == 0 {
            self.run_cascade_from_dependent(id)?;
        }
        Ok(id)
    }

    /// Records that something new uses `h` (for the counter's independence checks).
    fn note_use(&mut self, h: HyperId) {
        if let Some(watch) = &mut self.watch {
            watch.push(h);
        }
    }

    /// Marks `h` (and what it depends on) live; live pending decisions join the frontier.
    pub(crate) fn make_live(&mut self, h: HyperId) {
        let mut stack: SmallVec<[HyperId; 8]> = SmallVec::new();
        stack.push(h);
        while let Some(h) = stack.pop() {
            let rec = &mut self.hypers[h.index()];
            if rec.live {
                continue;
            }
            rec.live = true;
            match &self.hyper_defs.at(h.index()).kind {
                HyperKind::Independent { domain } => {
                    if !rec.has_value() && domain.len() > 1 && !rec.queued {
                        rec.queued = true;
                        self.frontier.push(h.0);
                    }
                }
                HyperKind::Dependent { deps, .. } => stack.extend(deps.iter().copied()),
            }
        }
    }

    /// Turns parameter number `index` (named `param`) of module `m` into a
    /// slot, creating and naming hyperparameters.
    fn resolve_param(&mut self, m: ModuleId, index: usize, param: &Name, value: Param) -> Result<ParamSlot, SpecError> {
        let name = HyperName::Param { module: m, param: index as u32 };
        match value {
            Param::Value(v) => Ok(ParamSlot::Const(v)),
            Param::Hyper(h) => {
                self.check_hyper(h)?;
                self.note_use(h);
                self.name_if_unnamed(h, name);
                self.make_live(h);
                Ok(ParamSlot::Hyper(h))
            }
            Param::Choice(domain) => {
                let domain = domain.map_err(|e| e.with_path(&format!("{}/{param}", self.module_path(m))))?;
                if domain.len() == 1 {
                    return Ok(ParamSlot::Const(domain.values()[0].clone()));
                }
                let def = self.module_def(m);
                let key = self.share_key(def.scope, &format!("{}/{param}", def.name));
                let h =
                    match self.shared_in_frame(key.as_ref(), &domain, || format!("{}/{param}", self.module_path(m)))? {
                        Some(h) => {
                            self.note_use(h);
                            self.name_if_unnamed(h, name);
                            h
                        }
                        None => {
                            let h = self.new_independent(domain, name);
                            self.remember_in_frame(key, h);
                            h
                        }
                    };
                self.make_live(h);
                Ok(ParamSlot::Hyper(h))
            }
        }
    }

    fn push_module(&mut self, scope: crate::ids::ScopeId, name: Name, kind: ModuleKind) -> ModuleId {
        let id = ModuleId::from_index(self.modules.len());
        self.modules.push(ModuleRecord {
            inputs: Ports::NONE,
            outputs: Ports::NONE,
            missing: 0,
            kind: kind.tag(),
            alive: true,
            fired: false,
            released: false,
        });
        let share = self.share_stack.last().copied().unwrap_or(NONE);
        self.module_defs.push(ModuleDef { scope, name, kind, origin: self.origin_stack.last().copied(), share });
        id
    }

    /// Completes the kind of module `m`, created just now.
    fn set_kind(&mut self, m: ModuleId, kind: ModuleKind) {
        self.modules[m.index()].kind = kind.tag();
        if let Some(def) = self.module_defs.local_mut(m.index()) {
            def.kind = kind;
        }
    }

    fn add_ports(&mut self, m: ModuleId, inputs: &[Name], outputs: &[Name]) -> Io {
        let mut io = Io::default();
        let first_input = self.inputs.len();
        for name in inputs {
            let id = InputId::from_index(self.inputs.len());
            self.inputs.push(InputRecord { module: m, source: None, forward: Forward::Here });
            self.input_names.push(name.clone());
            io.inputs.push((name.clone(), id));
        }
        let first_output = self.outputs.len();
        for name in outputs {
            let id = OutputId::from_index(self.outputs.len());
            self.outputs.push(OutputRecord { module: m, forward: Forward::Here });
            self.output_names.push(name.clone());
            io.outputs.push((name.clone(), id));
        }
        let rec = &mut self.modules[m.index()];
        rec.inputs = Ports::new(first_input, inputs.len());
        rec.outputs = Ports::new(first_output, outputs.len());
        io
    }

    /// A basic module carrying `op`. Its default name is the op name.
    pub fn basic(&mut self, op: Op) -> Result<Io, SpecError> {
        self.check_usable()?;
        let Op { name: op_name, params, inputs, outputs } = op;
        let (scope, name) = self.take_module_name(&op_name)?;
        let m = self.push_module(scope, name, ModuleKind::Identity);
        let mut slots: SmallVec<[(Name, ParamSlot); 2]> = SmallVec::with_capacity(params.len());
        for (pname, value) in params {
            if slots.iter().any(|(n, _)| *n == pname) {
                return Err(SpecError::DuplicateName { path: format!("{}/{pname}", self.module_path(m)) });
            }
            let slot = self.resolve_param(m, slots.len(), &pname, value)?;
            slots.push((pname, slot));
        }
        self.set_kind(m, ModuleKind::Basic { op: op_name, params: slots });
        Ok(self.add_ports(m, &inputs, &outputs))
    }

    /// An identity module (`in` → `out`), removed when the space is frozen.
    pub fn identity(&mut self) -> Result<Io, SpecError> {
        self.identity_named("identity")
    }

    /// An identity module named `default` unless a name is pending.
    /// Combinators name their own identities (`split`, `input`), so that a
    /// user's `identity` in the same scope keeps its plain name rather than
    /// a numbered one, which would be a fresh string for every copy.
    pub(crate) fn identity_named(&mut self, default: &'static str) -> Result<Io, SpecError> {
        self.check_usable()?;
        let (scope, name) = self.take_module_name(&Name::Borrowed(default))?;
        let m = self.push_module(scope, name, ModuleKind::Identity);
        Ok(self.add_ports(m, crate::op::SINGLE_INPUT, crate::op::SINGLE_OUTPUT))
    }

    /// A hyperparameter carrier: makes hyperparameters that belong to no module
    /// (learning rate, batch size) decisions of the space. Their values appear
    /// in the architecture's [`globals`](crate::Architecture::globals) under
    /// `<carrier path>/<name>`.
    pub fn carrier(&mut self, params: Vec<(Name, Param)>) -> Result<ModuleId, SpecError> {
        self.check_usable()?;
        let (scope, name) = self.take_module_name(&Name::Borrowed("hyperparameters"))?;
        let m = self.push_module(scope, name, ModuleKind::Carrier { hypers: Vec::new() });
        let mut hypers = Vec::with_capacity(params.len());
        for (pname, value) in params {
            let index = hypers.len();
            let h = match self.resolve_param(m, index, &pname, value)? {
                ParamSlot::Hyper(h) => h,
                ParamSlot::Const(v) => {
                    let name = HyperName::Param { module: m, param: index as u32 };
                    let h = self.new_independent(Domain::new([v])?, name);
                    self.make_live(h);
                    h
                }
            };
            hypers.push((pname, h));
        }
        self.set_kind(m, ModuleKind::Carrier { hypers });
        Ok(m)
    }

    /// A constraint: once all of `hypers` have values, `predicate` must hold,
    /// otherwise the assignment is [`Invalid`](crate::Invalid). Its hyperparameters become live.
    pub fn constraint(
        &mut self,
        name: impl Into<Name>,
        hypers: &[HyperId],
        predicate: impl Fn(&[Value]) -> bool + Send + Sync + 'static,
    ) -> Result<(), SpecError> {
        self.check_usable()?;
        for &h in hypers {
            self.check_hyper(h)?;
            self.note_use(h);
        }
        let scope = self.current_scope();
        let name = self.claim_name(scope, name.into())?;
        let path = super::records::scope_child(self.path_of_scope(scope), &name);
        let id = ConstraintId::from_index(self.constraints.len());
        let missing = hypers.iter().filter(|h| !self.has_value(**h)).count() as u32;
        self.constraints.push(ConstraintRecord {
            path,
            hypers: hypers.iter().copied().collect(),
            predicate: Arc::new(predicate),
            missing,
        });
        for &h in hypers {
            if !self.has_value(h) {
                self.add_waiter(h, Waiter::Constraint(id));
            }
            self.make_live(h);
        }
        if missing == 0 {
            self.evaluate_constraint(id)?;
        }
        Ok(())
    }

    /// A substitution module; it fires as soon as all its hyperparameters have
    /// values (right now if they already do).
    pub fn substitution(&mut self, decl: Substitution) -> Result<Io, SpecError> {
        self.substitution_counted(decl, Counting::Branch)
    }

    /// [`substitution`](Self::substitution), telling the counter how to treat it.
    pub(crate) fn substitution_counted(&mut self, decl: Substitution, counting: Counting) -> Result<Io, SpecError> {
        self.check_usable()?;
        let (scope, name) = self.take_module_name(&Name::Borrowed(decl.kind))?;
        let m = self.push_module(scope, name, ModuleKind::Identity);
        let mut hypers: SmallVec<[(Name, HyperId); 2]> = SmallVec::new();
        let mut missing = 0;
        for (pname, value) in decl.hypers {
            let index = hypers.len();
            let h = match self.resolve_param(m, index, &pname, value)? {
                ParamSlot::Hyper(h) => h,
                ParamSlot::Const(v) => {
                    self.new_independent(Domain::new([v])?, HyperName::Param { module: m, param: index as u32 })
                }
            };
            if !self.has_value(h) {
                missing += 1;
                self.add_waiter(h, Waiter::Module(m));
            }
            hypers.push((pname, h));
        }
        self.set_kind(
            m,
            ModuleKind::Substitution {
                function: decl.function,
                hypers,
                allow_input_subset: decl.allow_input_subset,
                allow_output_subset: decl.allow_output_subset,
                counting,
            },
        );
        self.modules[m.index()].missing = missing;
        let io = self.add_ports(m, &decl.inputs, &decl.outputs);
        if missing == 0 {
            self.fire_guarded(m)?;
        }
        Ok(io)
    }

    /// Connects `from` to `to`. An input takes one source; an output feeds any number.
    pub fn connect(&mut self, from: OutputId, to: InputId) -> Result<(), SpecError> {
        self.check_usable()?;
        self.check_output(from)?;
        self.check_input(to)?;
        let from = self.resolve_output(from)?;
        let to = self.resolve_input(to)?;
        if let Some(existing) = self.source_of(to) {
            return Err(SpecError::InputAlreadyConnected {
                input: self.input_path(to),
                existing: self.output_path(existing),
            });
        }
        self.inputs[to.index()].source = Some(from);
        Ok(())
    }

    /// Connects the single output of `a` to the single input of `b`.
    pub fn chain(&mut self, a: &Io, b: &Io) -> Result<(), SpecError> {
        self.connect(a.single_output()?, b.single_input()?)
    }

    /// The current port behind `i` (following substitutions).
    pub fn resolve_input(&self, mut i: InputId) -> Result<InputId, SpecError> {
        self.check_input(i)?;
        loop {
            match self.inputs[i.index()].forward {
                Forward::Here => return Ok(i),
                Forward::To(next) => i = next,
                Forward::Removed => {
                    return Err(SpecError::PortRemoved {
                        port: self.input_name(i).to_string(),
                        module: self.module_path(self.inputs[i.index()].module),
                    });
                }
            }
        }
    }

    /// The current port behind `o` (following substitutions).
    pub fn resolve_output(&self, mut o: OutputId) -> Result<OutputId, SpecError> {
        self.check_output(o)?;
        loop {
            match self.outputs[o.index()].forward {
                Forward::Here => return Ok(o),
                Forward::To(next) => o = next,
                Forward::Removed => {
                    return Err(SpecError::PortRemoved {
                        port: self.output_name(o).to_string(),
                        module: self.module_path(self.outputs[o.index()].module),
                    });
                }
            }
        }
    }
}
