#[path = "../../support/ops.rs"]
mod ops;
use archspace::search_space;
#[allow(unused_imports)]
use ops::*;

#[search_space]
fn space() -> Space {
    let depth = choice([1, 2, 4]);
    let width = choice([16, 32]);
    expose!( -> )
}

fn main() {}
