//! Compile-time guarantees of `#[migration]` and `migrations!`: what the
//! compiler refuses, with the exact messages pinned in `tests/ui/fail/*.stderr`,
//! and what it accepts (each pass case also runs, checking the registry).
//!
//! Regenerate the pinned messages with `TRYBUILD=overwrite`, then read them.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/fail/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
