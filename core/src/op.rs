//! Operation descriptions carried by basic modules.
//!
//! `core` treats an [`Op`] as opaque data: a name, named parameters and port
//! names. A backend reads it back from the frozen
//! [`Architecture`](crate::Architecture) and builds the real layer.

use std::borrow::Cow;

use crate::ids::HyperId;
use crate::value::{Domain, Value};
use smallvec::SmallVec;

/// A port, parameter, op or module name. Static in the common case, so that
/// building a space allocates no strings for them.
pub type Name = Cow<'static, str>;

/// The single input name `in`.
pub const SINGLE_INPUT: &[Name] = &[Cow::Borrowed("in")];
/// The single output name `out`.
pub const SINGLE_OUTPUT: &[Name] = &[Cow::Borrowed("out")];

/// Where a parameter of a module gets its value.
#[derive(Clone, Debug)]
pub enum Param {
    /// A fixed value (never a decision).
    Value(Value),
    /// An existing hyperparameter (shared if used by several modules).
    Hyper(HyperId),
    /// A fresh independent hyperparameter over this domain, named after the
    /// module and parameter (`<module path>/<param>`).
    Choice(Result<Domain, crate::SpecError>),
}

/// A fresh anonymous choice over `values`, to pass where a [`Param`] is expected.
///
/// ```
/// use archspace_core::{choice, Param};
/// assert!(matches!(choice([64, 128]), Param::Choice(Ok(_))));
/// assert!(matches!(choice(Vec::<i64>::new()), Param::Choice(Err(_))));
/// ```
#[inline]
pub fn choice<I, V>(values: I) -> Param
where
    I: IntoIterator<Item = V>,
    V: Into<Value>,
{
    Param::Choice(Domain::new(values))
}

impl From<HyperId> for Param {
    #[inline]
    fn from(h: HyperId) -> Self {
        Param::Hyper(h)
    }
}

impl From<Domain> for Param {
    #[inline]
    fn from(d: Domain) -> Self {
        Param::Choice(Ok(d))
    }
}

impl<T: Into<Value>> From<T> for Param {
    #[inline]
    fn from(v: T) -> Self {
        Param::Value(v.into())
    }
}

/// The description of a basic module: op name, parameters and ports.
///
/// ```
/// use archspace_core::{choice, Op};
/// let conv = Op::new("conv2d").param("filters", choice([64, 128])).param("kernel", 3);
/// assert_eq!(conv.name(), "conv2d");
/// let cat = Op::new("concat").inputs_indexed(2);
/// assert_eq!(cat.input_names().len(), 2);
/// ```
#[derive(Clone, Debug)]
pub struct Op {
    pub(crate) name: Name,
    pub(crate) params: SmallVec<[(Name, Param); 2]>,
    pub(crate) inputs: Cow<'static, [Name]>,
    pub(crate) outputs: Cow<'static, [Name]>,
}

impl Op {
    /// An op with one input `in`, one output `out` and no parameters.
    #[inline]
    pub fn new(name: impl Into<Name>) -> Self {
        Op {
            name: name.into(),
            params: SmallVec::new(),
            inputs: Cow::Borrowed(SINGLE_INPUT),
            outputs: Cow::Borrowed(SINGLE_OUTPUT),
        }
    }

    /// Adds a parameter.
    #[inline]
    pub fn param(mut self, name: impl Into<Name>, value: impl Into<Param>) -> Self {
        self.params.push((name.into(), value.into()));
        self
    }

    /// Sets the input names.
    pub fn inputs<N: Into<Name>>(mut self, names: impl IntoIterator<Item = N>) -> Self {
        self.inputs = port_names(names, SINGLE_INPUT);
        self
    }

    /// Sets the input names to `in0 .. in{n-1}`.
    pub fn inputs_indexed(mut self, n: usize) -> Self {
        self.inputs = indexed_port_names(&INDEXED_INPUTS, "in", n);
        self
    }

    /// Sets the output names.
    pub fn outputs<N: Into<Name>>(mut self, names: impl IntoIterator<Item = N>) -> Self {
        self.outputs = port_names(names, SINGLE_OUTPUT);
        self
    }

    /// Sets the output names to `out0 .. out{n-1}`.
    pub fn outputs_indexed(mut self, n: usize) -> Self {
        self.outputs = indexed_port_names(&INDEXED_OUTPUTS, "out", n);
        self
    }

    /// The op name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The input names, in order.
    pub fn input_names(&self) -> &[Name] {
        &self.inputs
    }

    /// The output names, in order.
    pub fn output_names(&self) -> &[Name] {
        &self.outputs
    }
}

const INDEXED_INPUTS: [Name; 8] = [
    Cow::Borrowed("in0"),
    Cow::Borrowed("in1"),
    Cow::Borrowed("in2"),
    Cow::Borrowed("in3"),
    Cow::Borrowed("in4"),
    Cow::Borrowed("in5"),
    Cow::Borrowed("in6"),
    Cow::Borrowed("in7"),
];
const INDEXED_OUTPUTS: [Name; 8] = [
    Cow::Borrowed("out0"),
    Cow::Borrowed("out1"),
    Cow::Borrowed("out2"),
    Cow::Borrowed("out3"),
    Cow::Borrowed("out4"),
    Cow::Borrowed("out5"),
    Cow::Borrowed("out6"),
    Cow::Borrowed("out7"),
];

/// Port names as given; the common single-port default stays a static slice
/// so that building modules allocates nothing for it.
fn port_names<N: Into<Name>>(names: impl IntoIterator<Item = N>, single: &'static [Name]) -> Cow<'static, [Name]> {
    let names: smallvec::SmallVec<[Name; 2]> = names.into_iter().map(Into::into).collect();
    if names.as_slice() == single { Cow::Borrowed(single) } else { Cow::Owned(names.into_vec()) }
}

/// `prefix0 .. prefix{n-1}`, a static slice up to eight ports.
fn indexed_port_names(table: &'static [Name; 8], prefix: &str, n: usize) -> Cow<'static, [Name]> {
    if n <= table.len() { Cow::Borrowed(&table[..n]) } else { Cow::Owned(indexed_names(prefix, n)) }
}

/// `prefix0 .. prefix{n-1}`, with static names for the first few.
pub fn indexed_names(prefix: &str, n: usize) -> Vec<Name> {
    const IN: [&str; 8] = ["in0", "in1", "in2", "in3", "in4", "in5", "in6", "in7"];
    const OUT: [&str; 8] = ["out0", "out1", "out2", "out3", "out4", "out5", "out6", "out7"];
    (0..n)
        .map(|i| match (prefix, i) {
            ("in", i) if i < IN.len() => Cow::Borrowed(IN[i]),
            ("out", i) if i < OUT.len() => Cow::Borrowed(OUT[i]),
            _ => Cow::Owned(format!("{prefix}{i}")),
        })
        .collect()
}
