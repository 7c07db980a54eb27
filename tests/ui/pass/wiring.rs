//! Every way of wiring the ports of typed modules passes the compile-time
//! wiring check: connections, fan-ins, exposures, fan-out, a fan-in wider
//! than the named ports (`Fan<12>`), a bare `Op`, sub-spaces with ports of
//! their own names (keywords among them).
#![deny(warnings)]
#[path = "../support/ops.rs"]
mod ops;
use archspace::ports::{Fan, TypedOp};
use archspace::{Op, search_space};
use ops::*;

fn wide() -> TypedOp<Fan<12>> {
    TypedOp::fan_in(Op::new("concat"))
}

fn bare() -> Op {
    Op::new("relu")
}

#[search_space]
fn heads() -> Space {
    let trunk = conv2d(16);
    let left = relu();
    let right = tanh();
    connect!(trunk.out -> left.in, right.in);
    expose!(r#type = trunk.in -> first = left.out, r#loop = right.out)
}

#[search_space]
fn network() -> Space {
    let stem = conv2d(8);
    let plain = bare();
    let split = heads();
    let sum = add();
    let three = concat::<3>();
    let many = wide();
    connect!(stem.out -> plain.in);
    connect!(plain.out -> split.r#type);
    connect!(split.first -> sum.in0);
    connect!(split.r#loop -> sum.in1);
    connect!(sum.out, stem.out, plain.out -> three);
    connect!(
        three.out, three.out, three.out, three.out, three.out, three.out,
        three.out, three.out, three.out, three.out, three.out, three.out -> many
    );
    expose!(stem.in -> many.out)
}

fn main() {
    let def = network().def();
    assert_eq!(def.count().unwrap(), 1u32.into());
    let arch = def.sample_random(&mut archspace::rng(0)).unwrap();
    assert_eq!(arch.modules().len(), 8);
}
