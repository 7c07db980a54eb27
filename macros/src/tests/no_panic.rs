//! No input makes the pipeline panic: random token streams and mutations of
//! valid spaces all come back as an expansion that is valid Rust (errors
//! included). Literal domains are checked against a model of what each
//! consumer accepts.

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
    "0",
    "-1",
    "-",
    "false",
    "r#in",
    "r#type",
    "search_space",
    "space",
    "add",
    "concat",
    "in0",
    "in1",
    "x",
    "mymacro",
];

/// Runs every stage on `src`, if it lexes; the expansions must be Rust.
fn run(src: &str) {
    let Ok(tokens) = TokenStream::from_str(src) else { return };
    let mut cx = Ctxt::new();
    if let Ok(body) = parse::parse_inline(tokens.clone()) {
        let verdicts = check::check_inline(&mut cx, &body);
        let _ = emit::emit_inline(&lower::lower_inline(&body, &verdicts), !cx.is_ok());
    }
    let inline = crate::expand::inline(tokens.clone());
    assert!(syn::parse2::<syn::Expr>(inline.clone()).is_ok(), "not an expression: {inline}");
    let item = TokenStream::from_str(&format!("fn f(p: Param, q: Factory) -> Space {{ {src} }}")).unwrap_or(tokens);
    let function = crate::expand::function(TokenStream::new(), item);
    assert!(syn::parse2::<syn::File>(function.clone()).is_ok(), "not items: {function}");
}

/// A space whose literal domain feeds `consumer`, and the errors a model of
/// the consumer expects: one per value it does not accept, one per value
/// listed again.
fn consumer_case(values: &[i64], consumer: usize, through_let: bool) -> (String, usize) {
    let list: Vec<String> = values.iter().map(i64::to_string).collect();
    let domain = format!("choice([{}])", list.join(", "));
    let arg = if through_let { "n".to_owned() } else { domain.clone() };
    let (call, ok): (String, fn(i64) -> bool) = match consumer {
        0 => (format!("repeat({arg}, || relu())"), |v| v >= 1),
        1 => (format!("or_with({arg}, || relu(), || tanh(), || relu())"), |v| (0..3).contains(&v)),
        2 => (format!("split_combine({arg}, || relu(), |k| concat_n(k))"), |v| v >= 1),
        _ => (format!("optional({arg}, || relu())"), |_| false),
    };
    let prelude = if through_let { format!("let n = {domain};") } else { String::new() };
    let src = format!("{prelude} let a = {call}; expose!(a.in -> a.out)");
    let rejected = values.iter().filter(|v| !ok(**v)).count();
    let repeated = values.iter().enumerate().filter(|(i, v)| values[..*i].contains(v)).count();
    (src, rejected + repeated)
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

    #[test]
    fn literal_domains_against_their_consumer(
        values in prop::collection::vec(-2i64..5, 1..6),
        consumer in 0usize..4,
        through_let in any::<bool>(),
    ) {
        let (src, expected) = consumer_case(&values, consumer, through_let);
        let errors = super::inline_errors(&src);
        prop_assert_eq!(errors.len(), expected, "{} -> {:?}", src, errors);
        for (message, anchor) in &errors {
            // Each on a literal of the domain, and the literal it names.
            prop_assert!(anchor.parse::<i64>().is_ok(), "{} on {}", message, anchor);
            prop_assert!(message.contains(&format!("`{anchor}`")), "{} on {}", message, anchor);
        }
        run(&src);
    }
}
