//! `--set`, `--add`, `--remove`, `--unset` → an RFC 6902 JSON Patch.
//!
//! A scalar `--set` is an `add` (which replaces a member that is set, RFC
//! 6902 §4.1) and `--unset` a `remove`. Lists are written whole: `--set` on a
//! list gives its new items; `--add`/`--remove` start from the item as read
//! from the server and `replace` the list (or `add` it when it was absent),
//! since the API has no per-item list paths.

use crate::client::Error;
use clap::Args;
use serde_json::{Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Scalar,
    List,
}

/// A patchable field: its names on the command line (the API's name first)
/// and its JSON Pointer.
pub struct Field {
    pub names: &'static [&'static str],
    pub path: &'static str,
    pub kind: Kind,
}

/// The edit options every `patch` command shares.
#[derive(Debug, Clone, Args)]
pub struct EditArgs {
    /// Set a field: FIELD=VALUE. On a list field, repeat it for each item
    /// (or give a JSON array); the list becomes exactly those items.
    #[arg(long, value_name = "FIELD=VALUE")]
    pub set: Vec<String>,
    /// Add an item to a list field: FIELD=VALUE (repeatable).
    #[arg(long, value_name = "FIELD=VALUE")]
    pub add: Vec<String>,
    /// Remove an item from a list field: FIELD=VALUE (repeatable).
    #[arg(long, value_name = "FIELD=VALUE")]
    pub remove: Vec<String>,
    /// Remove an optional field altogether: FIELD (repeatable).
    #[arg(long, value_name = "FIELD")]
    pub unset: Vec<String>,
    /// Send this RFC 6902 document as it is (a file, or - for stdin).
    #[arg(long, value_name = "FILE|-", conflicts_with_all = ["set", "add", "remove", "unset"])]
    pub json_patch: Option<String>,
}

impl EditArgs {
    /// True when the list edits need the item as it is now.
    pub fn needs_current(&self) -> bool {
        !self.add.is_empty() || !self.remove.is_empty()
    }

    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
            && self.add.is_empty()
            && self.remove.is_empty()
            && self.unset.is_empty()
    }
}

/// The field a name on the command line means.
pub fn lookup<'a>(fields: &'a [Field], name: &str) -> Result<&'a Field, Error> {
    fields
        .iter()
        .find(|f| f.names.iter().any(|n| n.eq_ignore_ascii_case(name)))
        .ok_or_else(|| {
            let known: Vec<&str> = fields.iter().map(|f| f.names[0]).collect();
            Error::usage(format!(
                "unknown field `{name}`; fields: {}",
                known.join(", ")
            ))
        })
}

fn split(arg: &str) -> Result<(&str, &str), Error> {
    arg.split_once('=')
        .ok_or_else(|| Error::usage(format!("`{arg}` should be FIELD=VALUE")))
}

/// Items of a list `--set`: a JSON array, nothing for an empty value, else
/// the value as one item.
fn list_items(value: &str) -> Result<Vec<Value>, Error> {
    if value.trim_start().starts_with('[') {
        let items: Vec<String> = serde_json::from_str(value)
            .map_err(|_| Error::usage(format!("`{value}` is not a JSON array of strings")))?;
        return Ok(items.into_iter().map(Value::String).collect());
    }
    Ok(if value.is_empty() {
        vec![]
    } else {
        vec![json!(value)]
    })
}

