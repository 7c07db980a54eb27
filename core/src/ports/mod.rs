//! Typed port handles: the ports of a placed module as methods, so that the
//! `search_space!` DSL lets rustc check port names and arities of modules
//! whose constructors live in other crates.
//!
//! An op constructor declares the ports of its module in its return type:
//! [`TypedOp<Siso>`] for one input `in` and one output `out`,
//! [`TypedOp<Fan<N>>`] for inputs `in0 .. in{N-1}` and one output `out`.
//! Placing it in a space gives the port set ([`Siso`], [`Fan`]), whose
//! methods are the ports: `stem.out()`, `cat.in1()`, handles whose types
//! name the port ([`name`]). A port that does not exist is a missing method,
//! a fan-in of the wrong width an unmet [`InputArity`] bound, a connection
//! the wrong way round an unmet [`Input`]/[`Output`] bound, and a port left
//! unwired an unmet bound of the [`wiring`] record: compile errors, not
//! run-time ones.
//!
//! ```
//! use archspace_core::ports::{Fan, Siso, TypedOp, connect, place};
//! use archspace_core::{Op, Space, choice};
//! fn conv2d(filters: archspace_core::Param) -> TypedOp<Siso> {
//!     TypedOp::siso(Op::new("conv2d").param("filters", filters))
//! }
//! fn concat<const N: usize>() -> TypedOp<Fan<N>> {
//!     TypedOp::fan_in(Op::new("concat"))
//! }
//! let space = Space::build(|s| {
//!     let a = place(s, Some("a"), conv2d(choice([64, 128])))?;
//!     let b = place(s, Some("b"), conv2d(choice([64, 128])))?;
//!     let cat = place(s, Some("cat"), concat::<2>())?;
//!     connect(s, a.out(), cat.in0())?;
//!     connect(s, b.out(), cat.in1())?;
//!     Ok(archspace_core::Io::new(
//!         [("a".into(), a.r#in().id()), ("b".into(), b.r#in().id())],
//!         [("out".into(), cat.out().id())],
//!     ))
//! })?;
//! assert_eq!(space.module_count(), 3);
//! # Ok::<(), archspace_core::SpecError>(())
//! ```

use std::borrow::Cow;
use std::marker::PhantomData;

use crate::error::SpecError;
use crate::ids::{InputId, OutputId};
use crate::io::Io;
use crate::op::{Name, Op, SINGLE_INPUT, SINGLE_OUTPUT};
use crate::space::Space;

pub mod name;
pub mod wiring;

/// An input port of a placed module. `N` names the port as a type (see
/// [`name`]), so that [`wiring`] can tell which ports a DSL body wires; the
/// default, [`name::Unnamed`], is a port known only by its id.
pub struct InPort<N = name::Unnamed>(InputId, PhantomData<fn() -> N>);

/// An output port of a placed module; `N` as for [`InPort`].
pub struct OutPort<N = name::Unnamed>(OutputId, PhantomData<fn() -> N>);

impl InPort {
    /// Wraps an input id.
    pub fn new(id: InputId) -> Self {
        InPort(id, PhantomData)
    }
}

impl OutPort {
    /// Wraps an output id.
    pub fn new(id: OutputId) -> Self {
        OutPort(id, PhantomData)
    }
}

impl<N> InPort<N> {
    /// Wraps an input id under the port name `N`.
    pub fn named(id: InputId) -> Self {
        InPort(id, PhantomData)
    }

    /// The input id.
    pub fn id(self) -> InputId {
        self.0
    }
}

impl<N> OutPort<N> {
    /// Wraps an output id under the port name `N`.
    pub fn named(id: OutputId) -> Self {
        OutPort(id, PhantomData)
    }

    /// The output id.
    pub fn id(self) -> OutputId {
        self.0
    }
}

macro_rules! port_handle_traits {
    ($($handle:ident),*) => {$(
        impl<N> Clone for $handle<N> {
            fn clone(&self) -> Self {
                *self
            }
        }
        impl<N> Copy for $handle<N> {}
        impl<N> PartialEq for $handle<N> {
            fn eq(&self, other: &Self) -> bool {
                self.0 == other.0
            }
        }
        impl<N> Eq for $handle<N> {}
        impl<N> std::fmt::Debug for $handle<N> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_tuple(stringify!($handle)).field(&self.0).finish()
            }
        }
    )*};
}
port_handle_traits!(InPort, OutPort);

/// An input port, whatever its name: the target of a connection.
#[diagnostic::on_unimplemented(
    message = "expected an input port here, found `{Self}`",
    label = "not an input",
    note = "a connection goes from an output to an input: `connect!(a.out -> b.in)`; an exposure lists inputs before `->`, outputs after it"
)]
pub trait Input {
    /// The input id.
    fn input_id(self) -> InputId;
}

/// An output port, whatever its name: the source of a connection.
#[diagnostic::on_unimplemented(
    message = "expected an output port here, found `{Self}`",
    label = "not an output",
    note = "a connection goes from an output to an input: `connect!(a.out -> b.in)`; an exposure lists inputs before `->`, outputs after it"
)]
pub trait Output {
    /// The output id.
    fn output_id(self) -> OutputId;
}

