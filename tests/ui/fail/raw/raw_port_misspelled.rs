#[path = "../../support/ops.rs"]
mod ops;
use archspace::search_space;
#[allow(unused_imports)]
use ops::*;

#[search_space]
fn space() -> Space {
    let r#type = identity();
    let head = identity();
    connect!(r#type.out -> head.r#inn);
    expose!(r#type.in -> head.out)
}

fn main() {}
