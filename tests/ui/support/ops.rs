//! Op constructors shared by the UI tests (not a test case itself).
#![allow(dead_code)]

use archspace::ports::{Fan, Siso, TypedOp};
use archspace::{Op, Param};

pub fn conv2d(filters: impl Into<Param>) -> TypedOp<Siso> {
    TypedOp::siso(Op::new("conv2d").param("filters", filters))
}

pub fn dropout(rate: impl Into<Param>) -> TypedOp<Siso> {
    TypedOp::siso(Op::new("dropout").param("rate", rate))
}

pub fn relu() -> TypedOp<Siso> {
    TypedOp::siso(Op::new("relu"))
}

pub fn tanh() -> TypedOp<Siso> {
    TypedOp::siso(Op::new("tanh"))
}

pub fn concat<const N: usize>() -> TypedOp<Fan<N>> {
    TypedOp::fan_in(Op::new("concat"))
}

pub fn concat_n(n: usize) -> Op {
    Op::new("concat").inputs_indexed(n).outputs(["out"])
}

pub fn add() -> TypedOp<Fan<2>> {
    TypedOp::fan_in(Op::new("add"))
}
