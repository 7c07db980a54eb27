#[path = "../../support/ops.rs"]
mod ops;
use archspace::search_space;
#[allow(unused_imports)]
use ops::*;

#[search_space]
fn space() -> Space {
    let stem = conv2d(64);
    let sum = add();
    let body = repeat(2, || relu());
    connect!(stem.ouput -> sum.in0);
    connect!(body.out -> sum.in1);
    connect!(sum.out -> bdy.in);
    expose!(stem.in -> sum.out)
}

fn main() {}
