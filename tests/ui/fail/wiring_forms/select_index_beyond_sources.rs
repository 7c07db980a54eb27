#[path = "../../support/ops.rs"]
mod ops;
use archspace::search_space;
#[allow(unused_imports)]
use ops::*;

#[search_space]
fn space() -> Space {
    let a = relu();
    let b = tanh();
    let which = choice([0, 1, 2]);
    let pick = select(which, [a.out, b.out]);
    let join = add();
    connect!(a.out -> join.in0);
    connect!(pick.out -> join.in1);
    expose!(x = a.in, y = b.in -> join.out)
}

fn main() {}
