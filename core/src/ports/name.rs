//! Port names as types: what a typed port handle ([`InPort<N>`](super::InPort),
//! [`OutPort<N>`](super::OutPort)) carries, so that the compile-time
//! [`wiring`](super::wiring) check knows which port a connection used.
//!
//! The port sets of `archspace-core` use these; a `#[search_space]`
//! function with ports of other names gets names of its own.

/// A port known only by its id (no compile-time wiring check).
#[derive(Clone, Copy, Debug)]
pub struct Unnamed;

macro_rules! port_names {
    ($($name:ident = $text:literal),*) => {$(
        #[doc = concat!("The port `", $text, "`.")]
        #[derive(Clone, Copy, Debug)]
        pub struct $name;
    )*};
}
port_names!(
    In = "in",
    Out = "out",
    In0 = "in0",
    In1 = "in1",
    In2 = "in2",
    In3 = "in3",
    In4 = "in4",
    In5 = "in5",
    In6 = "in6",
    In7 = "in7"
);
