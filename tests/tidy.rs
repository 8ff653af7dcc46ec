//! Tidy: the invariants ARCHITECTURE.md states, checked over the source tree.
//!
//! Every `src/` file starts with a `//!` header; no production file is over
//! 400 lines; `domain/` and `filter/` never mention the web or database crates;
//! only `store/` holds SQL; every `crate::` path in `src/` follows the Layers
//! table of ARCHITECTURE.md; the test modules of `tests/api` share code
//! only through `tests/api/support/`; and every test of `tests/api` runs on
//! the backend its target names (no `sqlite:` URL of its own, no early
//! return on the backend, no `SKIPPED` but through `support::require_tool`).
//!
//! The scanner lives in `tidy/`: `lex.rs` sets comments and literals apart
//! from code, `refs.rs` reads paths and literals, `layers.rs` reads the table
//! and judges paths by it; each has its own tests. Tidy is a test target of
//! its own, so it runs once, not once per backend.

// A test target's root resolves modules beside itself, so the paths are given.
#[path = "tidy/layers.rs"]
mod layers;
#[path = "tidy/lex.rs"]
mod lex;
#[path = "tidy/refs.rs"]
mod refs;

use layers::{layer_of, layer_violations, parse_layers, table_problems};
use lex::lex;
use refs::{cfg_test_modules, crate_mentions, module_path, root_refs, sql_pattern};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The line budget of a production file (style.md: "files under about 400
/// lines").
const LINE_BUDGET: usize = 400;

/// The crates `domain/` and `filter/` never mention: no HTTP, no SQL.
pub const IMPURE_CRATES: [&str; 5] = ["axum", "sqlx", "rusqlite", "hyper", "tower"];

/// The library crate's name, as `src/main.rs` refers to it.
pub const LIB_CRATE: &str = "registrar";

#[test]
fn every_src_file_starts_with_a_module_header() {
    let failures: Vec<String> = rust_files("src")
        .iter()
        .filter(|f| !f.text.starts_with("//!"))
        .map(|f| {
            format!(
                "{}:1: does not start with a `//!` line saying what the file is",
                f.path
            )
        })
        .collect();
    report("module headers", &failures);
}

#[test]
fn no_production_file_is_over_the_line_budget() {
    let files = rust_files("src");
    let test_only = test_only_files(&files);
    let failures: Vec<String> = files
        .iter()
        .filter(|f| !test_only.contains(&f.path))
        .filter_map(|f| {
            let lines = f.text.lines().count();
            (lines > LINE_BUDGET).then(|| {
                format!(
                    "{}:{}: {lines} lines, over the budget of {LINE_BUDGET} for a production file; split it",
                    f.path,
                    LINE_BUDGET + 1
                )
            })
        })
        .collect();
    report("the 400-line budget", &failures);
}

#[test]
fn domain_and_filter_never_mention_web_or_database_crates() {
    let mut failures = Vec::new();
    for dir in ["src/domain", "src/filter"] {
        for f in rust_files(dir) {
            for (line, name) in crate_mentions(&lex(&f.text).code, &IMPURE_CRATES) {
                failures.push(format!(
                    "{}:{line}: mentions `{name}`; domain/ and filter/ never depend on {}",
                    f.path,
                    IMPURE_CRATES.join(", ")
                ));
            }
        }
    }
    report("domain/ and filter/ purity", &failures);
}

#[test]
fn only_the_store_contains_sql() {
    let mut failures = Vec::new();
    for f in rust_files(".") {
        if ["src/store/", "examples/", "tests/"]
            .iter()
            .any(|p| f.path.starts_with(p))
        {
            continue;
        }
        for (line, text) in lex(&f.text).strings {
            if let Some(pattern) = sql_pattern(&text) {
                failures.push(format!(
                    "{}:{line}: a string literal that looks like SQL ({pattern}); only src/store/ contains SQL",
                    f.path
                ));
            }
        }
    }
    report("SQL only in store/", &failures);
}

#[test]
fn every_src_file_imports_only_what_its_layer_allows() {
    let md = std::fs::read_to_string(root().join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let table = match parse_layers(&md) {
        Ok(table) => table,
        Err(e) => panic!("ARCHITECTURE.md: {e}"),
    };
    let files = rust_files("src");
    let layers: BTreeSet<String> = files.iter().map(|f| layer_of(&f.path)).collect();
    let mut failures = table_problems(&table);
    for f in &files {
        failures.extend(layer_violations(f, &table, &layers));
    }
    report("the Layers table of ARCHITECTURE.md", &failures);
}

#[test]
fn test_modules_share_code_only_through_support() {
    let mut failures = Vec::new();
    for f in rust_files("tests/api") {
        let rel = f.path.trim_start_matches("tests/api/");
        if rel == "main.rs" {
            continue;
        }
        let code = lex(&f.text).code;
        for r in root_refs(&code, &module_path(rel), None) {
            if r.name != "support" {
                failures.push(format!(
                    "{}:{}: `{}` uses test module `{}`; test modules use only `crate::support`, so move what they share to tests/api/support/",
                    f.path, r.line, r.written, r.name
                ));
            }
        }
    }
    report("test modules", &failures);
}

/// The modules that exist in one target only, as `only_api.rs` and
/// `only_postgres.rs` (included by `tests/api/main.rs`) declare them.
fn single_backend_modules(target: &str) -> BTreeSet<String> {
    let path = root().join(format!("tests/api/only_{target}.rs"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    lex(&text)
        .code
        .lines()
        .filter_map(|l| l.trim().strip_prefix("mod ")?.strip_suffix(';'))
        .map(|m| format!("tests/api/{m}.rs"))
        .collect()
}

/// The calls that tell a test which backend it runs on.
const BACKEND_PROBES: [&str; 4] = ["is_postgres()", "sqlite_path()", "backend()", ".dir()"];

/// Problems of one test module of `tests/api` with the backend rule.
fn backend_rule_problems(f: &SourceFile, sqlite_only: &BTreeSet<String>) -> Vec<String> {
    let lexed = lex(&f.text);
    let mut out = Vec::new();
    for (line, text) in &lexed.strings {
        let sqlite_url = text.starts_with("sqlite:/") || text.starts_with("sqlite::");
        if sqlite_url && !sqlite_only.contains(&f.path) {
            out.push(format!(
                "{}:{line}: a `sqlite:` URL of its own; get the database from `TestDb::fresh()` so the test runs on its target's backend, or move it to a module of `only_api.rs`",
                f.path
            ));
        }
        if text.contains("SKIPPED") {
            out.push(format!(
                "{}:{line}: prints SKIPPED; a missing tool goes through `support::require_tool`, which fails under CI=true",
                f.path
            ));
        }
    }
    let code = &lexed.code;
    for probe in BACKEND_PROBES {
        for (at, _) in code.match_indices(probe) {
            // The block that follows the probe, up to its first `}`.
            let rest = &code[at..];
            let block = &rest[..rest.find('}').unwrap_or(rest.len())];
            if block.contains("return") {
                let line = code[..at].lines().count().max(1);
                out.push(format!(
                    "{}:{line}: returns early on the backend (`{probe}`); run the test on both, or move it to a module of `only_api.rs` / `only_postgres.rs`",
                    f.path
                ));
            }
        }
    }
    out
}

#[test]
fn every_api_test_runs_on_the_backend_of_its_target() {
    let sqlite_only = single_backend_modules("api");
    let postgres_only = single_backend_modules("postgres");
    let mut failures = Vec::new();
    for module in sqlite_only.iter().chain(&postgres_only) {
        if !root().join(module).is_file() {
            failures.push(format!(
                "{module}: declared in an only_*.rs list but missing"
            ));
        }
    }
    // rustfmt finds them through `#[cfg(any())] mod x;` in main.rs.
    let main = std::fs::read_to_string(root().join("tests/api/main.rs")).expect("main.rs");
    let main = lex(&main).code;
    let shown: BTreeSet<String> = main
        .split("#[cfg(any())]")
        .skip(1)
        .filter_map(|rest| {
            let name = rest.trim_start().strip_prefix("mod ")?.split(';').next()?;
            Some(format!("tests/api/{}.rs", name.trim()))
        })
        .collect();
    let listed: BTreeSet<String> = sqlite_only.union(&postgres_only).cloned().collect();
    if shown != listed {
        failures.push(format!(
            "tests/api/main.rs: the `#[cfg(any())] mod` declarations ({shown:?}) must name exactly the modules of only_api.rs and only_postgres.rs ({listed:?}), so rustfmt formats them"
        ));
    }
    for f in rust_files("tests/api") {
        if f.path.starts_with("tests/api/support/") {
            continue;
        }
        failures.extend(backend_rule_problems(&f, &sqlite_only));
    }
    report("tests on the backend of their target", &failures);
}

/// Problems of one marked section of `bench/RESULTS.md`: the script its
/// markers name must exist and write it, and its first line must name the
/// script, a UTC time, a commit and the command.
fn bench_section_problems(script: &str, section: &str) -> Vec<String> {
    let mut out = Vec::new();
    let source = std::fs::read_to_string(root().join(script)).unwrap_or_default();
    if !source.contains(&format!("write_section {script} ")) {
        out.push(format!(
            "bench/RESULTS.md: the section marked {script} is not written by `write_section {script}` in that script"
        ));
    }
    let mut lines = section.lines().filter(|l| !l.trim().is_empty());
    let heading = lines.next().unwrap_or_default();
    let first = lines.next().unwrap_or_default();
    if !heading.starts_with("## ") {
        out.push(format!(
            "bench/RESULTS.md: the section of {script} does not start with a `## ` heading"
        ));
    }
    let named = first.starts_with(&format!("Written by `{script}` at 20"));
    let dated = first.contains('T') && first.contains("Z, commit ");
    if !(named && dated && first.contains("; command: `")) {
        out.push(format!(
            "bench/RESULTS.md: the section of {script} does not begin with `Written by `{script}` at TIME, commit HASH; command: `…``: {first}"
        ));
    }
    out
}

#[test]
fn bench_results_are_written_only_by_the_scripts() {
    let text = std::fs::read_to_string(root().join("bench/RESULTS.md")).expect("bench/RESULTS.md");
    let mut failures = Vec::new();
    let Some((_header, mut rest)) = text.split_once("<!-- bench/") else {
        panic!("bench/RESULTS.md has no marked section");
    };
    let mut sections = 0;
    loop {
        let Some((script, after)) = rest.split_once(": begin -->") else {
            failures.push("bench/RESULTS.md: a marker without `: begin -->`".to_owned());
            break;
        };
        let script = format!("bench/{script}");
        let end = format!("<!-- {script}: end -->");
        let Some((section, after_end)) = after.split_once(end.as_str()) else {
            failures.push(format!("bench/RESULTS.md: {script} has no `{end}`"));
            break;
        };
        sections += 1;
        failures.extend(bench_section_problems(&script, section));
        match after_end.split_once("<!-- bench/") {
            Some((between, next)) => {
                if !between.trim().is_empty() {
                    failures.push(format!(
                        "bench/RESULTS.md: hand-written text after the section of {script}: {}",
                        between.trim()
                    ));
                }
                rest = next;
            }
            None => {
                if !after_end.trim().is_empty() {
                    failures.push(format!(
                        "bench/RESULTS.md: hand-written text after the last section: {}",
                        after_end.trim()
                    ));
                }
                break;
            }
        }
    }
    assert!(sections >= 4, "the marked sections were read");
    report("bench/RESULTS.md", &failures);
}

#[test]
fn ci_fails_loudly_and_builds_the_fuzz_targets() {
    let mut failures = Vec::new();
    for file in [".ci/run", ".ci/postgres.sh", "fuzz-filter/run.sh"] {
        let text = std::fs::read_to_string(root().join(file)).expect(file);
        if file != ".ci/postgres.sh" && !text.contains("set -euo pipefail") {
            failures.push(format!("{file}: no `set -euo pipefail`"));
        }
        let mut previous = "";
        for (i, line) in text.lines().enumerate() {
            let code = line.split('#').next().unwrap_or_default();
            if code.trim_start().starts_with("export ") && code.contains("=$(") {
                failures.push(format!(
                    "{file}:{}: `export X=$(…)` hides the command's failure; assign first, then export",
                    i + 1
                ));
            }
            let updated = code.contains("apt-get update") || previous.contains("apt-get update");
            if !code.trim().is_empty() {
                previous = code;
            }
            if code.contains("apt-get install") && !updated {
                failures.push(format!(
                    "{file}:{}: `apt-get install` without an `apt-get update` before it",
                    i + 1
                ));
            }
        }
    }
    let ci = std::fs::read_to_string(root().join(".ci/run")).expect(".ci/run");
    if !ci.contains("fuzz-filter/run.sh") {
        failures.push(".ci/run: the filter parser's fuzz target is not run".to_string());
    }
    if !ci.contains("\ncargo test --locked\n") {
        failures
            .push(".ci/run: `cargo test --locked` (which builds the examples) is not run".into());
    }
    // `cargo test` builds every example: each cargo-fuzz target of fuzz/ must
    // be one, so CI compiles and links it.
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).expect("Cargo.toml");
    let targets = std::fs::read_dir(root().join("fuzz/fuzz_targets")).expect("fuzz/fuzz_targets");
    let mut seen = 0;
    for entry in targets {
        let name = entry.expect("a directory entry").file_name();
        let name = name.to_string_lossy();
        if !name.ends_with(".rs") {
            continue;
        }
        seen += 1;
        if !manifest.contains(&format!("path = \"fuzz/fuzz_targets/{name}\"")) {
            failures.push(format!(
                "Cargo.toml: fuzz/fuzz_targets/{name} is not an [[example]], so CI does not build it"
            ));
        }
    }
    assert!(seen >= 2, "the fuzz targets were read");
    report("CI", &failures);
}

/// Fails with every problem of one check, one per line.
fn report(check: &str, failures: &[String]) {
    assert!(
        failures.is_empty(),
        "tidy: {} problem(s) with {check}:\n  {}\n",
        failures.len(),
        failures.join("\n  ")
    );
}

/// A Rust file: its path from the repository root (with `/`) and its text.
pub struct SourceFile {
    pub path: String,
    pub text: String,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.rs` file under `dir` (relative to the repository root), sorted,
/// leaving out build output, hidden directories and symbolic links (so
/// `tests/postgres`, a link to `tests/api`, is read once).
fn rust_files(dir: &str) -> Vec<SourceFile> {
    let mut paths = Vec::new();
    let start = if dir == "." { root() } else { root().join(dir) };
    collect(&start, &mut paths);
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(root()).expect("under the root");
            let path = rel.to_string_lossy().replace('\\', "/");
            let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("read {path}: {e}"));
            SourceFile { path, text }
        })
        .collect()
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let entry = entry.expect("directory entry");
        let name = entry.file_name().to_string_lossy().into_owned();
        let kind = entry.file_type().expect("file type");
        if name.starts_with('.') || name == "target" || kind.is_symlink() {
            continue;
        }
        if kind.is_dir() {
            collect(&entry.path(), out);
        } else if name.ends_with(".rs") {
            out.push(entry.path());
        }
    }
}

/// Files that are test code as a whole: modules declared `#[cfg(test)] mod x;`.
fn test_only_files(files: &[SourceFile]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for f in files {
        let dir = match f.path.rsplit_once('/') {
            Some((dir, "mod.rs" | "lib.rs" | "main.rs")) => dir.to_owned(),
            _ => f.path.trim_end_matches(".rs").to_owned(),
        };
        for name in cfg_test_modules(&lex(&f.text).code) {
            out.insert(format!("{dir}/{name}.rs"));
            out.insert(format!("{dir}/{name}/mod.rs"));
        }
    }
    out
}
