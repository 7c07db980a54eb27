//! The substitution engine: assignment, cascades through dependents, and
//! firing of substitution modules.

use smallvec::SmallVec;

use super::Space;
use super::records::{Counting, HyperKind, MadeDecision, ModuleKind, NONE, Values, Waiter, WaiterList};
use crate::error::{Invalid, SpecError};
use crate::ids::{ConstraintId, HyperId, ModuleId};
use crate::value::Value;

impl Space {
    /// Assigns `value` to the pending decision `h`; dependents and
    /// substitutions cascade within this call.
    ///
    /// An [`Invalid`](SpecError::Invalid) result means the combination was
    /// rejected; the space cannot be used further either way after an error.
    pub fn assign(&mut self, h: HyperId, value: &Value) -> Result<(), SpecError> {
        self.check_hyper(h)?;
        let index = match self.hyper_kind(h) {
            HyperKind::Independent { domain } => {
                domain.index_of(value).ok_or_else(|| SpecError::ValueOutsideDomain {
                    path: self.hyper_path(h),
                    value: value.clone(),
                    domain: domain.values().iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
                })?
            }
            HyperKind::Dependent { .. } => return Err(SpecError::NotADecision { path: self.hyper_path(h) }),
        };
        self.assign_index(h, index)
    }

    /// Assigns the value at `index` of `h`'s domain.
    pub fn assign_index(&mut self, h: HyperId, index: usize) -> Result<(), SpecError> {
        self.check_usable()?;
        self.check_hyper(h)?;
        if self.firing > 0 {
            return Err(SpecError::Unusable { reason: "assignment while a substitution is building".to_owned() });
        }
        if self.has_value(h) {
            return Err(SpecError::AlreadyAssigned { path: self.hyper_path(h) });
        }
        match self.hyper_kind(h) {
            HyperKind::Independent { domain } => {
                if index >= domain.len() {
                    return Err(SpecError::ValueOutsideDomain {
                        path: self.hyper_path(h),
                        value: Value::from(index),
                        domain: format!("indices 0..{}", domain.len()),
                    });
                }
            }
            HyperKind::Dependent { .. } => return Err(SpecError::NotADecision { path: self.hyper_path(h) }),
        }
        self.made.push(MadeDecision { hyper: h, index: index as u32 });
        self.hypers[h.index()].value = index as u32;
        let result = self.cascade(h);
        if let Err(err) = &result {
            self.broken = Some(err.clone());
        }
        result
    }

