#[path = "../../support/ops.rs"]
mod ops;
use archspace::search_space;
#[allow(unused_imports)]
use ops::*;

#[search_space]
fn space() -> Space {
    let a = relu();
    let inner = search_space! {
        let b = relu();
        expose!(b.in -> b.out)
    };
    connect!(a.out -> inner.in);
    expose!(a.in -> inner.out)
}

fn main() {}
