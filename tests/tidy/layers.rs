//! The Layers table of ARCHITECTURE.md, and the paths of a `src/` file
//! its layer's row does not allow.

use crate::lex::lex;
use crate::refs::{module_path, root_refs};
use crate::{LIB_CRATE, SourceFile};
use std::collections::{BTreeMap, BTreeSet};

/// The layer of a file of `src/` (path from the repository root): `src/x.rs`
/// is layer `x.rs`, anything under `src/x/` is layer `x/`.
pub fn layer_of(path: &str) -> String {
    let rel = path.trim_start_matches("src/");
    match rel.split_once('/') {
        Some((dir, _)) => format!("{dir}/"),
        None => rel.to_owned(),
    }
}

/// What a layer may import.
#[derive(Debug, PartialEq, Eq)]
pub enum Allowed {
    Every,
    Only(BTreeSet<String>),
}

/// The Layers table of ARCHITECTURE.md: rows `| `layer` | `dep`, `dep` |`
/// under `## Layers`; a row whose second cell says "every layer" allows all.
pub fn parse_layers(md: &str) -> Result<BTreeMap<String, Allowed>, String> {
    let mut lines = md.lines().skip_while(|l| l.trim_end() != "## Layers");
    if lines.next().is_none() {
        return Err("no `## Layers` section".to_owned());
    }
    let section = lines.take_while(|l| !l.starts_with("## "));
    let mut table = BTreeMap::new();
    for row in section.filter(|l| l.trim_start().starts_with('|')) {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let (Some(layer), Some(deps)) = (cells.get(1), cells.get(2)) else {
            continue;
        };
        let names = backticked(layer);
        let [layer] = names.as_slice() else {
            continue;
        };
        let allowed = if deps.contains("every layer") {
            Allowed::Every
        } else {
            Allowed::Only(backticked(deps).into_iter().collect())
        };
        if table.insert(layer.clone(), allowed).is_some() {
            return Err(format!("layer `{layer}` has two rows in the Layers table"));
        }
    }
    if table.is_empty() {
        return Err("the Layers table has no rows".to_owned());
    }
    Ok(table)
}

