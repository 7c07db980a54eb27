#[path = "../../support/ops.rs"]
mod ops;
use archspace::search_space;
#[allow(unused_imports)]
use ops::*;

#[search_space]
fn space() -> Space {
    let stem = conv2d(choice([64, 128]));
    let drop = optional(|| dropout(choice([0.25, 0.5])));
    connect!(stem.out -> drop.inn);
    expose!(stem.in -> drop.out)
}

fn main() {}
