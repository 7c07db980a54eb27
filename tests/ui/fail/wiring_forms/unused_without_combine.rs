#[path = "../../support/ops.rs"]
mod ops;
use archspace::search_space;
#[allow(unused_imports)]
use ops::*;

#[search_space]
fn space() -> Space {
    let a = relu();
    let b = tanh();
    connect!(a.out -> b.in);
    let rest = unused(|| relu(), [a.out, b.out]);
    expose!(a.in -> rest.out)
}

fn main() {}
