//! The `#[machine]` UI suite: every misuse in `ui-tests/fail/` must fail to
//! compile with exactly the reviewed `.stderr` beside it, and every case in
//! `ui-tests/pass/` must compile and run. See `ui-tests/README.md`.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui-tests/fail/*.rs");
    t.pass("ui-tests/pass/*.rs");
}
