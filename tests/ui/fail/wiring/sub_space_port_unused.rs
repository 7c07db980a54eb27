#[path = "../../support/ops.rs"]
mod ops;
use archspace::search_space;
#[allow(unused_imports)]
use ops::*;

#[search_space]
fn two_heads() -> Space {
    let trunk = conv2d(16);
    let left = relu();
    let right = tanh();
    connect!(trunk.out -> left.in, right.in);
    expose!(x = trunk.in -> first = left.out, second = right.out)
}

#[search_space]
fn network() -> Space {
    let stem = conv2d(8);
    let heads = two_heads();
    connect!(stem.out -> heads.x);
    expose!(stem.in -> heads.first)
}

fn main() {}
