//! What the expansion holds: the typed wiring checks, raw names, and after
//! a mistake every statement that still type-checks (and nothing that
//! would make rustc repeat or invent an error).

use proc_macro2::TokenStream;

use crate::expand;

fn inline(src: &str) -> String {
    expand::inline(super::tokens(src)).to_string()
}

fn function(src: &str) -> String {
    expand::function(TokenStream::new(), super::tokens(src)).to_string()
}

#[test]
fn typed_modules_get_a_wiring_check_with_the_ports_the_body_wires() {
    let text = inline(super::SEED);
    assert!(
        text.contains(
            "wired (:: archspace :: __private :: wiring (& stem) . used (stem . out ()) . fed (stem . r#in ()))"
        ),
        "{text}"
    );
    assert!(text.contains("wiring (& cat) . fed (cat . in0 ()) . fed (cat . in1 ()) . used (cat . out ())"), "{text}");
    // Combinators' ports are the macro's own check.
    assert!(!text.contains("wiring (& left)") && !text.contains("wiring (& drop)"), "{text}");
    let text = inline(
        "let a = relu(); let b = relu(); let c = add(); connect!(a.out, b.out -> c); expose!(x = a.in, y = b.in -> c.out)",
    );
    assert!(text.contains("wiring (& c) . fan_in () . used (c . out ())"), "{text}");
}

#[test]
fn after_a_mistake_the_statements_that_type_check_stay() {
    let text = function(
        "fn f() -> Space {
            let stem = conv2d(64);
            let head = relu();
            connect!(stem.ouput -> head.in);
            connect!(x.out -> head.in);
            expose!(stem.in -> head.out)
        }",
    );
    assert!(text.starts_with(":: core :: compile_error !"), "{text}");
    assert!(text.contains("connect (__as_s , stem . ouput () , head . r#in ())"), "rustc still sees `ouput`: {text}");
    assert!(!text.contains("x . out ()"), "{text}");
    assert!(!text.contains("wiring (& head)"), "`head` is wired by a statement left out: {text}");
    assert!(text.contains("SubSpace :: new (\"f\""), "not a stub: {text}");
    assert!(text.contains("# [allow (unused_variables)] fn f"), "{text}");
}

#[test]
fn a_statement_naming_one_left_out_is_left_out_too() {
    let text = inline(
        "let a = repeat(2, relu()); let b = relu(); let c = relu(); connect!(a.out -> b.in); connect!(b.out -> c.in);
         expose!(a.in -> c.out)",
    );
    assert!(!text.contains("let a ="), "{text}");
    assert!(!text.contains("a . out ()") && !text.contains("a . r#in ()"), "{text}");
    assert!(text.contains("connect (__as_s , b . out () , c . r#in ())"), "{text}");
    assert!(!text.contains("wiring (& b)"), "{text}");
    assert!(text.contains("wiring (& c) . fed (c . r#in ()) . used (c . out ())"), "{text}");
}

#[test]
fn the_port_set_keeps_every_exposed_name_after_a_mistake() {
    let text = function("pub fn f() -> Space { let a = relu(); expose!(x = a.in -> y = a.ouput, z = b.out) }");
    for method in ["pub fn x", "pub fn y", "pub fn z"] {
        assert!(text.contains(method), "{method}: {text}");
    }
    assert!(text.contains("(\"y\" , :: archspace :: __private :: output (a . ouput ()))"), "{text}");
    assert!(!text.contains("b . out ()"), "{text}");
}

#[test]
fn unused_hyperparameters_are_left_to_rustcs_lint() {
    let text = inline("let n = choice([1, 2]); let a = relu(); expose!(a.in -> a.out)");
    assert!(!text.contains("allow (unused_variables)] let n"), "{text}");
    assert!(text.contains("let n = __as_s . named_choice (\"n\" , [1 , 2]) ?"), "{text}");
}

#[test]
fn raw_identifiers_lose_their_prefix_in_paths_and_decisions() {
    let text = function(
        "fn r#type(r#in: Param) -> Space {
            let r#loop = choice([1, 2]);
            let r#match = repeat(r#loop, || conv(r#in));
            expose!(r#match.r#in -> r#match.out)
        }",
    );
    for (name, text_of) in [("\"type\"", "sub-space"), ("\"in\"", "parameter"), ("\"loop\"", "hyperparameter")] {
        assert!(text.contains(name), "{text_of} {name}: {text}");
    }
    assert!(text.contains("named (\"match\")"), "{text}");
    assert!(!text.contains("\"r#"), "{text}");
}
