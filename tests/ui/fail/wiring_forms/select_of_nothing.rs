#[path = "../../support/ops.rs"]
mod ops;
use archspace::search_space;
#[allow(unused_imports)]
use ops::*;

#[search_space]
fn space() -> Space {
    let pick = select([]);
    let a = relu();
    connect!(pick.out -> a.in);
    expose!( -> a.out)
}

fn main() {}
