#[path = "../../support/ops.rs"]
mod ops;
use archspace::search_space;
#[allow(unused_imports)]
use ops::*;

#[search_space]
fn space() -> Space {
    let kind = choice(["relu", "gelu"]);
    let act = or_named(kind, relu = || relu(), tanh = || tanh());
    expose!(act.in -> act.out)
}

fn main() {}
