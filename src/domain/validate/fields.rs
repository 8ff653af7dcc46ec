//! Readers of the fields of a client document: optional strings and URLs,
//! lists of distinct strings, the web-only lists of enum values, scope
//! tokens, and the refusal of NUL characters anywhere.

use super::{MAX_LIST_ITEM, MAX_URI};
use crate::domain::ValidationError;
use crate::domain::client::AppType;
use crate::domain::uris::check_web_url;
use serde_json::{Map, Value};
use std::collections::HashSet;

/// RFC 6749 §3.3: `scope-token = 1*( %x21 / %x23-5B / %x5D-7E )`.
pub fn is_scope_token(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_LIST_ITEM
        && s.bytes()
            .all(|b| matches!(b, 0x21 | 0x23..=0x5B | 0x5D..=0x7E))
}

/// NUL characters are never meaningful in a client's configuration, and
/// PostgreSQL cannot store them in text, so they are refused everywhere, with
/// the path of the first string that holds one.
pub(super) fn reject_nul(v: &Value, at: &str) -> Result<(), ValidationError> {
    let nul = || ValidationError::new(at, "must not contain NUL characters");
    match v {
        Value::String(s) if s.contains('\0') => Err(nul()),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, item)| reject_nul(item, &format!("{at}[{i}]"))),
        Value::Object(map) => map.iter().try_for_each(|(k, item)| {
            let path = if at.is_empty() {
                k.clone()
            } else {
                format!("{at}.{k}")
            };
            if k.contains('\0') {
                return Err(ValidationError::new(
                    path,
                    "must not contain NUL characters",
                ));
            }
            reject_nul(item, &path)
        }),
        _ => Ok(()),
    }
}

pub(super) fn opt_string(
    obj: &Map<String, Value>,
    name: &str,
    max: usize,
) -> Result<Option<String>, ValidationError> {
    match obj.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => {
            if s.chars().count() > max {
                return Err(ValidationError::new(
                    name,
                    format!("must be at most {max} characters"),
                ));
            }
            Ok(Some(s.clone()))
        }
        Some(_) => Err(ValidationError::new(name, "must be a string")),
    }
}

pub(super) fn opt_url(
    obj: &Map<String, Value>,
    name: &str,
) -> Result<Option<String>, ValidationError> {
    let v = opt_string(obj, name, MAX_URI)?;
    if let Some(s) = &v {
        check_web_url(s).map_err(|m| ValidationError::new(name, m))?;
    }
    Ok(v)
}

/// An optional array of distinct strings of at most 256 characters each.
pub(super) fn opt_string_list(
    obj: &Map<String, Value>,
    name: &str,
    max_items: usize,
) -> Result<Option<Vec<String>>, ValidationError> {
    let Some(v) = obj.get(name) else {
        return Ok(None);
    };
    let arr = v
        .as_array()
        .ok_or_else(|| ValidationError::new(name, "must be an array of strings"))?;
    if arr.len() > max_items {
        return Err(ValidationError::new(
            name,
            format!("must hold at most {max_items} items"),
        ));
    }
    let mut seen = HashSet::with_capacity(arr.len());
    let mut out = Vec::with_capacity(arr.len());
    for (i, item) in arr.iter().enumerate() {
        let s = item
            .as_str()
            .ok_or_else(|| ValidationError::new(format!("{name}[{i}]"), "must be a string"))?;
        if s.is_empty() || s.chars().count() > MAX_LIST_ITEM {
            return Err(ValidationError::new(
                format!("{name}[{i}]"),
                format!("must be 1 to {MAX_LIST_ITEM} characters"),
            ));
        }
        if !seen.insert(s) {
            return Err(ValidationError::new(
                format!("{name}[{i}]"),
                "is a duplicate",
            ));
        }
        out.push(s.to_owned());
    }
    Ok(Some(out))
}

pub(super) fn web_only_enum_list<T: PartialEq>(
    obj: &Map<String, Value>,
    name: &str,
    app_type: AppType,
    parse: fn(&str) -> Option<T>,
) -> Result<Option<Vec<T>>, ValidationError> {
    let Some(list) = opt_string_list(obj, name, usize::MAX)? else {
        return Ok(None);
    };
    if app_type != AppType::Web {
        return Err(ValidationError::new(
            name,
            "is only allowed for web clients",
        ));
    }
    list.iter()
        .enumerate()
        .map(|(i, s)| {
            parse(s).ok_or_else(|| {
                ValidationError::new(
                    format!("{name}[{i}]"),
                    format!("`{s}` is not a supported value"),
                )
            })
        })
        .collect::<Result<Vec<T>, _>>()
        .map(Some)
}
