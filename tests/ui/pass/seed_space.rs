//! The paper's seed space in the attribute form: 25,008 architectures.
#[path = "../support/ops.rs"]
mod ops;
use archspace::search_space;
use ops::*;

#[search_space]
fn seed_space() -> Space {
    let n = choice([1, 2, 4]);
    let n2 = n.map(|n| 2 * n);
    let stem = conv2d(choice([64, 128]));
    let drop = optional(|| dropout(choice([0.25, 0.5])));
    let left = repeat(n, || conv2d(choice([64, 128])));
    let right = repeat(n2, || conv2d(choice([64, 128])));
    let cat = concat::<2>();
    connect!(stem.out -> drop.in);
    connect!(drop.out -> left.in, right.in);
    connect!(left.out -> cat.in0);
    connect!(right.out -> cat.in1);
    expose!(stem.in -> cat.out)
}

fn main() {
    let count = seed_space().def().count().unwrap();
    assert_eq!(count, 25008u32.into());
}
