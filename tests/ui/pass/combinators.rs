//! Every combinator of `core`, with fresh hyperparameters per factory copy.
#[path = "../support/ops.rs"]
mod ops;
use archspace::search_space;
use ops::*;

#[search_space]
fn everything() -> Space {
    let reps = choice([1, 2]);
    let rep = repeat(reps, || conv2d(choice([8, 16])));
    let opt = optional(|| relu());
    let flag = choice([true]);
    let opt2 = optional(flag, || tanh());
    let alt = or(|| relu(), || tanh());
    let idx = choice([1]);
    let alt2 = or_with(idx, || relu(), || tanh());
    let perm = permutation(|| relu(), || tanh());
    let split = split_combine(2, || relu(), |k| concat_n(k));
    let res = residual(|| relu(), || identity(), || add());
    let seq = sequential(|| relu(), || tanh());
    let dense = dense_block(2, false, || relu(), |k| concat_n(k));
    let nest = nested_repeat(2, || relu(), |prev| {
        let after = tanh();
        connect!(prev.out -> after.in);
        expose!(prev.in -> after.out)
    });
    let id = identity();
    connect!(rep.out -> opt.in);
    connect!(opt.out -> opt2.in);
    connect!(opt2.out -> alt.in);
    connect!(alt.out -> alt2.in);
    connect!(alt2.out -> perm.in);
    connect!(perm.out -> split.in);
    connect!(split.out -> res.in);
    connect!(res.out -> seq.in);
    connect!(seq.out -> dense.in);
    connect!(dense.out -> nest.in);
    connect!(nest.out -> id.in);
    expose!(rep.in -> id.out)
}

fn main() {
    let def = everything().def();
    // reps: 1 copy (2 choices) or 2 copies (4) = 6; optional 2; or 2; permutation 2.
    assert_eq!(def.count().unwrap(), (6u32 * 2 * 2 * 2).into());
    let arch = def.sample_random(&mut archspace::rng(3)).unwrap();
    // The nested repeat wrapped its first copy once: `relu` then `tanh`.
    let paths: Vec<&str> = arch.modules().iter().map(|m| m.path.as_str()).filter(|p| p.starts_with("nest/")).collect();
    assert_eq!(paths.len(), 2, "{paths:?}");
}