impl<N> Input for InPort<N> {
    fn input_id(self) -> InputId {
        self.0
    }
}

impl<N> Output for OutPort<N> {
    fn output_id(self) -> OutputId {
        self.0
    }
}

/// The ports of a placed module, read from its [`Io`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a port set",
    label = "a module's ports are a type implementing `PortSet`, such as `Siso` or `Fan<N>`"
)]
pub trait PortSet: Sized {
    /// The type-level record of which ports a DSL body wires, in its first
    /// state (nothing wired); see [`wiring`]. A port set written by hand
    /// that wants no compile-time check uses [`wiring::Unchecked`].
    type Wiring;
    /// Reads the ports, or says which one is missing.
    fn from_io(io: Io) -> Result<Self, SpecError>;
    /// All ports, by name.
    fn io(&self) -> &Io;
}

/// One input `in`, one output `out`.
#[derive(Clone, Debug)]
pub struct Siso {
    io: Io,
    input: InputId,
    output: OutputId,
}

impl Siso {
    /// The input `in`.
    pub fn r#in(&self) -> InPort<name::In> {
        InPort::named(self.input)
    }

    /// The output `out`.
    pub fn out(&self) -> OutPort<name::Out> {
        OutPort::named(self.output)
    }
}

impl PortSet for Siso {
    type Wiring = wiring::SisoWiring<wiring::Open, wiring::Open>;
    fn from_io(io: Io) -> Result<Self, SpecError> {
        let input = io.input("in")?;
        let output = io.output("out")?;
        Ok(Siso { io, input, output })
    }

    fn io(&self) -> &Io {
        &self.io
    }
}

/// One output `out` and no input: what a selection ([`Space::select`]) or
/// a combination of unused states ([`Space::combine_unused`]) gives, whose
/// inputs are the outputs they were given.
#[derive(Clone, Debug)]
pub struct OutputOnly {
    io: Io,
    output: OutputId,
}

impl OutputOnly {
    /// The output `out`.
    pub fn out(&self) -> OutPort<name::Out> {
        OutPort::named(self.output)
    }
}

impl PortSet for OutputOnly {
    type Wiring = wiring::OutWiring<wiring::Open>;
    fn from_io(io: Io) -> Result<Self, SpecError> {
        let output = io.output("out")?;
        Ok(OutputOnly { io, output })
    }

    fn io(&self) -> &Io {
        &self.io
    }
}

/// `N` inputs `in0 .. in{N-1}` and one output `out` (a concat, an add).
#[derive(Clone, Debug)]
pub struct Fan<const N: usize> {
    io: Io,
    inputs: [InputId; N],
    output: OutputId,
}

impl<const N: usize> Fan<N> {
    /// The output `out`.
    pub fn out(&self) -> OutPort<name::Out> {
        OutPort::named(self.output)
    }
}

impl<const N: usize> PortSet for Fan<N> {
    type Wiring = wiring::FanStart<N>;
    fn from_io(io: Io) -> Result<Self, SpecError> {
        let mut inputs = Vec::with_capacity(N);
        for i in 0..N {
            inputs.push(io.input(&format!("in{i}"))?);
        }
        let inputs: [InputId; N] = inputs.try_into().map_err(|_| SpecError::Unusable {
            reason: "internal invariant: a fan-in reads exactly N inputs".to_owned(),
        })?;
        let output = io.output("out")?;
        Ok(Fan { io, inputs, output })
    }

    fn io(&self) -> &Io {
        &self.io
    }
}

macro_rules! fan_ports {
    ($n:literal: $($port:ident: $name:ident = $i:literal),*) => {
        impl Fan<$n> {
            $(
                #[doc = concat!("The input `", stringify!($port), "`.")]
                pub fn $port(&self) -> InPort<name::$name> {
                    InPort::named(self.inputs[$i])
                }
            )*
        }
    };
}
fan_ports!(1: in0: In0 = 0);
fan_ports!(2: in0: In0 = 0, in1: In1 = 1);
fan_ports!(3: in0: In0 = 0, in1: In1 = 1, in2: In2 = 2);
fan_ports!(4: in0: In0 = 0, in1: In1 = 1, in2: In2 = 2, in3: In3 = 3);
fan_ports!(5: in0: In0 = 0, in1: In1 = 1, in2: In2 = 2, in3: In3 = 3, in4: In4 = 4);
fan_ports!(6: in0: In0 = 0, in1: In1 = 1, in2: In2 = 2, in3: In3 = 3, in4: In4 = 4, in5: In5 = 5);
fan_ports!(7: in0: In0 = 0, in1: In1 = 1, in2: In2 = 2, in3: In3 = 3, in4: In4 = 4, in5: In5 = 5, in6: In6 = 6);
fan_ports!(8: in0: In0 = 0, in1: In1 = 1, in2: In2 = 2, in3: In3 = 3, in4: In4 = 4, in5: In5 = 5, in6: In6 = 6, in7: In7 = 7);

