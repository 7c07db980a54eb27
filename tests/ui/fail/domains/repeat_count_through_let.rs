#[path = "../../support/ops.rs"]
mod ops;
use archspace::search_space;
#[allow(unused_imports)]
use ops::*;

#[search_space]
fn space() -> Space {
    let depth = choice([0, 1, 2]);
    let body = repeat(depth, || relu());
    let tail = repeat(depth, || tanh());
    connect!(body.out -> tail.in);
    expose!(body.in -> tail.out)
}

fn main() {}
