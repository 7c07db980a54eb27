//! One mistake, one error on its token: no follow-on errors, no misleading
//! ones, and messages that say what a form needs.

use super::{fn_errors, inline_errors};

fn exactly(src: &str, expected: &[(&str, &str)]) {
    let errors = inline_errors(src);
    let got: Vec<(&str, &str)> = errors.iter().map(|(m, t)| (m.as_str(), t.as_str())).collect();
    assert_eq!(got, expected);
}

/// The first line of each message (a parse error carries its note inline).
fn first_lines(src: &str) -> Vec<(String, String)> {
    inline_errors(src).into_iter().map(|(m, t)| (m.lines().next().unwrap_or_default().to_owned(), t)).collect()
}

#[test]
fn a_name_exposed_as_an_input_and_an_output() {
    let src = "let x = relu(); expose!(x = x.in -> y = x.out, x = x.out)";
    exactly(src, &[("`x` is exposed both as an input and as an output", "x")]);
}

#[test]
fn one_input_exposed_under_two_names() {
    exactly(
        "let a = relu(); expose!(x = a.in, y = a.in -> a.out)",
        &[("input `in` of `a` is already exposed as `x`", "in")],
    );
}

#[test]
fn a_rejected_connection_wires_nothing() {
    exactly(
        "let a = relu(); let b = relu(); connect!(zz.out -> b.in); connect!(a.out -> b.in); expose!(a.in -> b.out)",
        &[("unknown module `zz`", "zz")],
    );
    exactly(
        "let a = identity(); let b = identity(); connect!(a.in -> b.in); connect!(a.out -> b.in); expose!(a.in -> b.out)",
        &[("`in` is an input of `a`; expected an output", "in")],
    );
    // A fan-in of the wrong shape spares the modules it names.
    exactly(
        "let a = identity(); let b = identity(); let c = identity(); let d = identity();
         connect!(a.out, b.out -> c.in, d.in); expose!(x = a.in, y = b.in -> )",
        &[("several outputs feed one module's inputs in order: `connect!(a.out, b.out -> cat)`", "c")],
    );
    // The port it meant to wire is not reported dangling either.
    exactly(
        "let a = identity(); let b = identity(); connect!(a.ouput -> b.in); expose!(a.in -> b.out)",
        &[("unknown port `ouput` on `a`; did you mean `out`?", "ouput")],
    );
}

#[test]
fn a_name_used_before_its_let() {
    exactly(
        "let a = relu(); connect!(a.out -> b.in); let b = relu(); expose!(a.in -> b.out)",
        &[("`b` is used before its `let`", "b")],
    );
    exactly(
        "let a = repeat(n, || relu()); let n = choice([1, 2]); expose!(a.in -> a.out)",
        &[("`n` is used before its `let`", "n")],
    );
    exactly(
        "let m = dependent(|n| n + 1); let n = choice([1, 2]); let a = repeat(m, || relu()); expose!(a.in -> a.out)",
        &[("`n` is used before its `let`", "n")],
    );
    // A name never declared keeps its suggestion.
    exactly(
        "let a = relu(); let bee = relu(); connect!(a.out -> be.in); expose!(a.in -> bee.out)",
        &[("unknown module `be`; did you mean `bee`?", "be")],
    );
}

#[test]
fn checking_goes_on_after_a_statement_that_does_not_parse() {
    let errors = first_lines("let a = relu(1 2); let b = relu(); connect!(b.out -> zz.in); expose!(b.in -> b.out)");
    let anchors: Vec<&str> = errors.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(anchors, ["2", "zz"], "{errors:?}");
    // Uses of the broken `let` are not reported again, nor are the ports
    // they meant to wire.
    let errors = first_lines("let a = relu(1 2); let b = relu(); connect!(a.out -> b.in); expose!( -> b.out)");
    assert_eq!(errors.len(), 1, "{errors:?}");
    // A broken `connect!` spares the modules it names.
    let errors = first_lines("let a = relu(); let b = relu(); connect!(a.out => b.in); expose!(a.in -> b.out)");
    assert_eq!(errors.len(), 1, "{errors:?}");
    // Two statements that do not parse: two errors.
    let errors = first_lines("let a = relu() let b = relu(); let c = = relu(); expose!(b.in -> b.out)");
    assert_eq!(
        errors.iter().map(|(m, _)| m.as_str()).collect::<Vec<_>>(),
        ["expected `;`", "expected a module or a hyperparameter after `=`"]
    );
}

