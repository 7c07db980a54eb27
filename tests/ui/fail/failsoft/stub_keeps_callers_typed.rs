#[path = "../../support/ops.rs"]
mod ops;
use archspace::search_space;
#[allow(unused_imports)]
use ops::*;

#[search_space]
pub fn cell(width: archspace::Param) -> Space {
    let stem = conv2d(width);
    connect!(stem.out -> hed.in);
    expose!(stem.in -> stem.out)
}

#[search_space]
fn network() -> Space {
    let a = cell(choice([32, 64]));
    let b = cell(choice([32, 64]));
    connect!(a.out -> b.in);
    expose!(a.in -> b.out)
}

fn main() {
    let def = network().def();
    let _count = def.count();
}
