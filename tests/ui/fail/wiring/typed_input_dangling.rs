#[path = "../../support/ops.rs"]
mod ops;
use archspace::search_space;
#[allow(unused_imports)]
use ops::*;

#[search_space]
fn space() -> Space {
    let stem = conv2d(64);
    let act = relu();
    let sum = add();
    connect!(stem.out -> sum.in0);
    connect!(act.out -> sum.in1);
    expose!(stem.in -> sum.out)
}

fn main() {}