/// The `code spans` of a table cell.
pub fn backticked(cell: &str) -> Vec<String> {
    cell.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

/// Rows that name a layer the table does not have.
pub fn table_problems(table: &BTreeMap<String, Allowed>) -> Vec<String> {
    let mut out = Vec::new();
    for (layer, allowed) in table {
        if let Allowed::Only(deps) = allowed {
            for dep in deps.iter().filter(|d| !table.contains_key(*d)) {
                out.push(format!(
                    "ARCHITECTURE.md: layer `{layer}` may import `{dep}`, which has no row of its own in the Layers table"
                ));
            }
        }
    }
    out
}

/// What a top-level name of the crate is: the layer `x/` or `x.rs` when one
/// of `layers` (the layers of the files of `src/`), else an item of `lib.rs`.
pub fn layer_named(name: &str, layers: &BTreeSet<String>) -> String {
    [format!("{name}/"), format!("{name}.rs")]
        .into_iter()
        .find(|l| layers.contains(l))
        .unwrap_or_else(|| "lib.rs".to_owned())
}

/// The references of one file of `src/` its layer's row does not allow.
pub fn layer_violations(
    f: &SourceFile,
    table: &BTreeMap<String, Allowed>,
    layers: &BTreeSet<String>,
) -> Vec<String> {
    let layer = layer_of(&f.path);
    let Some(allowed) = table.get(&layer) else {
        return vec![format!(
            "{}:1: layer `{layer}` has no row in the Layers table of ARCHITECTURE.md; add one saying what it may import",
            f.path
        )];
    };
    let Allowed::Only(deps) = allowed else {
        return Vec::new();
    };
    let rel = f.path.trim_start_matches("src/");
    let code = lex(&f.text).code;
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for r in root_refs(&code, &module_path(rel), Some(LIB_CRATE)) {
        let target = layer_named(&r.name, layers);
        if target == layer || deps.contains(&target) || !seen.insert((r.line, target.clone())) {
            continue;
        }
        let may: Vec<String> = deps.iter().map(|d| format!("`{d}`")).collect();
        let may = if may.is_empty() {
            "nothing".to_owned()
        } else {
            may.join(", ")
        };
        out.push(format!(
            "{}:{}: layer `{layer}` imports `{target}` (`{}`); its row allows {may}",
            f.path, r.line, r.written
        ));
    }
    out
}

mod tests {
    use super::*;

    #[test]
    fn files_map_to_layers_and_modules() {
        assert_eq!(layer_of("src/app.rs"), "app.rs");
        assert_eq!(layer_of("src/store/sqlite.rs"), "store/");
        assert_eq!(layer_of("src/lib.rs"), "lib.rs");
        assert_eq!(module_path("api/mod.rs"), ["api"]);
        assert_eq!(module_path("api/auth.rs"), ["api", "auth"]);
        assert!(module_path("lib.rs").is_empty());
        let layers: BTreeSet<String> = ["store/".into(), "app.rs".into()].into();
        assert_eq!(layer_named("store", &layers), "store/");
        assert_eq!(layer_named("app", &layers), "app.rs");
        assert_eq!(layer_named("VERSION", &layers), "lib.rs");
    }

    #[test]
    fn the_layers_table_is_read_from_its_section() {
        let md = "# A\n\n## Layers\n\ntext `not/` a row\n\n| layer | may import |\n| --- | --- |\n| `filter/` | |\n| `domain/` | `filter/` |\n| `lib.rs` | every layer (the module list) |\n\n## Code map\n\n| `other/` | `x/` |\n";
        let table = parse_layers(md).unwrap();
        assert_eq!(table.len(), 3);
        assert_eq!(table["filter/"], Allowed::Only(BTreeSet::new()));
        assert_eq!(
            table["domain/"],
            Allowed::Only(["filter/".to_owned()].into())
        );
        assert_eq!(table["lib.rs"], Allowed::Every);
        assert!(table_problems(&table).is_empty());
        assert!(parse_layers("# no table\n").is_err());
    }

    #[test]
    fn a_path_its_row_does_not_allow_is_named_with_file_and_line() {
        let md = "## Layers\n\n| `domain/` | |\n| `store/` | `domain/` |\n| `api/` | `store/` |\n| `app.rs` | `api/` |\n";
        let table = parse_layers(md).unwrap();
        let layers: BTreeSet<String> = ["domain/", "store/", "api/", "app.rs", "signing/"]
            .map(str::to_owned)
            .into();
        let file = |path: &str, text: &str| SourceFile {
            path: path.to_owned(),
            text: text.to_owned(),
        };
        let api = file(
            "src/api/auth.rs",
            "//! x\nuse crate::{store::Store, app::AppState};\nuse super::error::E;\nfn f() { crate::domain::g() }\n",
        );
        assert_eq!(
            layer_violations(&api, &table, &layers),
            [
                "src/api/auth.rs:2: layer `api/` imports `app.rs` (`crate::app`); its row allows `store/`",
                "src/api/auth.rs:4: layer `api/` imports `domain/` (`crate::domain`); its row allows `store/`",
            ]
        );
        let own = file(
            "src/store/sqlite.rs",
            "use crate::store::X; use crate::domain::Y;",
        );
        assert!(layer_violations(&own, &table, &layers).is_empty());
        let new_room = file("src/signing/mod.rs", "//! x\n");
        assert_eq!(
            layer_violations(&new_room, &table, &layers),
            [
                "src/signing/mod.rs:1: layer `signing/` has no row in the Layers table of ARCHITECTURE.md; add one saying what it may import"
            ]
        );
        let domain = file("src/domain/ids.rs", "use crate::store::S;");
        assert_eq!(
            layer_violations(&domain, &table, &layers),
            [
                "src/domain/ids.rs:1: layer `domain/` imports `store/` (`crate::store`); its row allows nothing"
            ]
        );
    }

    #[test]
    fn a_row_naming_a_layer_without_a_row_is_reported() {
        let table = parse_layers("## Layers\n\n| `api/` | `stor/` |\n").unwrap();
        assert_eq!(
            table_problems(&table),
            [
                "ARCHITECTURE.md: layer `api/` may import `stor/`, which has no row of its own in the Layers table"
            ]
        );
    }
}
