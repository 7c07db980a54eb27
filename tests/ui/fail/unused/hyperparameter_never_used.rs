#![deny(unused_variables)]
#[path = "../../support/ops.rs"]
mod ops;
use archspace::search_space;
#[allow(unused_imports)]
use ops::*;

#[search_space]
fn space(width: archspace::Param) -> Space {
    let depth = choice([1, 2, 4]);
    let doubled = depth.map(|d| 2 * d);
    let body = repeat(depth, || relu());
    expose!(body.in -> body.out)
}

fn main() {}
