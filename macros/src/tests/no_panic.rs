//! No input makes the parse or check stage panic: random token streams and
//! mutations of valid spaces all come back as `Ok` or errors.

use std::str::FromStr;

use proc_macro2::TokenStream;
use proptest::prelude::*;

use crate::ctxt::Ctxt;
use crate::{check, emit, lower, parse};

const WORDS: &[&str] = &[
    "let",
    "=",
    ";",
    "connect",
    "expose",
    "!",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "->",
    ",",
    ".",
    "|",
    "||",
    "in",
    "out",
    "a",
    "b",
    "c",
    "n",
    "choice",
    "shared",
    "map",
    "dependent",
    "constraint",
    "repeat",
    "optional",
    "or",
    "or_with",
    "permutation",
    "split_combine",
    "residual",
    "sequential",
    "dense_block",
    "nested_repeat",
    "identity",
    "relu",
    "1",
    "2.5",
    "true",
    "\"s\"",
    "::",
    "<",
    ">",
    ":",
    "i64",
    "fn",
    "Space",
    "Param",
    "Factory",
    "self",
    "_",
    "#",
];

/// Runs every stage that must not panic on `src`, if it lexes.
fn run(src: &str) {
    let Ok(tokens) = TokenStream::from_str(src) else { return };
    let mut cx = Ctxt::new();
    if let Ok(body) = parse::parse_inline(tokens.clone()) {
        check::check_inline(&mut cx, &body);
        if cx.is_ok() {
            let _ = emit::emit_inline(&lower::lower_inline(&body));
        }
    }
    let _ = crate::expand::inline(tokens.clone());
    let item = TokenStream::from_str(&format!("fn f(p: Param, q: Factory) -> Space {{ {src} }}")).unwrap_or(tokens);
    let _ = crate::expand::function(TokenStream::new(), item);
}

fn seed_tokens() -> Vec<String> {
    super::SEED.split_whitespace().map(str::to_owned).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn random_words(words in prop::collection::vec(prop::sample::select(WORDS), 0..40)) {
        run(&words.join(" "));
    }

    #[test]
    fn mutated_seed(ops in prop::collection::vec((0usize..4, 0usize..200, prop::sample::select(WORDS)), 1..6)) {
        let mut words = seed_tokens();
        for (op, at, word) in ops {
            let at = at % (words.len() + 1);
            match op {
                0 if at < words.len() => { words.remove(at); }
                1 => words.insert(at, word.to_owned()),
                2 if at < words.len() => words[at] = word.to_owned(),
                _ if at + 1 < words.len() => words.swap(at, at + 1),
                _ => {}
            }
        }
        run(&words.join(" "));
    }
}
