//! Sub-spaces taking hyperparameters and factories (DeepArchitect's
//! `rnn_cell(hidden_fn, output_fn)`), one with several named ports.
#[path = "../support/ops.rs"]
mod ops;
use archspace::{Factory, Param, search_space};
use ops::*;

#[search_space]
fn cell(width: Param, hidden: Factory, output: Factory) -> Space {
    let input = conv2d(width);
    let hid = hidden();
    let out = output();
    connect!(input.out -> hid.in);
    connect!(hid.out -> out.in);
    expose!(input.in -> out.out)
}

#[search_space]
fn two_heads(width: Param) -> Space {
    let trunk = conv2d(width);
    let left = relu();
    let right = tanh();
    connect!(trunk.out -> left.in, right.in);
    expose!(x = trunk.in -> first = left.out, second = right.out)
}

#[search_space]
fn network() -> Space {
    let width = choice([8, 16]);
    let a = cell(width, || relu(), || dropout(choice([0.1, 0.5])));
    let b = cell(width, || identity(), || { let x = relu(); expose!(x.in -> x.out) });
    let heads = two_heads(choice([4, 8]));
    let join = add();
    connect!(a.out -> b.in);
    connect!(b.out -> heads.x);
    connect!(heads.first -> join.in0);
    connect!(heads.second -> join.in1);
    expose!(a.in -> join.out)
}

fn main() {
    // width shared by a and b (2) × dropout rate (2) × heads' width (2).
    assert_eq!(network().def().count().unwrap(), 8u32.into());
}
