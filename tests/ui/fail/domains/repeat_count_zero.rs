#[path = "../../support/ops.rs"]
mod ops;
use archspace::search_space;
#[allow(unused_imports)]
use ops::*;

#[search_space]
fn space() -> Space {
    let body = repeat(0, || relu());
    expose!(body.in -> body.out)
}

fn main() {}
