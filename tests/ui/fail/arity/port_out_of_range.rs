#[path = "../../support/ops.rs"]
mod ops;
use archspace::search_space;
#[allow(unused_imports)]
use ops::*;

#[search_space]
fn space() -> Space {
    let a = relu();
    let b = tanh();
    let cat = concat::<2>();
    connect!(a.out -> cat.in0);
    connect!(b.out -> cat.in2);
    expose!(x = a.in, y = b.in -> cat.out)
}

fn main() {}
