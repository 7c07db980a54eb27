#[path = "../../support/ops.rs"]
mod ops;
use archspace::search_space;
#[allow(unused_imports)]
use ops::*;

#[search_space]
fn space() -> Space {
    let a = relu();
    let b = tanh();
    let drop = optional(|| dropout(0.5));
    connect!(a.out, b.out -> drop);
    expose!(x = a.in, y = b.in -> drop.out)
}

fn main() {}
