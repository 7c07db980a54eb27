#[path = "../../support/ops.rs"]
mod ops;
use archspace::search_space;
#[allow(unused_imports)]
use ops::*;

#[search_space]
fn space() -> Space {
    let splits = shared([1.5, 2.0]);
    let split = split_combine(splits, || relu(), |k| concat_n(k));
    let deep = dense_block(2, "yes", || relu(), |k| concat_n(k));
    connect!(split.out -> deep.in);
    expose!(split.in -> deep.out)
}

fn main() {}
