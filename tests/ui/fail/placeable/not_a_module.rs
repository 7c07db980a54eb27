#[path = "../../support/ops.rs"]
mod ops;
use archspace::search_space;
#[allow(unused_imports)]
use ops::*;

fn width() -> u32 {
    64
}

#[search_space]
fn space() -> Space {
    let stem = width();
    expose!(stem.in -> stem.out)
}

fn main() {}
