#[path = "../../support/ops.rs"]
mod ops;
use archspace::search_space;
#[allow(unused_imports)]
use ops::*;

#[search_space]
fn space() -> Space {
    let a = relu();
    let block = substitution(|a| relu());
    connect!(a.out -> block.in);
    expose!(a.in -> block.out)
}

fn main() {}
