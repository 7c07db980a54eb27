#[path = "../../support/ops.rs"]
mod ops;
use archspace::search_space;
#[allow(unused_imports)]
use ops::*;

#[search_space]
fn space() -> Space {
    let a = relu();
    let b = tanh();
    let cat = add();
    connect!(a.out -> cat.in0);
    connect!(b.out -> cat.in1);
    expose!(a.in, b.in -> cat.out)
}

fn main() {}