/// Builds the patch; `current` is the item as read (needed for `--add`/`--remove`).
pub fn build(
    fields: &[Field],
    edits: &EditArgs,
    current: Option<&Value>,
) -> Result<Vec<Value>, Error> {
    let mut ops: Vec<Value> = Vec::new();
    let mut seen: Vec<(&str, &str)> = Vec::new();
    let mut claim =
        |path: &'static str, flag: &'static str, repeatable: bool| -> Result<(), Error> {
            match seen.iter().find(|(p, _)| *p == path) {
                Some((_, before)) if *before == flag && repeatable => Ok(()),
                Some((_, before)) => Err(Error::usage(format!(
                    "{path} is edited twice (--{before} and --{flag}); give one"
                ))),
                None => {
                    seen.push((path, flag));
                    Ok(())
                }
            }
        };
    let mut list_sets: Vec<(&'static str, Vec<Value>)> = Vec::new();
    for arg in &edits.set {
        let (name, value) = split(arg)?;
        let f = lookup(fields, name)?;
        if f.kind == Kind::Scalar {
            claim(f.path, "set", false)?;
            ops.push(json!({"op": "add", "path": f.path, "value": value}));
        } else {
            claim(f.path, "set", true)?;
            let items = list_items(value)?;
            match list_sets.iter_mut().find(|(p, _)| *p == f.path) {
                Some((_, all)) => all.extend(items),
                None => list_sets.push((f.path, items)),
            }
        }
    }
    for (path, items) in list_sets {
        ops.push(json!({"op": "add", "path": path, "value": items}));
    }
    for name in &edits.unset {
        let f = lookup(fields, name)?;
        claim(f.path, "unset", false)?;
        ops.push(json!({"op": "remove", "path": f.path}));
    }
    ops.extend(list_edits(fields, edits, current, &mut claim)?);
    if ops.is_empty() {
        return Err(Error::usage(
            "nothing to change: give --set, --add, --remove, --unset or --json-patch",
        ));
    }
    Ok(ops)
}

/// `--add`/`--remove`: each list edited from its current items, removals
/// first (so `--remove old --add new` swaps an item).
fn list_edits(
    fields: &[Field],
    edits: &EditArgs,
    current: Option<&Value>,
    claim: &mut impl FnMut(&'static str, &'static str, bool) -> Result<(), Error>,
) -> Result<Vec<Value>, Error> {
    let mut lists: Vec<(&'static str, bool, Vec<Value>)> = Vec::new();
    let tagged = edits
        .remove
        .iter()
        .map(|a| (a, false))
        .chain(edits.add.iter().map(|a| (a, true)));
    for (arg, adding) in tagged {
        let (name, value) = split(arg)?;
        let f = lookup(fields, name)?;
        if f.kind != Kind::List {
            let flag = if adding { "--add" } else { "--remove" };
            return Err(Error::usage(format!(
                "{flag} is for list fields; use --set {name}=…"
            )));
        }
        claim(f.path, "add/remove", true)?;
        let idx = match lists.iter().position(|(p, _, _)| *p == f.path) {
            Some(i) => i,
            None => {
                let now = current.and_then(|c| c.pointer(f.path));
                let items = now.and_then(Value::as_array).cloned().unwrap_or_default();
                lists.push((f.path, now.is_some(), items));
                lists.len() - 1
            }
        };
        let items = &mut lists[idx].2;
        let item = json!(value);
        if adding {
            if !items.contains(&item) {
                items.push(item);
            }
        } else if let Some(pos) = items.iter().position(|i| *i == item) {
            items.remove(pos);
        } else {
            return Err(Error::other(format!(
                "{} does not contain `{value}`; nothing was changed",
                f.names[0]
            )));
        }
    }
    Ok(lists
        .into_iter()
        .map(|(path, present, items)| {
            let op = if present { "replace" } else { "add" };
            json!({"op": op, "path": path, "value": items})
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIELDS: [Field; 3] = [
        Field {
            names: &["clientName", "name"],
            path: "/clientName",
            kind: Kind::Scalar,
        },
        Field {
            names: &["redirectUris", "redirect-uri"],
            path: "/redirectUris",
            kind: Kind::List,
        },
        Field {
            names: &["consentMethod"],
            path: "/connectionConfig/consentMethod",
            kind: Kind::Scalar,
        },
    ];

    fn edits(set: &[&str], add: &[&str], remove: &[&str], unset: &[&str]) -> EditArgs {
        let v = |a: &[&str]| a.iter().map(|s| (*s).to_owned()).collect();
        EditArgs {
            set: v(set),
            add: v(add),
            remove: v(remove),
            unset: v(unset),
            json_patch: None,
        }
    }

    #[test]
    fn scalars_are_added_lists_set_whole_and_unset_removes() {
        let ops = build(
            &FIELDS,
            &edits(
                &[
                    "name=A=B",
                    "redirect-uri=https://a",
                    "redirectUris=https://b",
                ],
                &[],
                &[],
                &["consentMethod"],
            ),
            None,
        )
        .unwrap();
        assert_eq!(
            Value::Array(ops),
            json!([
                {"op":"add","path":"/clientName","value":"A=B"},
                {"op":"add","path":"/redirectUris","value":["https://a","https://b"]},
                {"op":"remove","path":"/connectionConfig/consentMethod"}
            ])
        );
        let ops = build(
            &FIELDS,
            &edits(&["redirectUris=[\"x\",\"y\"]"], &[], &[], &[]),
            None,
        )
        .unwrap();
        assert_eq!(ops[0]["value"], json!(["x", "y"]));
        let ops = build(&FIELDS, &edits(&["redirectUris="], &[], &[], &[]), None).unwrap();
        assert_eq!(ops[0]["value"], json!([]));
    }

    #[test]
    fn add_and_remove_start_from_the_current_list() {
        let current = json!({"redirectUris":["https://a","https://b"]});
        let ops = build(
            &FIELDS,
            &edits(
                &[],
                &["redirectUris=https://c", "redirectUris=https://a"],
                &["redirectUris=https://b"],
                &[],
            ),
            Some(&current),
        )
        .unwrap();
        assert_eq!(
            Value::Array(ops),
            json!([{"op":"replace","path":"/redirectUris","value":["https://a","https://c"]}])
        );
        let ops = build(
            &FIELDS,
            &edits(&[], &["redirectUris=https://c"], &[], &[]),
            Some(&json!({})),
        )
        .unwrap();
        assert_eq!(ops[0]["op"], "add", "an absent list is added, not replaced");
        let missing = build(
            &FIELDS,
            &edits(&[], &[], &["redirectUris=https://z"], &[]),
            Some(&current),
        );
        assert!(
            missing
                .unwrap_err()
                .to_string()
                .contains("does not contain")
        );
    }

    #[test]
    fn usage_mistakes_are_usage_errors() {
        for (e, why) in [
            (edits(&[], &[], &[], &[]), "nothing to change"),
            (edits(&["nope=1"], &[], &[], &[]), "unknown field"),
            (edits(&["clientName"], &[], &[], &[]), "FIELD=VALUE"),
            (edits(&[], &["name=x"], &[], &[]), "list fields"),
            (edits(&["name=a", "name=b"], &[], &[], &[]), "twice"),
            (
                edits(&["redirectUris=a"], &["redirectUris=b"], &[], &[]),
                "twice",
            ),
            (edits(&["name=a"], &[], &[], &["name"]), "twice"),
        ] {
            let err = build(&FIELDS, &e, Some(&json!({}))).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{why}: {err}");
            assert!(err.to_string().contains(why), "{why}: {err}");
        }
    }
}
