#[path = "../../support/ops.rs"]
mod ops;
use archspace::search_space;
#[allow(unused_imports)]
use ops::*;

use archspace::Factory;

#[search_space]
fn cell(body: Factory) -> Space {
    let b = body();
    expose!(b.in -> b.out)
}

#[search_space]
fn network() -> Space {
    let c = cell(|k| concat_n(k));
    expose!(c.in -> c.out)
}

fn main() {}
