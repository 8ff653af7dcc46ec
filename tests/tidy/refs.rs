//! What code refers to: paths to the crate's top-level modules, crate
//! names, SQL-shaped string literals, and test-only modules.

use crate::lex::{Tok, is_ident_char, tokens};

/// The module path of a file, from its path below the crate root's directory:
/// `api/auth.rs` is `[api, auth]`, `api/mod.rs` is `[api]`, `lib.rs` is `[]`.
pub fn module_path(rel: &str) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .trim_end_matches(".rs")
        .split('/')
        .map(str::to_owned)
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}
/// The names of out-of-line modules declared under `#[cfg(test)]`.
pub fn cfg_test_modules(code: &str) -> Vec<String> {
    let toks: Vec<Tok> = tokens(code).into_iter().map(|(_, t)| t).collect();
    let cfg_test = [
        Tok::Punct('#'),
        Tok::Punct('['),
        Tok::Ident("cfg".into()),
        Tok::Punct('('),
        Tok::Ident("test".into()),
        Tok::Punct(')'),
        Tok::Punct(']'),
    ];
    let mut out = Vec::new();
    for start in 0..toks.len() {
        if !toks[start..].starts_with(&cfg_test) {
            continue;
        }
        // Past other attributes and a visibility, to `mod name ;`.
        let rest = &toks[start + cfg_test.len()..];
        let at = rest
            .iter()
            .position(|t| matches!(t, Tok::Punct(';' | '{')))
            .unwrap_or(rest.len());
        if let [.., Tok::Ident(kw), Tok::Ident(name)] = &rest[..at]
            && kw == "mod"
            && rest.get(at) == Some(&Tok::Punct(';'))
        {
            out.push(name.clone());
        }
    }
    out
}

/// A path from code to a top-level module of the crate.
#[derive(Debug, PartialEq, Eq)]
pub struct RootRef {
    pub line: usize,
    /// The top-level name: `store` for `crate::store::Store`.
    pub name: String,
    /// The path as the message shows it: `crate::store`.
    pub written: String,
}

/// Every path in `code` (lexed) that reaches a top-level module of its crate:
/// `crate::x`, `$crate::x` (in `macro_rules!` bodies), `extern_name::x` when
/// given (the library seen from `main.rs`), `super::…::x` climbing to the
/// crate root from `module` (inline `mod m { … }` blocks count), and each item
/// of a group: `use crate::{a, b::c}` refers to `a` and `b`.
pub fn root_refs(code: &str, module: &[String], extern_name: Option<&str>) -> Vec<RootRef> {
    let toks = tokens(code);
    let tok = |k: usize| toks.get(k).map(|(_, t)| t);
    let ident = |k: usize| match tok(k) {
        Some(Tok::Ident(w)) => Some(w.as_str()),
        _ => None,
    };
    let mut out = Vec::new();
    let mut inline: Vec<(String, usize)> = Vec::new();
    let (mut depth, mut pending_mod) = (0usize, None);
    for k in 0..toks.len() {
        match tok(k) {
            Some(Tok::Punct('{')) => {
                depth += 1;
                if let Some(name) = pending_mod.take() {
                    inline.push((name, depth));
                }
            }
            Some(Tok::Punct('}')) => {
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
                depth = depth.saturating_sub(1);
            }
            Some(Tok::Punct(';')) => pending_mod = None,
            _ => {}
        }
        if ident(k) == Some("mod")
            && let Some(name) = ident(k + 1)
        {
            pending_mod = Some(name.to_owned());
        }
        let Some(word) = ident(k) else { continue };
        if k > 0 && tok(k - 1) == Some(&Tok::PathSep) {
            continue;
        }
        let (prefix, after) = if word == "crate" || Some(word) == extern_name {
            if tok(k + 1) != Some(&Tok::PathSep) {
                continue;
            }
            (word.to_owned(), k + 2)
        } else if word == "super" {
            let mut supers = 0;
            while ident(k + 2 * supers) == Some("super")
                && tok(k + 2 * supers + 1) == Some(&Tok::PathSep)
            {
                supers += 1;
            }
            let here = module.len() + inline.len();
            if supers == 0 || supers != here {
                continue;
            }
            (vec!["super"; supers].join("::"), k + 2 * supers)
        } else {
            continue;
        };
        let line = toks[k].0;
        for name in path_heads(&toks[after..]) {
            let written = format!("{prefix}::{name}");
            out.push(RootRef {
                line,
                name,
                written,
            });
        }
    }
    out
}

/// The first segment of the path that starts at `toks`, or of each item when
/// it is a group `{a, b::c, d::{e, f}}`; `self` in a group is left out.
pub fn path_heads(toks: &[(usize, Tok)]) -> Vec<String> {
    match toks.first().map(|(_, t)| t) {
        Some(Tok::Ident(w)) => vec![w.clone()],
        Some(Tok::Punct('*')) => vec!["*".to_owned()],
        Some(Tok::Punct('{')) => {
            let mut heads = Vec::new();
            let (mut depth, mut item_start) = (0, true);
            for (_, t) in toks {
                match t {
                    Tok::Punct('{') => depth += 1,
                    Tok::Punct('}') => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    Tok::Punct(',') if depth == 1 => item_start = true,
                    Tok::Ident(w) if depth == 1 && item_start => {
                        item_start = false;
                        if w != "self" {
                            heads.push(w.clone());
                        }
                    }
                    _ if depth == 1 => item_start = false,
                    _ => {}
                }
            }
            heads
        }
        _ => Vec::new(),
    }
}

