#[path = "../../support/ops.rs"]
mod ops;
use archspace::search_space;
#[allow(unused_imports)]
use ops::*;

#[search_space]
fn space() -> Space {
    let stem = conv2d(64);
    let drop = optional(|| dropout(0.5));
    connect!(drop.out -> stem.in);
    expose!( -> stem.out)
}

fn main() {}
