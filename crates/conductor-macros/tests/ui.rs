//! Compile-time behaviour of `#[worker]`, locked by trybuild: programs that must compile
//! (`ui/pass`) and programs that must fail with the checked-in messages (`ui/fail/*.stderr`).
//!
//! The messages depend on the compiler version; refresh them with `TRYBUILD=overwrite cargo test
//! -p conductor-macros --test ui` and review the diff.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/pass/*.rs");
    cases.compile_fail("tests/ui/fail/*.rs");
}
