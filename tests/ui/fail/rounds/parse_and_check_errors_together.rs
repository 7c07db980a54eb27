#[path = "../../support/ops.rs"]
mod ops;
use archspace::search_space;
#[allow(unused_imports)]
use ops::*;

#[search_space]
fn space() -> Space {
    let stem = conv2d(choice([]));
    let head = relu;
    let tail = repeat(0, || tanh());
    connect!(stem.out -> head.in);
    connect!(stem.out -> tial.in);
    expose!(stem.in -> tail.out)
}

fn main() {}
