#[path = "../../support/ops.rs"]
mod ops;
use archspace::search_space;
#[allow(unused_imports)]
use ops::*;

#[search_space]
fn space() -> Space {
    let n = choice([1, 2]).map(|n| n * 2);
    let body = repeat(n, || relu());
    expose!(body.in -> body.out)
}

fn main() {}
