#[path = "../../support/ops.rs"]
mod ops;
#[allow(unused_imports)]
use ops::*;

fn main() {
    let _def = archspace::space! {
        let a = relu();
        let b = tanh();
        a.out -> b.in;
        expose!(a.in -> b.out)
    };
}
