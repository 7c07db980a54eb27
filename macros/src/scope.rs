//! Names in scope while checking and lowering a body.

use std::cell::Cell;
use std::collections::HashSet;

use syn::Ident;

use crate::ast::{DomainLit, ParamRole, unraw};

/// The type of a hyperparameter's values, when the DSL text shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueType {
    Int,
    Float,
    Bool,
    Str,
}

impl ValueType {
    /// Lowercase plural, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            ValueType::Int => "integers",
            ValueType::Float => "floats",
            ValueType::Bool => "booleans",
            ValueType::Str => "strings",
        }
    }
}

/// What the DSL knows of a module's ports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ports {
    /// `in` → `out` (combinators, `identity()`, factories).
    Siso,
    /// Defined elsewhere: rustc checks them through typed port handles.
    Typed,
    /// One output `out`, no input (`select`, `unused`: their inputs are the
    /// outputs they list).
    OutputOnly,
}

impl Ports {
    /// The input names, when known.
    pub fn inputs(self) -> Option<&'static [&'static str]> {
        match self {
            Ports::Siso => Some(&["in"]),
            Ports::Typed => None,
            Ports::OutputOnly => Some(&[]),
        }
    }

    /// The output names, when known.
    pub fn outputs(self) -> Option<&'static [&'static str]> {
        match self {
            Ports::Siso | Ports::OutputOnly => Some(&["out"]),
            Ports::Typed => None,
        }
    }
}

/// What a name is bound to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A hyperparameter (a `HyperId` in the expansion).
    Hyper(Option<ValueType>),
    /// A module (a port set in the expansion); the index is its place in its body.
    Module(Ports, usize),
    /// A constraint.
    Constraint,
    /// A function parameter passed through (factory or plain value).
    Value(ParamRole),
    /// A factory's own parameter (`|k|`): a Rust value.
    Local,
    /// A `let` that did not parse: known to exist, nothing else; uses of
    /// it are not reported again.
    Broken,
}

/// One binding.
struct Bound<'a> {
    ident: Ident,
    /// The name without `r#`.
    text: String,
    kind: Kind,
    /// Whether its statement is in the expansion.
    emitted: bool,
    /// The literal domain of a `choice`/`shared` hyperparameter.
    domain: Option<&'a DomainLit>,
}

/// One level of names: a body, or a function's parameters.
struct Frame<'a> {
    names: Vec<Bound<'a>>,
    /// Modules above this frame belong to another graph.
    boundary: bool,
    /// Names that a later `let` of this body binds.
    pending: HashSet<String>,
}

/// The chain of frames, innermost last.
#[derive(Default)]
pub struct Scopes<'a> {
    frames: Vec<Frame<'a>>,
    /// Set when a lookup finds a binding left out of the expansion: the
    /// statement being checked must be left out too.
    tainted: Cell<bool>,
}

/// A name found in scope.
#[derive(Clone, Copy)]
pub struct Found<'a> {
    pub kind: Kind,
    /// Bound in the current graph (not above a factory boundary).
    pub local: bool,
    /// The literal domain behind a hyperparameter, if any.
    pub domain: Option<&'a DomainLit>,
}

impl<'a> Scopes<'a> {
    /// Enters a frame; `boundary` when it starts a new graph (a factory).
    pub fn push(&mut self, boundary: bool) {
        self.frames.push(Frame { names: Vec::new(), boundary, pending: HashSet::new() });
    }

    /// Leaves the innermost frame.
    pub fn pop(&mut self) {
        self.frames.pop();
    }

    /// Names that later statements of the innermost frame bind.
    pub fn expect_later(&mut self, names: impl IntoIterator<Item = String>) {
        if let Some(frame) = self.frames.last_mut() {
            frame.pending.extend(names);
        }
    }

    /// Binds `name` in the innermost frame; returns the earlier binding in
    /// the same frame, if any.
    pub fn bind(&mut self, name: &Ident, kind: Kind) -> Option<Ident> {
        self.bind_with(name, kind, true, None)
    }

    /// Binds `name`, saying whether its statement is emitted and what its
    /// literal domain is.
    pub fn bind_with(
        &mut self,
        name: &Ident,
        kind: Kind,
        emitted: bool,
        domain: Option<&'a DomainLit>,
    ) -> Option<Ident> {
        let text = unraw(name);
        let frame = self.frames.last_mut()?;
        let earlier = frame.names.iter().find(|b| b.text == text).map(|b| b.ident.clone());
        if !frame.pending.is_empty() {
            frame.pending.remove(&text);
        }
        frame.names.push(Bound { ident: name.clone(), text, kind, emitted, domain });
        earlier
    }

    /// Looks `name` up, innermost first.
    pub fn find(&self, name: &Ident) -> Option<Found<'a>> {
        let text = unraw(name);
        let mut local = true;
        for frame in self.frames.iter().rev() {
            if let Some(bound) = frame.names.iter().rev().find(|b| b.text == text) {
                if !bound.emitted {
                    self.tainted.set(true);
                }
                return Some(Found { kind: bound.kind, local, domain: bound.domain });
            }
            if frame.boundary {
                local = false;
            }
        }
        None
    }

    /// True when `name` is not bound yet but a later `let` of the current
    /// graph binds it.
    pub fn declared_below(&self, name: &Ident) -> bool {
        let text = unraw(name);
        for frame in self.frames.iter().rev() {
            if frame.pending.contains(&text) {
                return true;
            }
            if frame.boundary {
                return false;
            }
        }
        false
    }

    /// Takes the taint flag, clearing it (see [`Scopes::find`]).
    pub fn take_taint(&self) -> bool {
        self.tainted.replace(false)
    }

    /// Sets the taint flag back to what [`Scopes::take_taint`] returned.
    pub fn restore_taint(&self, tainted: bool) {
        self.tainted.set(tainted);
    }

    /// Names visible now whose binding satisfies `keep`, for suggestions.
    pub fn names_where(&self, keep: impl Fn(Kind) -> bool) -> Vec<String> {
        self.frames.iter().flat_map(|f| f.names.iter()).filter(|b| keep(b.kind)).map(|b| b.text.clone()).collect()
    }

    /// Module names of the innermost frame, for suggestions.
    pub fn local_modules(&self) -> Vec<String> {
        self.frames
            .last()
            .map(|f| f.names.iter().filter(|b| matches!(b.kind, Kind::Module(..))).map(|b| b.text.clone()).collect())
            .unwrap_or_default()
    }
}
