//! Unit tests of the pipeline stages.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod anchors;
mod consumers;
mod follow_ons;
mod no_panic;
mod snapshots;
mod stages;
mod verdicts;

use std::str::FromStr;

use proc_macro2::TokenStream;

use crate::ctxt::Ctxt;
use crate::{check, parse};

/// Tokens with real source positions (unlike `quote!`, whose spans are all
/// the call site), so that tests can see which token an error is on.
pub fn tokens(src: &str) -> TokenStream {
    match TokenStream::from_str(src) {
        Ok(tokens) => tokens,
        Err(e) => unreachable_tokens(src, &e.to_string()),
    }
}

#[allow(clippy::panic)]
fn unreachable_tokens(src: &str, error: &str) -> TokenStream {
    panic!("test input does not lex: {error}\n{src}")
}

/// Parses and checks an inline body; returns each error's message and the
/// source text of the token it is anchored on.
pub fn inline_errors(src: &str) -> Vec<(String, String)> {
    let mut cx = Ctxt::new();
    match parse::parse_inline(tokens(src)) {
        Ok(body) => {
            let _ = check::check_inline(&mut cx, &body);
        }
        Err(e) => cx.syn_error(e),
    }
    anchored(&cx)
}

/// Like [`inline_errors`] for a `#[search_space]` function.
pub fn fn_errors(attr: &str, src: &str) -> Vec<(String, String)> {
    let mut cx = Ctxt::new();
    match parse::parse_fn(tokens(src)) {
        Ok(f) => {
            let _ = check::check_fn(&mut cx, &tokens(attr), &f);
        }
        Err(e) => cx.syn_error(e),
    }
    anchored(&cx)
}

fn anchored(cx: &Ctxt) -> Vec<(String, String)> {
    cx.messages().into_iter().map(|(m, span)| (m, span.source_text().unwrap_or_default())).collect()
}

/// The seed space of the paper, as DSL text.
pub const SEED: &str = r#"
    let n = choice([1, 2, 4]);
    let n2 = n.map(|n| 2 * n);
    let stem = conv2d(choice([64, 128]));
    let drop = optional(|| dropout(choice([0.25, 0.5])));
    let left = repeat(n, || conv2d(choice([64, 128])));
    let right = repeat(n2, || conv2d(choice([64, 128])));
    let cat = concat::<2>();
    connect!(stem.out -> drop.in);
    connect!(drop.out -> left.in, right.in);
    connect!(left.out -> cat.in0);
    connect!(right.out -> cat.in1);
    expose!(stem.in -> cat.out)
"#;