/// A port set that takes exactly `K` inputs, in order: the target of a
/// fan-in `connect!(a.out, b.out -> cat)`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not take {K} inputs",
    label = "fed {K} inputs here",
    note = "a fan-in feeds the inputs `in0 .. in{{K-1}}` in order; give the module as many inputs as the list has outputs"
)]
pub trait InputArity<const K: usize>: PortSet {
    /// The inputs in order.
    fn inputs_in_order(&self) -> [InPort; K];
}

impl InputArity<1> for Siso {
    fn inputs_in_order(&self) -> [InPort; 1] {
        [InPort::new(self.input)]
    }
}

impl<const N: usize> InputArity<N> for Fan<N> {
    fn inputs_in_order(&self) -> [InPort; N] {
        self.inputs.map(InPort::new)
    }
}

/// An [`Op`] whose ports are the port set `P`.
#[derive(Clone, Debug)]
pub struct TypedOp<P> {
    op: Op,
    ports: PhantomData<fn() -> P>,
}

impl<P> TypedOp<P> {
    /// The op.
    pub fn op(&self) -> &Op {
        &self.op
    }
}

impl TypedOp<Siso> {
    /// `op` with one input `in` and one output `out`.
    #[inline]
    pub fn siso(op: Op) -> Self {
        let op = Op { inputs: Cow::Borrowed(SINGLE_INPUT), outputs: Cow::Borrowed(SINGLE_OUTPUT), ..op };
        TypedOp { op, ports: PhantomData }
    }
}

impl<const N: usize> TypedOp<Fan<N>> {
    /// `op` with inputs `in0 .. in{N-1}` and one output `out`.
    #[inline]
    pub fn fan_in(op: Op) -> Self {
        let op = Op { outputs: Cow::Borrowed(SINGLE_OUTPUT), ..op }.inputs_indexed(N);
        TypedOp { op, ports: PhantomData }
    }
}

/// Something the DSL can place as a module: an op, a typed op, a sub-space.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be placed as a module of a search space",
    label = "expected an op constructor (`Op`, `TypedOp<_>`) or a `#[search_space]` function",
    note = "op constructors return `Op` or `TypedOp<Siso>`/`TypedOp<Fan<N>>`; sub-spaces are `#[search_space]` functions"
)]
pub trait Placeable: Sized {
    /// The ports of the placed module.
    type Ports: PortSet;
    /// Adds the module to `s`, named `name` (its default name otherwise),
    /// and returns its ports untyped.
    fn place_io(self, s: &mut Space, name: Option<&'static str>) -> Result<Io, SpecError>;
    /// Adds the module to `s` and returns its typed ports.
    fn place(self, s: &mut Space, name: Option<&'static str>) -> Result<Self::Ports, SpecError> {
        Self::Ports::from_io(self.place_io(s, name)?)
    }
}

/// A bare [`Op`] places as a single-input single-output module; its ports are
/// checked when it is placed. Give ops of other shapes a [`TypedOp`].
impl Placeable for Op {
    type Ports = Siso;
    #[inline]
    fn place_io(self, s: &mut Space, name: Option<&'static str>) -> Result<Io, SpecError> {
        basic(s, name, self)
    }
}

impl<P: PortSet> Placeable for TypedOp<P> {
    type Ports = P;
    #[inline]
    fn place_io(self, s: &mut Space, name: Option<&'static str>) -> Result<Io, SpecError> {
        basic(s, name, self.op)
    }
}

#[inline]
fn basic(s: &mut Space, name: Option<&'static str>, op: Op) -> Result<Io, SpecError> {
    match name {
        Some(name) => s.named(name).basic(op),
        None => s.basic(op),
    }
}

/// Places `module` in `s` and returns its typed ports.
pub fn place<M: Placeable>(s: &mut Space, name: Option<&'static str>, module: M) -> Result<M::Ports, SpecError> {
    module.place(s, name)
}

/// Connects an output to an input.
pub fn connect(s: &mut Space, from: impl Output, to: impl Input) -> Result<(), SpecError> {
    s.connect(from.output_id(), to.input_id())
}

/// The id of an output port; a compile error on an input.
pub fn output(port: impl Output) -> OutputId {
    port.output_id()
}

/// The id of an input port; a compile error on an output.
pub fn input(port: impl Input) -> InputId {
    port.input_id()
}

/// Connects `from[i]` to input `i` of `to` (a fan-in); `K` must be `to`'s arity.
pub fn connect_fan_in<P: InputArity<K>, const K: usize>(
    s: &mut Space,
    from: [OutputId; K],
    to: &P,
) -> Result<(), SpecError> {
    for (out, input) in from.into_iter().zip(to.inputs_in_order()) {
        s.connect(out, input.id())?;
    }
    Ok(())
}

/// The border of a space: exposed inputs and outputs by name.
pub fn border<const I: usize, const O: usize>(
    inputs: [(&'static str, InputId); I],
    outputs: [(&'static str, OutputId); O],
) -> Io {
    Io::new(inputs.map(|(name, id)| (Name::Borrowed(name), id)), outputs.map(|(name, id)| (Name::Borrowed(name), id)))
}
