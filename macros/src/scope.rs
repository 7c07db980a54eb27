//! Names in scope while checking and lowering a body.

use syn::Ident;

use crate::ast::ParamRole;

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
}

impl Ports {
    /// The input names, when known.
    pub fn inputs(self) -> Option<&'static [&'static str]> {
        match self {
            Ports::Siso => Some(&["in"]),
            Ports::Typed => None,
        }
    }

    /// The output names, when known.
    pub fn outputs(self) -> Option<&'static [&'static str]> {
        match self {
            Ports::Siso => Some(&["out"]),
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
}

/// One level of names: a body, or a function's parameters.
struct Frame {
    names: Vec<(Ident, Kind)>,
    /// Modules above this frame belong to another graph.
    boundary: bool,
}

/// The chain of frames, innermost last.
#[derive(Default)]
pub struct Scopes {
    frames: Vec<Frame>,
}

/// A name found in scope.
#[derive(Clone, Copy, Debug)]
pub struct Found {
    pub kind: Kind,
    /// Bound in the current graph (not above a factory boundary).
    pub local: bool,
}

impl Scopes {
    /// Enters a frame; `boundary` when it starts a new graph (a factory).
    pub fn push(&mut self, boundary: bool) {
        self.frames.push(Frame { names: Vec::new(), boundary });
    }

    /// Leaves the innermost frame.
    pub fn pop(&mut self) {
        self.frames.pop();
    }

    /// Binds `name` in the innermost frame; returns the earlier binding in
    /// the same graph level, if any.
    pub fn bind(&mut self, name: &Ident, kind: Kind) -> Option<Ident> {
        let earlier = self.frames.last().and_then(|f| f.names.iter().find(|(n, _)| n == name)).map(|(n, _)| n.clone());
        if let Some(frame) = self.frames.last_mut() {
            frame.names.push((name.clone(), kind));
        }
        earlier
    }

    /// Looks `name` up, innermost first.
    pub fn find(&self, name: &Ident) -> Option<Found> {
        let mut local = true;
        for frame in self.frames.iter().rev() {
            if let Some((_, kind)) = frame.names.iter().rev().find(|(n, _)| n == name) {
                return Some(Found { kind: *kind, local });
            }
            if frame.boundary {
                local = false;
            }
        }
        None
    }

    /// Names visible now whose binding satisfies `keep`, for suggestions.
    pub fn names_where(&self, keep: impl Fn(Kind) -> bool) -> Vec<String> {
        self.frames.iter().flat_map(|f| f.names.iter()).filter(|(_, k)| keep(*k)).map(|(n, _)| n.to_string()).collect()
    }

    /// Module names of the innermost frame, for suggestions.
    pub fn local_modules(&self) -> Vec<String> {
        self.frames
            .last()
            .map(|f| {
                f.names.iter().filter(|(_, k)| matches!(k, Kind::Module(..))).map(|(n, _)| n.to_string()).collect()
            })
            .unwrap_or_default()
    }
}
