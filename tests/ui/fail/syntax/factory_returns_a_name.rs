#[path = "../../support/ops.rs"]
mod ops;
use archspace::search_space;
#[allow(unused_imports)]
use ops::*;

#[search_space]
fn space() -> Space {
    let n = relu();
    let body = repeat(2, || n);
    connect!(n.out -> body.in);
    expose!(n.in -> body.out)
}

fn main() {}
