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
    connect!(a.out -> b.in);
    connect!(b.out -> cat.in0);
    connect!(cat.out -> a.in);
    expose!(cat.in1 -> b.out)
}

fn main() {}
