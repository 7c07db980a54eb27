#[path = "../../support/ops.rs"]
mod ops;
use archspace::search_space;
#[allow(unused_imports)]
use ops::*;

#[search_space]
fn space() -> Space {
    let n = choice([]);
    let rate = choice([0.5, true]);
    let body = repeat(n, || dropout(rate));
    let body = optional(|| relu());
    connect!(body.out -> head.in);
    expose!(body.in -> body.ouput)
}

fn main() {}
