//! What a test needs from outside the repository: a tool or a server named by
//! an environment variable.
//!
//! The one rule: without it a test may skip on a developer's machine (saying
//! `SKIPPED` on the terminal, past the output capture), but never under
//! `CI=true`, where the same absence fails the test. CI can therefore never
//! pass by skipping. Every test that depends on such a variable asks through
//! [`require_tool`]; no test module prints `SKIPPED` or returns early by
//! itself (`tests/tidy.rs` checks this).

use std::io::Write as _;

/// Whether this run is CI's (`CI=true`, as `.ci/run` and most CI services set).
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

/// The value of `var` (a tool's path, a server's URL), or, when it is unset or
/// empty, `None` after saying `SKIPPED` on the terminal; `how` tells how to set
/// it. Under `CI=true` a missing value fails the calling test instead.
pub fn require_tool(var: &str, how: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(value) if !value.is_empty() => Some(value),
        _ => {
            missing_tool(&format!("{var} is not set ({how})"));
            None
        }
    }
}

/// For a tool found some other way (a file, an import): says `SKIPPED` with
/// `why` on the terminal, or, under `CI=true`, fails the calling test. The
/// caller then returns.
pub fn missing_tool(why: &str) {
    let test = std::thread::current()
        .name()
        .unwrap_or("this test")
        .to_owned();
    assert!(
        !in_ci(),
        "{test}: under CI=true a missing tool fails the test: {why}"
    );
    // Written to the stderr handle directly: libtest captures `eprintln!`,
    // and a skip must be seen.
    let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {why}");
}
