#[path = "../../support/ops.rs"]
mod ops;
use archspace::search_space;
#[allow(unused_imports)]
use ops::*;

#[search_space]
fn space() -> Space {
    let cell = dag(nodes = 3, node = |v| relu(), combine = |k| concat_n(k), max_edge = 4);
    expose!(cell.in -> cell.out)
}

fn main() {}