/// Identifiers in `code` naming one of `crates` (`tower_http` names `tower`),
/// with their lines.
pub fn crate_mentions(code: &str, crates: &[&str]) -> Vec<(usize, String)> {
    tokens(code)
        .into_iter()
        .filter_map(|(line, t)| match t {
            Tok::Ident(w)
                if crates.iter().any(|c| {
                    w == *c || w.strip_prefix(c).is_some_and(|rest| rest.starts_with('_'))
                }) =>
            {
                Some((line, w))
            }
            _ => None,
        })
        .collect()
}

/// The SQL shape a string literal has, if any (uppercase keywords only):
/// `SELECT … FROM`, `INSERT INTO`, `UPDATE t SET`, `DELETE FROM`,
/// `CREATE TABLE`.
pub fn sql_pattern(text: &str) -> Option<&'static str> {
    let words: Vec<&str> = text
        .split(|c: char| !is_ident_char(c))
        .filter(|w| !w.is_empty())
        .collect();
    let pair = |a: &str, b: &str| words.windows(2).any(|w| w[0] == a && w[1] == b);
    if let Some(at) = words.iter().position(|w| *w == "SELECT")
        && words[at + 1..].contains(&"FROM")
    {
        return Some("SELECT … FROM");
    }
    if pair("INSERT", "INTO") {
        return Some("INSERT INTO");
    }
    if words.windows(3).any(|w| w[0] == "UPDATE" && w[2] == "SET") {
        return Some("UPDATE … SET");
    }
    if pair("DELETE", "FROM") {
        return Some("DELETE FROM");
    }
    if pair("CREATE", "TABLE") {
        return Some("CREATE TABLE");
    }
    None
}

mod tests {
    use super::*;
    use crate::lex::lex;
    use crate::{IMPURE_CRATES, LIB_CRATE};

    fn names(code: &str, module: &[&str]) -> Vec<String> {
        let module: Vec<String> = module.iter().map(|s| (*s).to_owned()).collect();
        root_refs(&lex(code).code, &module, Some(LIB_CRATE))
            .into_iter()
            .map(|r| r.name)
            .collect()
    }

    #[test]
    fn a_grouped_use_yields_each_item() {
        assert_eq!(
            names(
                "use crate::{store::Store, domain::ids::TenantId};",
                &["api"]
            ),
            ["store", "domain"]
        );
        assert_eq!(
            names(
                "use crate::{\n    self,\n    store::{A, B},\n    ops,\n};",
                &["api"]
            ),
            ["store", "ops"]
        );
    }

    #[test]
    fn paths_anywhere_in_code_count() {
        let code = "fn f() -> crate::app::AppState { let x = crate :: ops::new(); }";
        assert_eq!(names(code, &["api", "auth"]), ["app", "ops"]);
        assert_eq!(names("registrar::cli::run()", &[]), ["cli"]);
        assert!(names("pub(crate) fn f() {}", &["api"]).is_empty());
        assert!(names("use store::crate_name::x;", &["api"]).is_empty());
    }

    #[test]
    fn macro_bodies_count_through_dollar_crate() {
        let code = "macro_rules! m { () => { $crate::store::Store::f() }; }";
        assert_eq!(names(code, &["api"]), ["store"]);
    }

    #[test]
    fn super_counts_only_when_it_reaches_the_crate_root() {
        assert_eq!(names("use super::store::X;", &["api"]), ["store"]);
        assert!(names("use super::error::ApiError;", &["api", "body"]).is_empty());
        assert_eq!(names("use super::super::app;", &["api", "body"]), ["app"]);
        // Inside an inline module, one more `super` is needed.
        let code = "mod tests { fn f() { super::super::Ops::new(); } }\nfn g() { super::super::Ops::new(); }";
        assert_eq!(names(code, &["ops", "rate_limit"]), ["Ops"]);
    }

    #[test]
    fn test_modules_see_only_crate_paths() {
        let code = "use crate::support::*;\nuse registrar::app::AppState;\nuse crate::validation::rsa_jwk;";
        let refs = root_refs(&lex(code).code, &module_path("clients.rs"), None);
        let found: Vec<(usize, &str)> = refs.iter().map(|r| (r.line, r.name.as_str())).collect();
        assert_eq!(found, [(1, "support"), (3, "validation")]);
    }

    #[test]
    fn sql_is_recognised_by_its_uppercase_keywords() {
        for (text, expected) in [
            (
                "SELECT a, b\n FROM clients WHERE x = $1",
                Some("SELECT … FROM"),
            ),
            ("INSERT INTO clients (a) VALUES (?)", Some("INSERT INTO")),
            ("UPDATE clients SET a = 1", Some("UPDATE … SET")),
            ("DELETE FROM clients", Some("DELETE FROM")),
            ("CREATE TABLE t (a INT)", Some("CREATE TABLE")),
            ("select a from b", None),
            ("SELECT a client", None),
            ("the client to UPDATE", None),
        ] {
            assert_eq!(sql_pattern(text), expected, "{text}");
        }
    }

    #[test]
    fn crate_mentions_are_identifiers_only() {
        let code =
            lex("use tower_http::x; // axum\nlet s = \"sqlx\"; let towering = 1; hyper::f();").code;
        assert_eq!(
            crate_mentions(&code, &IMPURE_CRATES),
            [(1, "tower_http".to_owned()), (2, "hyper".to_owned())]
        );
    }

    #[test]
    fn cfg_test_modules_are_found() {
        let code = "#[cfg(test)]\nmod tests;\n#[cfg(test)]\n#[allow(x)]\npub(crate) mod strategy;\n#[cfg(test)]\nmod inline { }\nmod real;";
        assert_eq!(cfg_test_modules(&lex(code).code), ["tests", "strategy"]);
    }
}
