//! `or`: one of several alternative sub-spaces.

use std::sync::Arc;

use crate::combinators::{Factory, as_siso};
use crate::error::SpecError;
use crate::io::Io;
use crate::op::{Name, Param};
use crate::space::{Space, Substitution};
use crate::value::{Domain, Value};

/// The alternatives of an `or`: a list (chosen by index) or a named map
/// (chosen by name, DeepArchitect's dict form).
#[derive(Clone)]
pub enum Alternatives {
    /// Chosen by an integer index `0..k`.
    List(Vec<Factory>),
    /// Chosen by a string key.
    Named(Vec<(Name, Factory)>),
}

impl Alternatives {
    /// An empty list of alternatives; add with [`with`](Self::with).
    pub fn list() -> Self {
        Alternatives::List(Vec::new())
    }

    /// An empty named map of alternatives; add with [`with_named`](Self::with_named).
    pub fn named() -> Self {
        Alternatives::Named(Vec::new())
    }

    /// Adds an alternative to a list.
    pub fn with(mut self, f: impl Fn(&mut Space) -> Result<Io, SpecError> + Send + Sync + 'static) -> Self {
        match &mut self {
            Alternatives::List(v) => v.push(Arc::new(f)),
            Alternatives::Named(v) => {
                let key = Name::Owned(v.len().to_string());
                v.push((key, Arc::new(f)));
            }
        }
        self
    }

    /// Adds a named alternative.
    pub fn with_named(
        mut self,
        name: impl Into<Name>,
        f: impl Fn(&mut Space) -> Result<Io, SpecError> + Send + Sync + 'static,
    ) -> Self {
        match &mut self {
            Alternatives::Named(v) => v.push((name.into(), Arc::new(f))),
            Alternatives::List(v) => v.push(Arc::new(f)),
        }
        self
    }

    /// Number of alternatives.
    pub fn len(&self) -> usize {
        match self {
            Alternatives::List(v) => v.len(),
            Alternatives::Named(v) => v.len(),
        }
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The natural domain: indices for a list, keys for a map.
    pub fn domain(&self) -> Result<Domain, SpecError> {
        match self {
            Alternatives::List(v) => Domain::indices(v.len()),
            Alternatives::Named(v) => Domain::new(v.iter().map(|(n, _)| Value::from(n.as_ref()))),
        }
    }

    fn pick(&self, value: &Value) -> Option<(String, Factory)> {
        match (self, value) {
            (Alternatives::List(v), Value::Int(i)) => {
                let i = usize::try_from(*i).ok()?;
                v.get(i).map(|f| (i.to_string(), f.clone()))
            }
            (Alternatives::Named(v), Value::Str(key)) => {
                v.iter().find(|(n, _)| n.as_ref() == key.as_ref()).map(|(n, f)| (n.to_string(), f.clone()))
            }
            _ => None,
        }
    }
}

impl Space {
    /// One of `alternatives`, chosen by a fresh decision `idx` over all of
    /// them. Single input `in`, single output `out` (DeepArchitect's `siso_or`).
    ///
    /// ```
    /// use archspace_core::{Alternatives, Op, Space};
    /// let alts = Alternatives::named()
    ///     .with_named("conv3", |s| s.basic(Op::new("conv3")))
    ///     .with_named("pool", |s| s.basic(Op::new("max_pool")));
    /// let mut s = Space::build(|s| s.or(alts))?;
    /// let idx = s.next_decision().unwrap();
    /// s.assign(idx, &"pool".into())?;
    /// let arch = s.freeze()?;
    /// assert_eq!(arch.modules()[0].path, "or/pool/max_pool");
    /// # Ok::<(), archspace_core::SpecError>(())
    /// ```
    pub fn or(&mut self, alternatives: Alternatives) -> Result<Io, SpecError> {
        if alternatives.is_empty() {
            return Err(SpecError::BadCombinator {
                combinator: "or",
                path: self.scope_path(),
                reason: "needs at least one alternative".to_owned(),
            });
        }
        let domain = alternatives.domain()?;
        self.or_with(alternatives, domain)
    }

    /// Like [`or`](Self::or) with the choice given: a hyperparameter whose
    /// values are indices (list) or keys (map), possibly shared or dependent.
    pub fn or_with(&mut self, alternatives: Alternatives, idx: impl Into<Param>) -> Result<Io, SpecError> {
        self.or_mimo(crate::op::SINGLE_INPUT.to_vec(), crate::op::SINGLE_OUTPUT.to_vec(), alternatives, idx, true)
    }

    /// A multi-input multi-output `or` (DeepArchitect's `mimo_or`): every
    /// alternative must expose exactly `inputs` and `outputs`.
    pub fn or_mimo(
        &mut self,
        inputs: Vec<Name>,
        outputs: Vec<Name>,
        alternatives: Alternatives,
        idx: impl Into<Param>,
        siso: bool,
    ) -> Result<Io, SpecError> {
        if alternatives.is_empty() {
            return Err(SpecError::BadCombinator {
                combinator: "or",
                path: self.scope_path(),
                reason: "needs at least one alternative".to_owned(),
            });
        }
        self.substitution(Substitution {
            kind: "or",
            inputs: inputs.into(),
            outputs: outputs.into(),
            hypers: vec![(Name::Borrowed("idx"), idx.into())],
            function: std::sync::Arc::new(move |s, values| {
                let value = values.get("idx").cloned().unwrap_or(Value::Bool(false));
                let Some((segment, factory)) = alternatives.pick(&value) else {
                    return Err(SpecError::BadValue {
                        path: String::new(),
                        value,
                        expected: format!("`idx` must name one of the {} alternatives", alternatives.len()),
                    });
                };
                let io = s.in_scope(&segment, |s| factory(s))?;
                if siso { as_siso(&io) } else { Ok(io) }
            }),
            allow_input_subset: false,
            allow_output_subset: false,
        })
    }
}
