//! The compile-fail and compile-pass suite of the DSL (`tests/ui/` at the
//! workspace root). Regenerate the `.stderr` files with `TRYBUILD=overwrite`
//! after an intended change to a message, and review the diff.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("../tests/ui/pass/*.rs");
    t.compile_fail("../tests/ui/fail/*/*.rs");
}
