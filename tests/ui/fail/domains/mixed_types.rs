#[path = "../../support/ops.rs"]
mod ops;
use archspace::search_space;
#[allow(unused_imports)]
use ops::*;

#[search_space]
fn space() -> Space {
    let rate = choice([0.25, 0.5, 1]);
    let drop = dropout(rate);
    expose!(drop.in -> drop.out)
}

fn main() {}
