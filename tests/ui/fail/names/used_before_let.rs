#[path = "../../support/ops.rs"]
mod ops;
use archspace::search_space;
#[allow(unused_imports)]
use ops::*;

#[search_space]
fn space() -> Space {
    let a = repeat(depth, || relu());
    connect!(a.out -> b.in);
    let b = relu();
    let depth = choice([1, 2]);
    expose!(a.in -> b.out)
}

fn main() {}
