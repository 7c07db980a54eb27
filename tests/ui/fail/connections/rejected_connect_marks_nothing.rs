#[path = "../../support/ops.rs"]
mod ops;
use archspace::search_space;
#[allow(unused_imports)]
use ops::*;

#[search_space]
fn space() -> Space {
    let a = identity();
    let b = identity();
    connect!(a.in -> b.in);
    connect!(a.out -> b.in);
    expose!(a.in -> b.out)
}

fn main() {}
