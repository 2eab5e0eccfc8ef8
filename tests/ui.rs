//! The `#[machine]` UI suite: every misuse in `ui-tests/fail/` must fail to
//! compile with exactly the reviewed `.stderr` beside it, and every case in
//! `ui-tests/pass/` must compile and run. See `ui-tests/README.md`.

#[test]
fn ui() {
    // The sanitizer run of `.ci/run` builds for an explicit target with
    // sanitizer flags, which the nested builds trybuild makes would inherit
    // and fail on; compile errors are the same with and without a
    // sanitizer, and the default run checks them.
    if std::env::var_os("MIO_SANITIZER_RUN").is_some() {
        eprintln!("ui: skipped in the sanitizer run (checked by the default run)");
        return;
    }
    let t = trybuild::TestCases::new();
    t.compile_fail("ui-tests/fail/*.rs");
    t.pass("ui-tests/pass/*.rs");
}