#[test]
fn forms_the_dsl_does_not_have_say_what_it_needs() {
    let cases = [
        (
            "let a = relu(); let inner = search_space! { let b = relu(); expose!(b.in -> b.out) }; expose!(a.in -> a.out)",
            "`search_space!` cannot be nested: a space inside a space is a factory or a sub-space",
            "search_space",
        ),
        (
            "let a = relu(); let b = a; expose!(a.in -> a.out)",
            "expected a module or a hyperparameter after `=`, found `a` alone",
            "a",
        ),
        (
            "let n = choice([1, 2]).map(|n| n * 2); let a = repeat(n, || relu()); expose!(a.in -> a.out)",
            "`.map` needs a named hyperparameter, not a `choice(..)`",
            ".",
        ),
        (
            "let n = relu(); let a = repeat(2, || n); expose!(a.in -> a.out)",
            "a factory builds a new module on each call; `n` alone is not one",
            "n",
        ),
        ("let a = relu(); let b = 5; expose!(a.in -> a.out)", "expected a module or a hyperparameter after `=`", "5"),
        ("let a = mymacro!(1); expose!(a.in -> a.out)", "`mymacro!(..)` is a macro call, not a module", "mymacro"),
    ];
    for (src, message, anchor) in cases {
        let errors = inline_errors(src);
        assert_eq!(errors.len(), 1, "{src}: {errors:?}");
        let (full, at) = &errors[0];
        let mut lines = full.lines();
        assert_eq!(lines.next(), Some(message), "{src}");
        assert!(lines.next().is_some_and(|l| l.starts_with("= note: ")), "{src}: a note says how to fix it: {full}");
        assert_eq!(at, anchor, "{src}");
    }
}

#[test]
fn a_factory_of_two_parameters_where_one_is_taken() {
    // Only a cell's edge factory takes several: elsewhere the second is the mistake.
    let mut cx = crate::ctxt::Ctxt::new();
    let src = "let a = split_combine(2, || relu(), |a, b| add()); expose!(a.in -> a.out)";
    let body = crate::parse::parse_inline(super::tokens(src)).expect("it parses");
    let _ = crate::check::check_inline(&mut cx, &body);
    let messages = cx.messages();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert_eq!(messages[0].0, "a factory takes at most one parameter");
    assert_eq!(messages[0].1.source_text().as_deref(), Some("b"));
    assert!(cx.notes()[0].as_deref().is_some_and(|n| n.contains("|k| concat(k)")));
}

#[test]
fn a_space_of_hyperparameters_only() {
    exactly(
        "let n = choice([1, 2]); expose!( -> )",
        &[("this space has no modules, so `n` decides nothing", "expose")],
    );
    exactly(
        "let n = choice([1, 2]); let m = n.map(|n| n * 2); expose!( -> )",
        &[("this space has no modules, so `n`, `m` decide nothing", "expose")],
    );
    exactly("expose!( -> )", &[("this space has no modules", "expose")]);
    // `prev` is a module of an iterate body.
    exactly(
        "let a = nested_repeat(2, || relu(), |prev| { expose!(prev.in -> prev.out) }); expose!(a.in -> a.out)",
        &[],
    );
}

#[test]
fn raw_identifiers_are_their_names() {
    exactly("let r#foo = relu(); let b = identity(); connect!(foo.out -> b.r#in); expose!(r#foo.in -> b.out)", &[]);
    exactly(
        "let a = identity(); expose!(a.r#in -> r#x = a.out, x = a.out)",
        &[("duplicate exposed output name `x`", "x")],
    );
}

#[test]
fn duplicate_names_and_function_parameters() {
    let errors = fn_errors("", "fn f(a: Param, a: Param) -> Space { let b = relu(); expose!(b.in -> b.out) }");
    assert_eq!(errors, [("duplicate name `a`".to_owned(), "a".to_owned())]);
}
