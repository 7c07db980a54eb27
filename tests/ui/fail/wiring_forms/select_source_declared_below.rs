#[path = "../../support/ops.rs"]
mod ops;
use archspace::search_space;
#[allow(unused_imports)]
use ops::*;

#[search_space]
fn space() -> Space {
    let a = relu();
    let pick = select([a.out, b.out]);
    let b = tanh();
    connect!(a.out -> b.in);
    expose!(a.in -> pick.out)
}

fn main() {}
