//! Raw identifiers name modules, hyperparameters and ports without their
//! `r#`: paths and decisions read `type`, not `r#type`.
#[path = "../support/ops.rs"]
mod ops;
use archspace::search_space;
use ops::*;

#[search_space]
fn r#match(r#in: archspace::Param) -> Space {
    let r#loop = choice([1, 2]);
    let r#type = repeat(r#loop, || conv2d(r#in));
    expose!(r#type.r#in -> r#type.out)
}

#[search_space]
fn network() -> Space {
    let r#struct = r#match(choice([8, 16]));
    let head = relu();
    connect!(r#struct.out -> head.r#in);
    expose!(r#struct.in -> head.out)
}

fn main() {
    let def = network().def();
    assert_eq!(def.count().unwrap(), 4u32.into());
    let arch = def.sample_random(&mut archspace::rng(1)).unwrap();
    let paths: Vec<String> = arch.decisions().iter().map(|d| d.path.to_string()).collect();
    assert!(paths.iter().any(|p| p == "struct/loop"), "{paths:?}");
    assert!(paths.iter().any(|p| p == "struct/in"), "{paths:?}");
    for module in arch.modules() {
        assert!(!module.path.contains("r#"), "{}", module.path);
    }
    assert!(arch.modules().iter().any(|m| m.path.starts_with("struct/type/")), "{:?}", arch.modules());
}
