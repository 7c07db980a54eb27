#[path = "../../support/ops.rs"]
mod ops;
use archspace::search_space;
#[allow(unused_imports)]
use ops::*;

#[search_space]
fn space() -> Space {
    let pick = or_with(choice([0, 1, 2]), || relu(), || tanh());
    expose!(pick.in -> pick.out)
}

fn main() {}
