//! Compile-fail cases of `#[tool]` and `#[tools]`: each error must point at the code that broke
//! the rule; the compiler's messages are the snapshots (`tests/ui/*.stderr`). Regenerate them
//! with `TRYBUILD=overwrite` and review the diff.
#![cfg(feature = "macros")]

#[test]
fn macro_errors_point_at_the_code() {
    trybuild::TestCases::new().compile_fail("tests/ui/*.rs");
}
