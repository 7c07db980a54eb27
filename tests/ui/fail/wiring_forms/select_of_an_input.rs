#[path = "../../support/ops.rs"]
mod ops;
use archspace::inline::search_space;
#[allow(unused_imports)]
use ops::*;

fn main() {
    // The inline form: `b.in` reaches the macro (an attribute body must be
    // valid Rust, where `in` is a keyword).
    let _ = search_space! {
        let a = relu();
        let b = tanh();
        connect!(a.out -> b.in);
        let pick = select([a.out, b.in]);
        expose!(a.in -> pick.out)
    };
}
