#[path = "../../support/ops.rs"]
mod ops;
use archspace::search_space;
#[allow(unused_imports)]
use ops::*;

#[search_space]
fn space() -> Space {
    let a = relu();
    let b = tanh();
    let c = conv2d(64);
    let cat = concat::<2>();
    connect!(a.out, b.out, c.out -> cat);
    expose!(x = a.in, y = b.in, z = c.in -> cat.out)
}

fn main() {}
