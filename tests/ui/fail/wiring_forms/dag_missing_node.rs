#[path = "../../support/ops.rs"]
mod ops;
use archspace::search_space;
#[allow(unused_imports)]
use ops::*;

#[search_space]
fn space() -> Space {
    let cell = dag(nodes = 3, combine = |k| concat_n(k));
    expose!(cell.in -> cell.out)
}

fn main() {}
