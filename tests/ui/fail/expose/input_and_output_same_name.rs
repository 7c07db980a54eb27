#[path = "../../support/ops.rs"]
mod ops;
use archspace::search_space;
#[allow(unused_imports)]
use ops::*;

#[search_space]
fn block() -> Space {
    let a = relu();
    let b = tanh();
    connect!(a.out -> b.in);
    expose!(x = a.in -> x = b.out)
}

fn main() {}
