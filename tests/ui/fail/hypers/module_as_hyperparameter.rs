#[path = "../../support/ops.rs"]
mod ops;
use archspace::search_space;
#[allow(unused_imports)]
use ops::*;

#[search_space]
fn space() -> Space {
    let stem = relu();
    let body = repeat(stem, || relu());
    connect!(stem.out -> body.in);
    expose!(stem.in -> body.out)
}

fn main() {}
