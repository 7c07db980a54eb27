#[path = "../../support/ops.rs"]
mod ops;
use archspace::search_space;
#[allow(unused_imports)]
use ops::*;

#[search_space]
fn block() -> Space {
    let a = relu();
    expose!(x = a.in, y = a.in -> a.out)
}

fn main() {}
