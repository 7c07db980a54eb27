//! Which token each error is anchored on.

use super::{fn_errors, inline_errors};

/// Asserts exactly one error, with `message`, on the token `text`.
fn one(src: &str, message: &str, text: &str) {
    let errors = inline_errors(src);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].0, message);
    assert_eq!(errors[0].1, text, "anchored on the wrong token");
}

const CHAIN: &str = "let a = repeat(2, || relu()); let b = optional(|| relu());";

#[test]
fn unknown_module_on_the_use_with_a_suggestion() {
    let src = format!("{CHAIN} connect!(a.out -> bb.in); expose!(a.in -> b.out)");
    let errors = inline_errors(&src);
    assert_eq!(errors[0], ("unknown module `bb`; did you mean `b`?".into(), "bb".into()));
}

#[test]
fn unknown_port_on_the_port_with_a_suggestion() {
    one(
        &format!("{CHAIN} connect!(a.ouput -> b.in); expose!(a.in -> b.out)"),
        "unknown port `ouput` on `a`; did you mean `out`?",
        "ouput",
    );
}

#[test]
fn wrong_direction_on_the_port() {
    one(
        &format!("{CHAIN} connect!(a.in -> b.in); expose!(a.in -> b.out)"),
        "`in` is an input of `a`; expected an output",
        "in",
    );
}

#[test]
fn second_connection_of_an_input() {
    let src = "let a = repeat(2, || relu()); let b = optional(|| relu()); let c = identity();
        connect!(a.out -> c.in); connect!(b.out -> c.in); expose!(x = a.in, y = b.in -> c.out)";
    let errors = inline_errors(src);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].0, "input `in` of `c` is already connected");
    // The second `c.in`: the error's line/column is that of the later token.
    let src_pos = src.rfind("c.in").expect("present") + 2;
    assert_eq!(&src[src_pos..src_pos + 2], errors[0].1);
}

#[test]
fn dangling_input_and_unused_output_on_the_module_name() {
    let errors = inline_errors("let a = identity(); let b = identity(); connect!(a.out -> b.in); expose!( -> b.out)");
    assert_eq!(errors, [("input `in` of `a` is neither connected nor exposed".to_owned(), "a".to_owned())]);
    let errors = inline_errors("let a = identity(); let b = identity(); connect!(a.out -> b.in); expose!(a.in -> )");
    assert_eq!(errors, [("output `out` of `b` is neither used nor exposed".to_owned(), "b".to_owned())]);
}

#[test]
fn module_never_connected() {
    one("let a = relu(); let b = relu(); expose!(a.in -> a.out)", "module `b` is neither connected nor exposed", "b");
}

#[test]
fn cycle_on_the_closing_connection() {
    let src = "let a = identity(); let b = identity(); let c = identity();
        connect!(a.out -> b.in); connect!(b.out -> c.in); connect!(c.out -> b.in2);
        expose!(a.in -> c.out)";
    let errors = inline_errors(src);
    assert!(
        errors.iter().any(|(m, t)| m == "unknown port `in2` on `b`; did you mean `in`?" && t == "in2"),
        "{errors:?}"
    );
    let errors =
        inline_errors("let a = relu(); let b = relu(); connect!(a.out -> b.x); connect!(b.out -> a.y); expose!( -> )");
    assert_eq!(errors, [("cycle among modules: `a` -> `b` -> `a`".to_owned(), "y".to_owned())]);
}

#[test]
fn fan_in_arity_on_the_target() {
    one(
        "let a = relu(); let b = relu(); let c = relu(); let d = identity();
         connect!(a.out, b.out, c.out -> d); expose!(x = a.in, y = b.in, z = c.in -> d.out)",
        "arity mismatch: `d` takes 1 input(s), fed 3",
        "d",
    );
}

#[test]
fn empty_and_mixed_domains_on_the_values() {
    one(
        "let n = choice([]); let a = repeat(n, || relu()); expose!(a.in -> a.out)",
        "empty domain: `choice` needs at least one value",
        "[]",
    );
    one(
        "let n = choice([1, 2.5, 3]); let a = repeat(n, || relu()); expose!(a.in -> a.out)",
        "mixed value types in one domain: `2.5` is not like the integers before it",
        "2.5",
    );
}

#[test]
fn duplicate_name_on_the_second() {
    let src = "let a = relu(); let a = relu(); connect!(a.out -> a.in); expose!( -> )";
    let errors = inline_errors(src);
    let dup: Vec<_> = errors.iter().filter(|(m, _)| m == "duplicate name `a`").collect();
    assert_eq!(dup.len(), 1, "{errors:?}");
}

#[test]
fn dependent_on_an_unknown_hyperparameter() {
    one(
        "let width = choice([1, 2]); let d = dependent(|widht| widht * 2); let a = repeat(d, || relu()); expose!(a.in -> a.out)",
        "unknown hyperparameter `widht`; did you mean `width`?",
        "widht",
    );
}

#[test]
fn module_where_a_hyperparameter_is_expected() {
    one(
        "let a = relu(); let b = repeat(a, || relu()); connect!(a.out -> b.in); expose!(a.in -> b.out)",
        "`a` is a module; expected a hyperparameter or a value",
        "a",
    );
}

#[test]
fn combinator_arguments_on_the_argument() {
    one(
        "let a = repeat(2, relu()); expose!(a.in -> a.out)",
        "expected a factory `|| module` here: `repeat` takes `(num_reps, || module)`",
        "relu()",
    );
}

#[test]
fn function_signature_errors() {
    let errors = fn_errors("", "async fn f<T>() -> u32 { let a = relu(); expose!(a.in -> a.out) }");
    let messages: Vec<&str> = errors.iter().map(|(m, _)| m.as_str()).collect();
    assert_eq!(
        messages,
        [
            "a search space function cannot be `async`",
            "a search space function cannot be generic",
            "expected `-> Space`: a search space function returns a sub-space",
        ]
    );
    assert_eq!(errors[2].1, "u32");
    let errors = fn_errors("x", "fn f() -> Space { let a = relu(); expose!(a.in -> a.out) }");
    assert_eq!(errors, [("`#[search_space]` takes no arguments".to_owned(), "x".to_owned())]);
}

#[test]
fn five_mistakes_five_errors() {
    let src = "let n = choice([]);
        let m = choice([1, true]);
        let a = repeat(n, || relu());
        let a = optional(|| relu());
        connect!(a.out -> b.in);
        expose!(a.in -> a.ouput)";
    let errors = inline_errors(src);
    let anchors: Vec<&str> = errors.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(anchors, ["[]", "true", "a", "b", "ouput"], "{errors:?}");
}

#[test]
fn iterate_factory_must_wire_prev() {
    let errors = inline_errors("let n = nested_repeat(2, || relu(), |prev| relu()); expose!(n.in -> n.out)");
    assert_eq!(errors, [("the iterate factory wires `prev`: `|prev| { ..; expose!(..) }`".to_owned(), "|".to_owned())]);
    let errors = inline_errors(
        "let n = nested_repeat(2, || relu(), |prev| { let t = relu(); expose!(prev.in -> t.out) }); expose!(n.in -> n.out)",
    );
    assert_eq!(errors, [("output `out` of `prev` is neither used nor exposed".to_owned(), "prev".to_owned())]);
}
