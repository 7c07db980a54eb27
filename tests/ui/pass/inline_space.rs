//! The inline form, through both of its names, with a fan-in.
#[path = "../support/ops.rs"]
mod ops;
use archspace::inline::search_space;
use ops::*;

fn main() {
    let def = search_space! {
        let width = choice([16, 32]);
        let a = conv2d(width);
        let b = conv2d(width);
        let cat = concat::<2>();
        connect!(a.out, b.out -> cat);
        expose!(x = a.in, y = b.in -> cat.out)
    };
    // One hyperparameter, however often it is used.
    assert_eq!(def.count().unwrap(), 2u32.into());
    let also = archspace::space! {
        let a = relu();
        expose!(a.in -> a.out)
    };
    assert_eq!(also.count().unwrap(), 1u32.into());
}
