#[path = "../../support/ops.rs"]
mod ops;
use archspace::search_space;
#[allow(unused_imports)]
use ops::*;

#[search_space]
fn space() -> Space {
    let stem = relu();
    let head = tanh();
    connect!(stem.out -> head.in);
}

fn main() {}
