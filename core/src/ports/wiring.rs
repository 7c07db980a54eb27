//! The compile-time check that every port of a module is wired, for
//! modules whose ports only rustc knows (op constructors, sub-spaces).
//!
//! Each port set names a type-level record of its ports
//! ([`PortSet::Wiring`]), every port [`Open`] at first. The `search_space!`
//! DSL starts from a placed module's record ([`wiring`]), marks each port its
//! body connects, uses or exposes ([`Wiring::used`] and [`Wiring::fed`] take
//! the port's handle, whose type names the port; [`Wiring::fan_in`] marks
//! every input), and asks for a record with every port [`Wired`] ([`wired`]). A port left open is an
//! unmet trait bound named after the port, so `cargo check` and `cargo build`
//! both fail, on the module's `let`:
//!
//! ```text
//! error[E0277]: input `in1` of this module is neither connected nor exposed
//! ```
//!
//! Inputs connected twice are the macro's own check (it sees every
//! connection by name); this one covers what the macro cannot see: which
//! ports a module has.
//!
//! ```
//! use archspace_core::ports::wiring::{wired, wiring};
//! use archspace_core::ports::{Fan, Siso, TypedOp, border, connect, input, output, place};
//! use archspace_core::{Op, Space};
//! fn relu() -> TypedOp<Siso> {
//!     TypedOp::siso(Op::new("relu"))
//! }
//! fn add() -> TypedOp<Fan<2>> {
//!     TypedOp::fan_in(Op::new("add"))
//! }
//! let space = Space::build(|s| {
//!     let a = place(s, Some("a"), relu())?;
//!     let sum = place(s, Some("sum"), add())?;
//!     connect(s, a.out(), sum.in0())?;
//!     connect(s, a.out(), sum.in1())?;
//!     wired(wiring(&a).fed(a.r#in()).used(a.out()));
//!     wired(wiring(&sum).fed(sum.in0()).fed(sum.in1()).used(sum.out()));
//!     Ok(border([("in", input(a.r#in()))], [("out", output(sum.out()))]))
//! })?;
//! assert_eq!(space.module_count(), 2);
//! # Ok::<(), archspace_core::SpecError>(())
//! ```
//!
//! Leaving `sum.in1` out of its record does not compile:
//!
//! ```compile_fail,E0277
//! # use archspace_core::ports::wiring::{wired, wiring};
//! # use archspace_core::ports::{Fan, TypedOp, place};
//! # use archspace_core::{Op, Space};
//! let space = Space::build(|s| {
//!     let sum = place(s, Some("sum"), TypedOp::<Fan<2>>::fan_in(Op::new("add")))?;
//!     wired(wiring(&sum).fed(sum.in0()).used(sum.out()));
//!     Ok(archspace_core::Io::default())
//! });
//! ```

use std::marker::PhantomData;

use super::name;
use super::{InPort, OutPort, PortSet};

/// A port not wired yet.
#[derive(Clone, Copy, Debug)]
pub struct Open;

/// A port connected, used or exposed.
#[derive(Clone, Copy, Debug)]
pub struct Wired;

/// Input `in{K}` of a fan-in of `N` inputs, not wired yet; a port that a fan
/// of `N <= K` inputs does not have counts as wired.
#[derive(Clone, Copy, Debug)]
pub struct Unwired<const K: usize, const N: usize>;

/// The record of a port set that opts out of the check: every port counts
/// as wired (the run-time check of `Space` still applies).
#[derive(Clone, Copy, Debug)]
pub struct Unchecked;

/// The record after wiring the port named `N`.
#[diagnostic::on_unimplemented(
    message = "the wiring record `{Self}` has no port named `{N}`",
    note = "a port set's `Wiring` record marks each of its own ports; use `wiring::Unchecked` to skip the check"
)]
pub trait Mark<N> {
    /// The record with the port wired.
    type Marked;
}

/// A record with every port wired.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a wiring record of a port set",
    note = "a port set's `Wiring` record implements `AllWired`; use `wiring::Unchecked` to skip the check"
)]
pub trait AllWired {}

/// Every input at once: what a fan-in `connect!(a.out, b.out -> cat)` wires.
#[derive(Clone, Copy, Debug)]
pub struct AllInputs;

/// Every port: what a port used the wrong way round marks, since rustc
/// reports that mistake at the connection (once is enough).
#[derive(Clone, Copy, Debug)]
pub struct Everything;

/// A port handle used as a source (connected from, or exposed as an
/// output), and what it marks.
pub trait AsSource {
    /// The port's name, or [`Everything`] for an input.
    type Mark;
}

impl<N> AsSource for OutPort<N> {
    type Mark = N;
}

impl<N> AsSource for InPort<N> {
    type Mark = Everything;
}

/// A port handle used as a target (connected to, or exposed as an input),
/// and what it marks.
pub trait AsTarget {
    /// The port's name, or [`Everything`] for an output.
    type Mark;
}

impl<N> AsTarget for InPort<N> {
    type Mark = N;
}

