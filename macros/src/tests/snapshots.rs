//! Expansion snapshots: the generated code of a few spaces, compared with
//! files under `macros/tests/snapshots/`. Run with `UPDATE_SNAPSHOTS=1` to
//! rewrite them after an intended change, and review the diff.

use std::path::PathBuf;

use proc_macro2::TokenStream;

use crate::expand;

fn pretty(tokens: TokenStream, wrap_expression: bool) -> String {
    let tokens = if wrap_expression { quote::quote!(fn __snapshot() { let _ = #tokens; }) } else { tokens };
    let file: syn::File = syn::parse2(tokens).expect("the expansion is valid Rust");
    prettyplease::unparse(&file)
}

fn compare(name: &str, actual: &str) {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests", "snapshots", &format!("{name}.rs")].iter().collect();
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, actual).expect("writes the snapshot");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(expected == actual, "expansion of `{name}` changed; rerun with UPDATE_SNAPSHOTS=1 and review\n{actual}");
}

#[test]
fn seed_space_inline() {
    compare("seed_inline", &pretty(expand::inline(super::tokens(super::SEED)), true));
}

#[test]
fn sub_space_function_with_arguments() {
    let item = super::tokens(
        "pub fn cell(width: Param, hidden: Factory) -> Space {
            let input = dense(width);
            let hid = hidden();
            let deep = repeat(choice([1, 2]), || { let x = dense(width); let y = relu(); connect!(x.out -> y.in); expose!(x.in -> y.out) });
            connect!(input.out -> hid.in);
            connect!(hid.out -> deep.in);
            expose!(input.in -> deep.out)
        }",
    );
    compare("cell_fn", &pretty(expand::function(TokenStream::new(), item), false));
}

#[test]
fn combinators_constraints_and_multiple_ports() {
    let item = super::tokens(
        "fn block(depth: usize) -> Space {
            let a = choice([1, 2]);
            let b = choice([1, 2, 3]);
            let small = constraint(|a, b| a * b <= 4);
            let lr = shared([0.1, 0.01]);
            let both = or(|| relu(), || tanh());
            let split = split_combine(a, || conv(b), |k| concat_n(k));
            let res = residual(|| relu(), || identity(), || add());
            let cat = concat::<2>();
            connect!(both.out, split.out -> cat);
            connect!(res.out -> both.in, split.in);
            expose!(x = res.in -> y = cat.out, z = cat.out)
        }",
    );
    compare("block_fn", &pretty(expand::function(TokenStream::new(), item), false));
}

#[test]
fn error_expansion_is_errors_plus_every_statement_that_type_checks() {
    let item = super::tokens(
        "pub fn broken(width: Param) -> Space { let a = relu(); connect!(a.out -> b.in); expose!(a.in -> a.out) }",
    );
    compare("broken_fn", &pretty(expand::function(TokenStream::new(), item), false));
}
