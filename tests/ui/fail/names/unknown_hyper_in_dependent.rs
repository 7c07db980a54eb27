#[path = "../../support/ops.rs"]
mod ops;
use archspace::search_space;
#[allow(unused_imports)]
use ops::*;

#[search_space]
fn space() -> Space {
    let width = choice([32, 64]);
    let double = dependent(|widht| widht * 2);
    let stem = conv2d(double);
    expose!(stem.in -> stem.out)
}

fn main() {}
