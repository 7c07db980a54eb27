//! Constraints, dependent hyperparameters over several others, shared ones.
#[path = "../support/ops.rs"]
mod ops;
use archspace::search_space;
use ops::*;

#[search_space]
fn constrained() -> Space {
    let a = choice([1, 2, 3]);
    let b = choice([1, 2, 3]);
    let small = constraint(|a, b| a * b <= 3);
    let total = dependent(|a, b| a + b);
    let width = shared([8, 16]);
    let left = repeat(a, || conv2d(width));
    let right = repeat(total, || conv2d(width));
    connect!(left.out -> right.in);
    expose!(left.in -> right.out)
}

fn main() {
    // (a, b) with a * b <= 3: (1,1) (1,2) (1,3) (2,1) (3,1); width shared: × 2.
    assert_eq!(constrained().def().count().unwrap(), 10u32.into());
}
