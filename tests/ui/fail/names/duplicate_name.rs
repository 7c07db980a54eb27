#[path = "../../support/ops.rs"]
mod ops;
use archspace::search_space;
#[allow(unused_imports)]
use ops::*;

#[search_space]
fn space() -> Space {
    let stem = conv2d(choice([64, 128]));
    let stem = relu();
    expose!(stem.in -> stem.out)
}

fn main() {}