impl<N> AsTarget for OutPort<N> {
    type Mark = Everything;
}

/// A wiring record `W` in the making (no data: the check is all types).
pub struct Wiring<W>(PhantomData<fn() -> W>);

/// The record of `ports`, nothing wired.
pub fn wiring<P: PortSet>(_ports: &P) -> Wiring<P::Wiring> {
    Wiring(PhantomData)
}

impl<W> Wiring<W> {
    /// Marks the output behind `port` used.
    pub fn used<H: AsSource>(self, _port: H) -> Wiring<W::Marked>
    where
        W: Mark<H::Mark>,
    {
        Wiring(PhantomData)
    }

    /// Marks the input behind `port` fed.
    pub fn fed<H: AsTarget>(self, _port: H) -> Wiring<W::Marked>
    where
        W: Mark<H::Mark>,
    {
        Wiring(PhantomData)
    }

    /// Marks every input fed: the target of a fan-in (whose width rustc
    /// checks at the connection).
    pub fn fan_in(self) -> Wiring<W::Marked>
    where
        W: Mark<AllInputs>,
    {
        Wiring(PhantomData)
    }
}

/// Compiles only when every port of the record is wired.
pub fn wired<W: AllWired>(_record: Wiring<W>) {}

impl<N> Mark<N> for Unchecked {
    type Marked = Unchecked;
}

impl AllWired for Unchecked {}

/// Holds for the state of input `in` once it is wired.
#[diagnostic::on_unimplemented(
    message = "input `in` of this module is neither connected nor exposed",
    label = "`in` is never connected",
    note = "connect it, `connect!(source.out -> this.in)`, or expose it, `expose!(this.in -> ..)`"
)]
pub trait InWired {}

impl InWired for Wired {}

/// Holds for the state of output `out` once it is wired.
#[diagnostic::on_unimplemented(
    message = "output `out` of this module is neither used nor exposed",
    label = "`out` is never used",
    note = "use it, `connect!(this.out -> target.in)`, or expose it, `expose!(.. -> this.out)`"
)]
pub trait OutWired {}

impl OutWired for Wired {}

/// Holds for the state of input `in0` once it is wired.
#[diagnostic::on_unimplemented(
    message = "input `in0` of this module is neither connected nor exposed",
    label = "`in0` is never connected",
    note = "connect it, `connect!(source.out -> this.in0)`, feed all inputs at once, `connect!(a.out, b.out, .. -> this)`, or expose it"
)]
pub trait In0Wired {}

impl In0Wired for Wired {}

/// Holds for the state of input `in1` once it is wired.
#[diagnostic::on_unimplemented(
    message = "input `in1` of this module is neither connected nor exposed",
    label = "`in1` is never connected",
    note = "connect it, `connect!(source.out -> this.in1)`, feed all inputs at once, `connect!(a.out, b.out, .. -> this)`, or expose it"
)]
pub trait In1Wired {}

impl In1Wired for Wired {}

/// Holds for the state of input `in2` once it is wired.
#[diagnostic::on_unimplemented(
    message = "input `in2` of this module is neither connected nor exposed",
    label = "`in2` is never connected",
    note = "connect it, `connect!(source.out -> this.in2)`, feed all inputs at once, `connect!(a.out, b.out, .. -> this)`, or expose it"
)]
pub trait In2Wired {}

impl In2Wired for Wired {}

/// Holds for the state of input `in3` once it is wired.
#[diagnostic::on_unimplemented(
    message = "input `in3` of this module is neither connected nor exposed",
    label = "`in3` is never connected",
    note = "connect it, `connect!(source.out -> this.in3)`, feed all inputs at once, `connect!(a.out, b.out, .. -> this)`, or expose it"
)]
pub trait In3Wired {}

impl In3Wired for Wired {}

/// Holds for the state of input `in4` once it is wired.
#[diagnostic::on_unimplemented(
    message = "input `in4` of this module is neither connected nor exposed",
    label = "`in4` is never connected",
    note = "connect it, `connect!(source.out -> this.in4)`, feed all inputs at once, `connect!(a.out, b.out, .. -> this)`, or expose it"
)]
pub trait In4Wired {}

impl In4Wired for Wired {}

/// Holds for the state of input `in5` once it is wired.
#[diagnostic::on_unimplemented(
    message = "input `in5` of this module is neither connected nor exposed",
    label = "`in5` is never connected",
    note = "connect it, `connect!(source.out -> this.in5)`, feed all inputs at once, `connect!(a.out, b.out, .. -> this)`, or expose it"
)]
pub trait In5Wired {}

impl In5Wired for Wired {}

/// Holds for the state of input `in6` once it is wired.
#[diagnostic::on_unimplemented(
    message = "input `in6` of this module is neither connected nor exposed",
    label = "`in6` is never connected",
    note = "connect it, `connect!(source.out -> this.in6)`, feed all inputs at once, `connect!(a.out, b.out, .. -> this)`, or expose it"
)]
pub trait In6Wired {}

impl In6Wired for Wired {}