    /// Processes everything that was waiting for `h`, which just got its value.
    fn cascade(&mut self, h: HyperId) -> Result<(), SpecError> {
        let mut work: SmallVec<[HyperId; 8]> = SmallVec::new();
        work.push(h);
        while let Some(h) = work.pop() {
            let mut next = std::mem::replace(&mut self.hypers[h.index()].waiters, WaiterList::EMPTY).head;
            while next != NONE {
                let node = self.waiters[next as usize];
                next = node.next;
                match node.waiter {
                    Waiter::Dependent(d) => {
                        if self.decrement_dependent(d) {
                            let v = self.compute_dependent(d)?;
                            self.set_computed(d, v);
                            work.push(d);
                        }
                    }
                    Waiter::Module(m) => {
                        if self.decrement_module(m) {
                            self.fire_guarded(m)?;
                        }
                    }
                    Waiter::Constraint(c) => {
                        let rec = &mut self.constraints[c.index()];
                        rec.missing -= 1;
                        if rec.missing == 0 {
                            self.evaluate_constraint(c)?;
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Called when a dependent is created with all its dependencies known.
    pub(crate) fn run_cascade_from_dependent(&mut self, d: HyperId) -> Result<(), SpecError> {
        let v = self.compute_dependent(d)?;
        self.set_computed(d, v);
        self.cascade(d)
    }

    fn decrement_dependent(&mut self, d: HyperId) -> bool {
        let rec = &mut self.hypers[d.index()];
        rec.missing = rec.missing.saturating_sub(1);
        rec.missing == 0
    }

    fn decrement_module(&mut self, m: ModuleId) -> bool {
        let rec = &mut self.modules[m.index()];
        rec.missing = rec.missing.saturating_sub(1);
        rec.missing == 0
    }

    fn compute_dependent(&mut self, d: HyperId) -> Result<Value, SpecError> {
        let HyperKind::Dependent { deps, function, .. } = self.hyper_kind(d) else {
            return Err(SpecError::NotADecision { path: self.hyper_path(d) });
        };
        let args: SmallVec<[Value; 4]> =
            deps.iter().map(|x| self.value_of(*x).cloned().unwrap_or(Value::Bool(false))).collect();
        function(&args).map_err(|message| SpecError::DependentFailed { path: self.hyper_path(d), message })
    }

    /// Marks `h` and everything it was computed from as read by structure.
    fn mark_structural(&mut self, h: HyperId) {
        let mut stack: SmallVec<[HyperId; 8]> = SmallVec::new();
        stack.push(h);
        while let Some(h) = stack.pop() {
            let rec = &mut self.hypers[h.index()];
            if rec.read_structurally {
                continue;
            }
            rec.read_structurally = true;
            if let HyperKind::Dependent { deps, .. } = &self.hyper_defs.at(h.index()).kind {
                stack.extend(deps.iter().copied());
            }
        }
    }

    pub(crate) fn evaluate_constraint(&mut self, c: ConstraintId) -> Result<(), SpecError> {
        let hypers = self.constraints[c.index()].hypers.clone();
        for &h in &hypers {
            self.mark_structural(h);
        }
        let args: SmallVec<[Value; 4]> =
            hypers.iter().map(|x| self.value_of(*x).cloned().unwrap_or(Value::Bool(false))).collect();
        let rec = &self.constraints[c.index()];
        if (rec.predicate)(&args) {
            Ok(())
        } else {
            let err =
                SpecError::Invalid(Invalid { path: rec.path.clone(), reason: "constraint not satisfied".to_owned() });
            self.broken = Some(err.clone());
            Err(err)
        }
    }

    /// Fires substitution module `m`, marking the space broken on failure.
    pub(crate) fn fire_guarded(&mut self, m: ModuleId) -> Result<(), SpecError> {
        let result = self.fire(m);
        if let Err(err) = &result {
            self.broken = Some(err.clone());
        }
        result
    }

    fn fire(&mut self, m: ModuleId) -> Result<(), SpecError> {
        if self.modules[m.index()].fired {
            return Ok(());
        }
        let def = self.module_def(m);
        let ModuleKind::Substitution { function, hypers, counting, .. } = &def.kind else {
            return Ok(());
        };
        let function = function.clone();
        let transparent = matches!(counting, Counting::Transparent);
        let mut values = Values::default();
        for (name, h) in hypers {
            values.entries.push((name.clone(), self.value_of(*h).cloned().unwrap_or(Value::Bool(false))));
        }
        let mut read: SmallVec<[HyperId; 2]> = SmallVec::new();
        for (_, h) in hypers {
            read.push(*h);
        }
        let (parent, name, share) = (def.scope, def.name.clone(), def.share);
        self.modules[m.index()].fired = true;
        if !transparent {
            for &h in &read {
                self.mark_structural(h);
            }
        }
        let hypers_before = self.hypers.len();
        let scope = self.child_scope(parent, name);
        self.scope_stack.push(scope);
        self.origin_stack.push(m);
        self.firing += 1;
        let built = self.in_share_frame(share, |s| function(s, &values));
        self.firing -= 1;
        self.origin_stack.pop();
        self.scope_stack.pop();
        // A transparent module must neither reject its values nor create
        // decisions; if it did, the counter must branch on what it read.
        if transparent && (built.is_err() || self.creates_decisions(hypers_before)) {
            for &h in &read {
                self.mark_structural(h);
            }
        }
        let io = built.map_err(|e| e.with_path(self.path_of_scope(scope)))?;
        self.reroute(m, &io)
    }

    /// Runs `f` as if substitution module `m` were firing: in the scope its
    /// firing builds in, with it as the origin, in its share frame. For
    /// measuring what a firing would build, on a copy of the space.
    pub(crate) fn as_if_firing<R>(&mut self, m: ModuleId, f: impl FnOnce(&mut Space) -> R) -> R {
        let def = self.module_def(m);
        let (parent, name, share) = (def.scope, def.name.clone(), def.share);
        let scope = self.child_scope(parent, name);
        self.scope_stack.push(scope);
        self.origin_stack.push(m);
        let out = self.in_share_frame(share, f);
        self.origin_stack.pop();
        self.scope_stack.pop();
        out
    }

    /// The substitution modules that have not fired and wait for `h` directly.
    pub(crate) fn unfired_readers(&self, h: HyperId) -> SmallVec<[ModuleId; 2]> {
        let mut readers = SmallVec::new();
        let mut next = self.hypers[h.index()].waiters.head;
        while next != NONE {
            let node = self.waiters[next as usize];
            next = node.next;
            if let Waiter::Module(m) = node.waiter
                && !self.modules[m.index()].fired
                && !readers.contains(&m)
            {
                readers.push(m);
            }
        }
        readers
    }

    /// Whether a hyperparameter created from index `from` on is a decision
    /// (independent, with more than one value).
    fn creates_decisions(&self, from: usize) -> bool {
        (from..self.hypers.len()).any(|i| match &self.hyper_defs.at(i).kind {
            HyperKind::Independent { domain } => domain.len() > 1,
            HyperKind::Dependent { .. } => false,
        })
    }
}
