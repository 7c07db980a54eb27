//! A reusable sub-space (DeepArchitect's auxiliary functions, such as
//! `rnn_cell(hidden_fn, output_fn)`): `cell` takes a width hyperparameter and
//! two sub-space factories, and `network` uses it three times with different
//! arguments.
//!
//! - the first two cells share one width hyperparameter (bound once in
//!   `network`, passed to both);
//! - the third gets a fresh choice of its own;
//! - each cell gets different hidden and output sub-spaces.
//!
//! `cargo run --example aux_functions` prints the number of architectures
//! (96) and one random architecture.

use archspace::ports::{Siso, TypedOp};
use archspace::{Factory, Op, Param, SpecError, search_space};

fn dense(units: impl Into<Param>) -> TypedOp<Siso> {
    TypedOp::siso(Op::new("dense").param("units", units))
}

fn relu() -> TypedOp<Siso> {
    TypedOp::siso(Op::new("relu"))
}

fn tanh() -> TypedOp<Siso> {
    TypedOp::siso(Op::new("tanh"))
}

fn dropout(rate: impl Into<Param>) -> TypedOp<Siso> {
    TypedOp::siso(Op::new("dropout").param("rate", rate))
}

/// A cell: a dense layer of `width` units, then `hidden`, then `output`.
#[search_space]
fn cell(width: Param, hidden: Factory, output: Factory) -> Space {
    let input = dense(width);
    let hid = hidden();
    let out = output();
    connect!(input.out -> hid.in);
    connect!(hid.out -> out.in);
    expose!(input.in -> out.out)
}

/// Three cells in a row.
#[search_space]
fn network() -> Space {
    let width = choice([64, 128]);
    let a = cell(width, || relu(), || dropout(choice([0.1, 0.5])));
    let b = cell(width, || repeat(choice([1, 2]), || dense(choice([32, 64]))), || identity());
    let c = cell(
        choice([256, 512]),
        || or(|| relu(), || tanh()),
        || {
            let x = dense(16);
            let y = relu();
            connect!(x.out -> y.in);
            expose!(x.in -> y.out)
        },
    );
    connect!(a.out -> b.in);
    connect!(b.out -> c.in);
    expose!(a.in -> c.out)
}

fn main() -> Result<(), SpecError> {
    let def = network().def();
    // width (2, shared by a and b) × a's dropout (2) × b's repeat (2 + 4)
    // × c's width (2) × c's or (2).
    println!("architectures: {}", def.count()?);
    let arch = def.sample_random(&mut archspace::rng(1))?;
    println!("\na random architecture:\n{arch}");
    Ok(())
}
