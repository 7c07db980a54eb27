#[path = "../../support/ops.rs"]
mod ops;
use archspace::search_space;
#[allow(unused_imports)]
use ops::*;

#[search_space]
fn space() -> Space {
    let stem = conv2d(64);
    let side = relu();
    let head = tanh();
    connect!(stem.out -> side.in, head.in);
    expose!(stem.in -> head.out)
}

fn main() {}
