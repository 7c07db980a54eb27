#[path = "../../support/ops.rs"]
mod ops;
use archspace::search_space;
#[allow(unused_imports)]
use ops::*;

#[search_space]
fn space() -> Space {
    let cell = sharing("cell", || { let a = relu(); expose!(a.in -> a.out) });
    expose!(cell.in -> cell.out)
}

fn main() {}
