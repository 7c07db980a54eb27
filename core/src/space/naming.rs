//! Names and paths: unique module names per scope, lazily rendered paths.

use std::borrow::Cow;

use super::Space;
use super::records::{HyperName, ModuleKind, scope_child};
use crate::error::SpecError;
use crate::ids::{HyperId, InputId, ModuleId, OutputId, ScopeId};
use crate::op::Name;

impl Space {
    /// Takes a unique name in the current scope: the pending explicit name
    /// (an error if taken) or `default` with a numeric suffix if needed.
    pub(crate) fn take_module_name(&mut self, default: &Name) -> Result<(ScopeId, Name), SpecError> {
        let scope = self.current_scope();
        if let Some(explicit) = self.pending_name.take() {
            return self.claim_name(scope, explicit).map(|n| (scope, n));
        }
        let Some(mut suffix) = self.names.insert_if_absent((scope, default.clone()), 1) else {
            return Ok((scope, default.clone()));
        };
        let key = (scope, default.clone());
        loop {
            let candidate: Name = Cow::Owned(format!("{default}_{suffix}"));
            suffix += 1;
            let candidate_key = (scope, candidate);
            if self.names.get(&candidate_key).is_none() {
                self.names.set(key, suffix);
                let candidate = candidate_key.1.clone();
                self.names.set(candidate_key, 1);
                return Ok((scope, candidate));
            }
        }
    }

    /// Claims an explicit name in `scope`; a second claim is an error.
    pub(crate) fn claim_name(&mut self, scope: ScopeId, name: Name) -> Result<Name, SpecError> {
        if name.is_empty() || name.contains('/') {
            return Err(SpecError::BadName { name: name.into_owned() });
        }
        if self.names.insert_if_absent((scope, name.clone()), 1).is_some() {
            return Err(SpecError::DuplicateName { path: scope_child(self.path_of_scope(scope), &name) });
        }
        Ok(name)
    }

    /// The path of a module, e.g. `left/1/conv2d`.
    pub fn module_path(&self, m: ModuleId) -> String {
        let Some(def) = self.module_defs.get(m.index()) else {
            return format!("{m:?}");
        };
        let scope = self.path_of_scope(def.scope);
        let mut out = String::with_capacity(scope.len() + 1 + def.name.len());
        if !scope.is_empty() {
            out.push_str(scope);
            out.push('/');
        }
        out.push_str(&def.name);
        out
    }

    /// Appends the path of module `m` to `out`.
    pub(crate) fn push_module_path(&self, m: ModuleId, out: &mut String) {
        match self.module_defs.get(m.index()) {
            Some(rec) => {
                let scope = self.path_of_scope(rec.scope);
                out.reserve(scope.len() + rec.name.len() + 1);
                if !scope.is_empty() {
                    out.push_str(scope);
                    out.push('/');
                }
                out.push_str(&rec.name);
            }
            None => out.push_str(&format!("{m:?}")),
        }
    }

    /// The path of an input port, e.g. `cat/in1`.
    pub fn input_path(&self, i: InputId) -> String {
        match (self.inputs.get(i.index()), self.input_names.get(i.index())) {
            (Some(rec), Some(name)) => format!("{}/{}", self.module_path(rec.module), name),
            _ => format!("{i:?}"),
        }
    }

    /// The path of an output port, e.g. `stem/out`.
    pub fn output_path(&self, o: OutputId) -> String {
        match (self.outputs.get(o.index()), self.output_names.get(o.index())) {
            (Some(rec), Some(name)) => format!("{}/{}", self.module_path(rec.module), name),
            _ => format!("{o:?}"),
        }
    }

    pub(crate) fn render_hyper_path(&self, h: HyperId) -> String {
        let mut out = String::with_capacity(48);
        self.push_hyper_path(h, &mut out);
        out
    }

    /// Appends the path of hyperparameter `h` to `out`.
    pub(crate) fn push_hyper_path(&self, h: HyperId, out: &mut String) {
        use std::fmt::Write;
        let Some(rec) = self.hypers.get(h.index()) else {
            let _ = write!(out, "{h:?}");
            return;
        };
        match rec.name {
            HyperName::Unnamed => {
                let _ = write!(out, "<unnamed {}>", h.index());
            }
            HyperName::Scoped { scope, name } => {
                let scope = self.path_of_scope(scope);
                if !scope.is_empty() {
                    out.push_str(scope);
                    out.push('/');
                }
                out.push_str(self.labels.get(name as usize).map_or("?", |n| n.as_ref()));
            }
            HyperName::Param { module, param } => {
                self.push_module_path(module, out);
                out.push('/');
                out.push_str(self.param_name(module, param as usize));
            }
            HyperName::Arg { dependent, index } => {
                self.push_hyper_path(dependent, out);
                let _ = write!(out, "/arg{index}");
            }
        }
    }

    /// The name of parameter number `index` of `module`: an op parameter, or
    /// a hyperparameter of a substitution module or carrier.
    pub(crate) fn param_name(&self, module: ModuleId, index: usize) -> &str {
        let name = self.module_defs.get(module.index()).and_then(|def| match &def.kind {
            ModuleKind::Basic { params, .. } => params.get(index).map(|(n, _)| n),
            ModuleKind::Substitution { hypers, .. } => hypers.get(index).map(|(n, _)| n),
            ModuleKind::Carrier { hypers } => hypers.get(index).map(|(n, _)| n),
            ModuleKind::Identity => None,
        });
        name.map_or("?", |n| n.as_ref())
    }

    /// Gives `h` a name from its first use, if it has none yet.
    pub(crate) fn name_if_unnamed(&mut self, h: HyperId, name: HyperName) {
        let rec = &mut self.hypers[h.index()];
        if matches!(rec.name, HyperName::Unnamed) {
            rec.name = name;
        }
    }
}
