#[path = "../../support/ops.rs"]
mod ops;
use archspace::search_space;
#[allow(unused_imports)]
use ops::*;

#[search_space]
fn space() -> Space {
    let act = or_named(relu = || relu(), relu = || tanh());
    expose!(act.in -> act.out)
}

fn main() {}
