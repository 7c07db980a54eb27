//! A factory closure's body in the braces `rustfmt` puts around a long one
//! (`|| { stack(n, || cell()) }`) builds the same space as without them.

use archspace::ports::{Siso, TypedOp};
use archspace::{Op, search_space};

fn op(kind: &'static str) -> TypedOp<Siso> {
    TypedOp::siso(Op::new(kind))
}

#[search_space]
fn cell() -> Space {
    let c = or_named(narrow = || op("conv1x1"), wide = || op("conv3x3"));
    expose!(c.in -> c.out)
}

#[search_space]
fn plain(copies: usize) -> Space {
    let body = or(|| identity(), || stack(copies, || cell()));
    expose!(body.in -> body.out)
}

// As `rustfmt` writes the closures of `plain` where they do not fit a line.
#[rustfmt::skip]
#[search_space]
fn braced(copies: usize) -> Space {
    let body = or(
        || identity(),
        || {
            stack(copies, || {
                cell()
            })
        },
    );
    expose!(body.in -> body.out)
}

#[test]
fn a_braced_factory_body_builds_the_same_space() {
    for copies in [1, 3] {
        let (a, b) = (plain(copies).def(), braced(copies).def());
        assert_eq!(a.count().expect("count"), b.count().expect("count"));
        assert_eq!(a.fingerprint().expect("fingerprint"), b.fingerprint().expect("fingerprint"));
    }
    assert_eq!(plain(3).def().count().expect("count"), archspace::BigUint::from(1u32 + 8), "identity, or 2^3 stacks");
}
