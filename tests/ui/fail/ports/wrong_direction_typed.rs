#[path = "../../support/ops.rs"]
mod ops;
use archspace::search_space;
#[allow(unused_imports)]
use ops::*;

#[search_space]
fn space() -> Space {
    let stem = conv2d(choice([64, 128]));
    let head = relu();
    connect!(stem.in -> head.in);
    expose!(stem.in -> head.out)
}

fn main() {}
