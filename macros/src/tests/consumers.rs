//! Literal domains checked against what their consumer accepts, each error
//! on the offending literal.

use super::inline_errors;

/// Asserts exactly the errors `expected`, as (message, anchor) pairs.
fn exactly(src: &str, expected: &[(&str, &str)]) {
    let errors = inline_errors(src);
    let got: Vec<(&str, &str)> = errors.iter().map(|(m, t)| (m.as_str(), t.as_str())).collect();
    assert_eq!(got, expected);
}

const TAIL: &str = "expose!(a.in -> a.out)";

#[test]
fn repeat_counts_start_at_one_in_place_and_through_a_let() {
    exactly(
        &format!("let a = repeat(0, || relu()); {TAIL}"),
        &[("`0` is not valid as the count of `repeat`: expected an integer of at least 1", "0")],
    );
    exactly(
        &format!("let a = repeat(choice([1, -2, 3]), || relu()); {TAIL}"),
        &[("`-2` is not valid as the count of `repeat`: expected an integer of at least 1", "-2")],
    );
    exactly(
        &format!("let n = choice([0, 1, 2]); let a = repeat(n, || relu()); {TAIL}"),
        &[("`n` can be `0`, which is not valid as the count of `repeat`: expected an integer of at least 1", "0")],
    );
    exactly(
        &format!("let n = shared([1.5, 2.5]); let a = repeat(n, || relu()); {TAIL}"),
        &[
            ("`n` can be `1.5`, which is not valid as the count of `repeat`: expected an integer of at least 1", "1.5"),
            ("`n` can be `2.5`, which is not valid as the count of `repeat`: expected an integer of at least 1", "2.5"),
        ],
    );
}

#[test]
fn every_counting_combinator_checks_its_count() {
    exactly(
        &format!("let a = split_combine(0, || relu(), |k| concat_n(k)); {TAIL}"),
        &[("`0` is not valid as the number of splits of `split_combine`: expected an integer of at least 1", "0")],
    );
    exactly(
        &format!("let a = dense_block(0, 1, || relu(), |k| concat_n(k)); {TAIL}"),
        &[
            ("`0` is not valid as the count of `dense_block`: expected an integer of at least 1", "0"),
            ("`1` is not valid as the `end_in_combine` flag of `dense_block`: expected `true` or `false`", "1"),
        ],
    );
    exactly(
        &format!(
            "let a = nested_repeat(choice([0]), || relu(), |prev| {{ let t = relu(); connect!(prev.out -> t.in); expose!(prev.in -> t.out) }}); {TAIL}"
        ),
        &[("`0` is not valid as the count of `nested_repeat`: expected an integer of at least 1", "0")],
    );
}

#[test]
fn optional_flags_are_booleans() {
    exactly(
        &format!("let f = choice([0, 1]); let a = optional(f, || relu()); {TAIL}"),
        &[
            ("`f` can be `0`, which is not valid as the flag of `optional`: expected `true` or `false`", "0"),
            ("`f` can be `1`, which is not valid as the flag of `optional`: expected `true` or `false`", "1"),
        ],
    );
    exactly(
        &format!("let a = optional(choice([\"yes\"]), || relu()); {TAIL}"),
        &[("`\"yes\"` is not valid as the flag of `optional`: expected `true` or `false`", "\"yes\"")],
    );
}

#[test]
fn or_with_indices_stay_below_the_number_of_alternatives() {
    exactly(
        &format!("let i = choice([0, 1, 2]); let a = or_with(i, || relu(), || tanh()); {TAIL}"),
        &[("`i` can be `2`, which is not valid as the index of `or_with`: expected an index from 0 to 1", "2")],
    );
    exactly(
        &format!("let a = or_with(-1, || relu(), || tanh()); {TAIL}"),
        &[("`-1` is not valid as the index of `or_with`: expected an index from 0 to 1", "-1")],
    );
}

#[test]
fn a_value_listed_twice_is_reported_on_the_second() {
    exactly(
        &format!("let n = choice([1, 2, 1]); let a = repeat(n, || conv(choice([0.5, 0.50]))); {TAIL}"),
        &[("`1` is listed twice in this domain", "1"), ("`0.50` is listed twice in this domain", "0.50")],
    );
    let errors = inline_errors(&format!("let n = choice([1, 2, 1]); let a = repeat(n, || relu()); {TAIL}"));
    let at = errors.iter().position(|(m, _)| m.contains("twice")).expect("reported");
    // The second `1`: its column is after the `2`.
    assert_eq!(errors[at].1, "1");
}

#[test]
fn values_that_are_not_literals_or_feed_unknown_consumers_pass() {
    exactly(&format!("let a = repeat(count, || relu()); {TAIL}"), &[]);
    exactly(
        "let n = choice([0, 1]); let a = conv(n); let b = repeat(choice([1, 2]), || relu()); connect!(a.out -> b.in); expose!(a.in -> b.out)",
        &[],
    );
    exactly(&format!("let n = choice([1, 2]); let m = n.map(|n| n - 1); let a = repeat(m, || relu()); {TAIL}"), &[]);
}

#[test]
fn a_mixed_domain_is_one_error_not_two() {
    exactly(
        &format!("let n = choice([1, 2.5]); let a = repeat(n, || relu()); {TAIL}"),
        &[("mixed value types in one domain: `2.5` is not like the integers before it", "2.5")],
    );
}

#[test]
fn the_check_is_one_function_for_any_consumer() {
    use crate::ctxt::Ctxt;
    use crate::domain::{Accepts, Consumer, check_consumer};
    let values: Vec<syn::Expr> = vec![syn::parse_quote!(0), syn::parse_quote!(3), syn::parse_quote!(true)];
    let mut cx = Ctxt::new();
    let consumer = Consumer { role: "the input of `select`", accepts: &Accepts::IndicesBelow(3), fix: "fix" };
    check_consumer(&mut cx, &values, None, &consumer);
    let messages: Vec<String> = cx.messages().into_iter().map(|(m, _)| m).collect();
    assert_eq!(messages, ["`3` is not valid as the input of `select`: expected an index from 0 to 2"]);
    assert_eq!(cx.notes(), [Some("fix".to_owned())]);
    assert_eq!(cx.breaks(), 0, "a value mistake leaves the statement in the expansion");
}
