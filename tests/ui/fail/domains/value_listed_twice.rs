#[path = "../../support/ops.rs"]
mod ops;
use archspace::search_space;
#[allow(unused_imports)]
use ops::*;

#[search_space]
fn space() -> Space {
    let stem = conv2d(choice([64, 128, 64]));
    let drop = dropout(choice([0.5, 0.25, 0.50]));
    connect!(stem.out -> drop.in);
    expose!(stem.in -> drop.out)
}

fn main() {}
