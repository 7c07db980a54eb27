//! The forms whose wiring a hyperparameter chooses, named alternatives,
//! custom substitutions, share frames and stacks.
#[path = "../support/ops.rs"]
mod ops;
use archspace::search_space;
use ops::*;

/// A NASNet-like node: two selected inputs, each through an op, added.
#[search_space]
fn cell(width: i64) -> Space {
    let h0 = identity();
    let h1 = identity();
    let x0 = choice([0, 1]);
    let a0 = select(x0, [h0.out, h1.out]);
    let a1 = select([h0.out, h1.out]);
    let op0 = or_named(conv = || conv2d(width), act = || relu());
    let op1 = or_named(conv = || conv2d(width), act = || relu());
    let n0 = add();
    connect!(a0.out -> op0.in);
    connect!(a1.out -> op1.in);
    connect!(op0.out, op1.out -> n0);
    let a2 = select([h0.out, h1.out, n0.out]);
    let n1 = relu();
    connect!(a2.out -> n1.in);
    let out = unused(|k| concat_n(k), [n0.out, n1.out]);
    let pass = identity();
    connect!(h1.out -> pass.in);
    expose!(in0 = h0.in, in1 = h1.in -> out0 = pass.out, out1 = out.out)
}

#[search_space]
fn flags() -> Space {
    let kind = choice(["wide", "narrow"]);
    let body = dag(
        nodes = 3,
        node = |v| conv2d(8 * (v as i64 + 1)),
        combine = |k| concat_n(k),
        output_combine = |k| concat_n(k),
        edge = |from, to, value| optional(from == 0, || relu()),
        max_edges = 5,
        off_path = prune,
    );
    let pick = or_named(kind, wide = || conv2d(32), narrow = || conv2d(8));
    let depth = choice([1, 2, 3]);
    let block = substitution(|depth| {
        let chain = repeat(depth, || relu());
        reject!(depth == 3, "too deep");
        expose!(chain.in -> chain.out)
    });
    connect!(body.out -> pick.in);
    connect!(pick.out -> block.in);
    expose!(body.in -> block.out)
}

#[search_space]
fn net() -> Space {
    let stem = identity();
    let cells = stack(2, || sharing("cell", || cell(8)));
    let last = select(1, [cells.out0, cells.out1]);
    let tail = flags();
    connect!(stem.out -> cells.in0, cells.in1);
    connect!(last.out -> tail.in);
    expose!(stem.in -> tail.out)
}

fn main() {
    let def = net().def();
    let count = def.count().unwrap();
    assert!(count > 0u32.into());
    let mut rng = archspace::rng(1);
    for _ in 0..20 {
        match def.sample_random(&mut rng) {
            Ok(arch) => assert_eq!(def.replay(arch.decisions()).unwrap(), arch),
            Err(e) => assert!(e.is_invalid(), "{e}"),
        }
    }
}
