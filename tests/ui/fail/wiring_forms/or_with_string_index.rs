#[path = "../../support/ops.rs"]
mod ops;
use archspace::search_space;
#[allow(unused_imports)]
use ops::*;

#[search_space]
fn space() -> Space {
    let kind = choice(["relu", "tanh"]);
    let act = or_with(kind, || relu(), || tanh());
    expose!(act.in -> act.out)
}

fn main() {}
