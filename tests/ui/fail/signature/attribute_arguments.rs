#[path = "../../support/ops.rs"]
mod ops;
use archspace::search_space;
#[allow(unused_imports)]
use ops::*;

#[search_space(fast)]
fn space() -> Space {
    let stem = relu();
    expose!(stem.in -> stem.out)
}

fn main() {}