/// Holds for the state of input `in7` once it is wired.
#[diagnostic::on_unimplemented(
    message = "input `in7` of this module is neither connected nor exposed",
    label = "`in7` is never connected",
    note = "connect it, `connect!(source.out -> this.in7)`, feed all inputs at once, `connect!(a.out, b.out, .. -> this)`, or expose it"
)]
pub trait In7Wired {}

impl In7Wired for Wired {}

/// The record of a single-input single-output module: input `in`, output `out`.
#[derive(Clone, Copy, Debug)]
pub struct SisoWiring<I, O>(PhantomData<fn() -> (I, O)>);

impl<I, O> Mark<name::In> for SisoWiring<I, O> {
    type Marked = SisoWiring<Wired, O>;
}

impl<I, O> Mark<AllInputs> for SisoWiring<I, O> {
    type Marked = SisoWiring<Wired, O>;
}

impl<I, O> Mark<name::Out> for SisoWiring<I, O> {
    type Marked = SisoWiring<I, Wired>;
}

impl<I, O> Mark<Everything> for SisoWiring<I, O> {
    type Marked = SisoWiring<Wired, Wired>;
}

impl<I: InWired, O: OutWired> AllWired for SisoWiring<I, O> {}

/// The record of a module with one output `out` and no input (a selection).
#[derive(Clone, Copy, Debug)]
pub struct OutWiring<O>(PhantomData<fn() -> O>);

impl<O> Mark<name::Out> for OutWiring<O> {
    type Marked = OutWiring<Wired>;
}

impl<O> Mark<AllInputs> for OutWiring<O> {
    type Marked = OutWiring<O>;
}

impl<O> Mark<Everything> for OutWiring<O> {
    type Marked = OutWiring<Wired>;
}

impl<O: OutWired> AllWired for OutWiring<O> {}

/// The record of a fan-in: inputs `in0 .. in7` (those past the fan's width
/// count as wired) and output `out`.
#[derive(Clone, Copy, Debug)]
#[allow(clippy::type_complexity)]
pub struct FanWiring<S0, S1, S2, S3, S4, S5, S6, S7, O>(PhantomData<fn() -> (S0, S1, S2, S3, S4, S5, S6, S7, O)>);

/// The first record of a fan-in of `N` inputs.
pub type FanStart<const N: usize> = FanWiring<
    Unwired<0, N>,
    Unwired<1, N>,
    Unwired<2, N>,
    Unwired<3, N>,
    Unwired<4, N>,
    Unwired<5, N>,
    Unwired<6, N>,
    Unwired<7, N>,
    Open,
>;

macro_rules! fan_marks {
    ($($name:ident => $($state:ident)*;)*) => {$(
        impl<S0, S1, S2, S3, S4, S5, S6, S7, O> Mark<$name> for FanWiring<S0, S1, S2, S3, S4, S5, S6, S7, O> {
            type Marked = FanWiring<$($state),*>;
        }
    )*};
}

use name::{In0, In1, In2, In3, In4, In5, In6, In7, Out};

fan_marks! {
    In0 => Wired S1 S2 S3 S4 S5 S6 S7 O;
    In1 => S0 Wired S2 S3 S4 S5 S6 S7 O;
    In2 => S0 S1 Wired S3 S4 S5 S6 S7 O;
    In3 => S0 S1 S2 Wired S4 S5 S6 S7 O;
    In4 => S0 S1 S2 S3 Wired S5 S6 S7 O;
    In5 => S0 S1 S2 S3 S4 Wired S6 S7 O;
    In6 => S0 S1 S2 S3 S4 S5 Wired S7 O;
    In7 => S0 S1 S2 S3 S4 S5 S6 Wired O;
    Out => S0 S1 S2 S3 S4 S5 S6 S7 Wired;
    AllInputs => Wired Wired Wired Wired Wired Wired Wired Wired O;
    Everything => Wired Wired Wired Wired Wired Wired Wired Wired Wired;
}

impl<S0, S1, S2, S3, S4, S5, S6, S7, O> AllWired for FanWiring<S0, S1, S2, S3, S4, S5, S6, S7, O>
where
    S0: In0Wired,
    S1: In1Wired,
    S2: In2Wired,
    S3: In3Wired,
    S4: In4Wired,
    S5: In5Wired,
    S6: In6Wired,
    S7: In7Wired,
    O: OutWired,
{
}

macro_rules! absent_inputs {
    ($($check:ident, $k:literal: $($n:literal)*;)*) => {$($(
        #[diagnostic::do_not_recommend]
        impl $check for Unwired<$k, $n> {}
    )*)*};
}

absent_inputs! {
    In0Wired, 0: 0;
    In1Wired, 1: 0 1;
    In2Wired, 2: 0 1 2;
    In3Wired, 3: 0 1 2 3;
    In4Wired, 4: 0 1 2 3 4;
    In5Wired, 5: 0 1 2 3 4 5;
    In6Wired, 6: 0 1 2 3 4 5 6;
    In7Wired, 7: 0 1 2 3 4 5 6 7;
}
