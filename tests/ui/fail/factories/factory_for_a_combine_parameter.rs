#[path = "../../support/ops.rs"]
mod ops;
use archspace::search_space;
#[allow(unused_imports)]
use ops::*;

use archspace::CombineFactory;

#[search_space]
fn cell(join: CombineFactory) -> Space {
    let j = join(1);
    expose!(j.in -> j.out)
}

#[search_space]
fn network() -> Space {
    let c = cell(|| add());
    expose!(c.in -> c.out)
}

fn main() {}
