#[path = "../../support/ops.rs"]
mod ops;
use archspace::search_space;
#[allow(unused_imports)]
use ops::*;

#[search_space]
fn space() -> Space {
    let keep = choice([0, 1]);
    let drop = optional(keep, || dropout(0.5));
    expose!(drop.in -> drop.out)
}

fn main() {}
