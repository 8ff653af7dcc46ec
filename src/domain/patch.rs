//! JSON Patch (RFC 6902) on a client: which operations and paths are allowed,
//! and applying them all-or-nothing.

use super::ValidationError;
use super::client::ClientConfig;
use super::validate::{Mode, parse_config};
use serde_json::Value;

/// Paths an admin may patch, and the JSON type each value must have.
const PATHS: [(&str, ValueKind); 11] = [
    ("/clientName", ValueKind::String),
    ("/description", ValueKind::String),
    ("/logoUri", ValueKind::String),
    ("/clientUri", ValueKind::String),
    ("/allowedScopes", ValueKind::StringArray),
    ("/redirectUris", ValueKind::StringArray),
    ("/allowedOrigins", ValueKind::StringArray),
    ("/allowedGrantTypes", ValueKind::StringArray),
    ("/allowedAuthMethods", ValueKind::StringArray),
    ("/publicKeys", ValueKind::ObjectArray),
    ("/connectionConfig/consentMethod", ValueKind::String),
];

/// The JSON type a patched value must have.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ValueKind {
    String,
    StringArray,
    ObjectArray,
}

impl ValueKind {
    fn accepts(self, v: &Value) -> bool {
        match self {
            ValueKind::String => v.is_string(),
            ValueKind::StringArray => v.as_array().is_some_and(|a| a.iter().all(Value::is_string)),
            ValueKind::ObjectArray => v.as_array().is_some_and(|a| a.iter().all(Value::is_object)),
        }
    }
    fn describe(self) -> &'static str {
        match self {
            ValueKind::String => "a string",
            ValueKind::StringArray => "an array of strings",
            ValueKind::ObjectArray => "an array of key objects",
        }
    }
}

/// A patch document that passed the shape checks; only `apply` can use it.
#[derive(Debug)]
pub struct ClientPatch(json_patch::Patch);

impl ClientPatch {
    /// The operations as JSON, for the audit event of the change (which
    /// redacts secret values).
    pub fn operations(&self) -> Value {
        serde_json::to_value(&self.0).unwrap_or(Value::Null)
    }
}

/// Checks the shape of a patch document: a non-empty array of `add`,
/// `remove` or `replace` operations on allowed paths with well-typed values.
pub fn parse_patch(body: &Value) -> Result<ClientPatch, ValidationError> {
    check_operations(body, &PATHS).map(ClientPatch)
}

/// The shape checks of a patch document against a table of patchable paths
/// and their value types; shared by every patchable resource.
pub(crate) fn check_operations(
    body: &Value,
    paths: &[(&str, ValueKind)],
) -> Result<json_patch::Patch, ValidationError> {
    let ops = body
        .as_array()
        .ok_or_else(|| ValidationError::new("", "the request body must be a JSON Patch array"))?;
    if ops.is_empty() {
        return Err(ValidationError::new(
            "",
            "the patch must contain at least one operation",
        ));
    }
    for (i, op) in ops.iter().enumerate() {
        let at = format!("[{i}]");
        let obj = op
            .as_object()
            .ok_or_else(|| ValidationError::new(at.clone(), "each operation must be an object"))?;
        let name = match obj.get("op") {
            Some(Value::String(s)) => s.as_str(),
            Some(_) => return Err(ValidationError::new(format!("{at}.op"), "must be a string")),
            None => return Err(ValidationError::new(format!("{at}.op"), "is required")),
        };
        if !matches!(name, "add" | "remove" | "replace") {
            return Err(ValidationError::new(
                format!("{at}.op"),
                format!("`{name}` is not supported; use add, remove or replace"),
            ));
        }
        let path = match obj.get("path") {
            Some(Value::String(s)) => s.as_str(),
            Some(_) => {
                return Err(ValidationError::new(
                    format!("{at}.path"),
                    "must be a string",
                ));
            }
            None => return Err(ValidationError::new(format!("{at}.path"), "is required")),
        };
        let Some((_, kind)) = paths.iter().find(|(p, _)| *p == path) else {
            return Err(ValidationError::new(
                format!("{at}.path"),
                format!("`{path}` cannot be patched"),
            ));
        };
        if name != "remove" {
            let value = obj.get("value").ok_or_else(|| {
                ValidationError::new(format!("{at}.value"), format!("is required for {name}"))
            })?;
            if !kind.accepts(value) {
                return Err(ValidationError::new(
                    format!("{at}.value"),
                    format!("must be {} for {path}", kind.describe()),
                ));
            }
        }
    }
    // The shape is known good, so the crate's own parser only sees valid input.
    serde_json::from_value(body.clone())
        .map_err(|e| ValidationError::new("", format!("invalid JSON Patch: {e}")))
}

/// Applies checked operations to a document, all or nothing (the crate
/// undoes what it applied when an operation fails); a failure names the
/// operation and its path.
pub(crate) fn apply_operations(
    doc: &mut Value,
    patch: &json_patch::Patch,
) -> Result<(), ValidationError> {
    json_patch::patch(doc, patch).map_err(|e| {
        let path = patch
            .get(e.operation)
            .map(|op| op.path().to_string())
            .unwrap_or_default();
        ValidationError::new(
            format!("[{}].path", e.operation),
            format!("{path}: {}", e.kind),
        )
    })
}

/// Applies the patch to the client's document and re-runs the create rules on
/// the result. Either every operation applies and the result is valid, or
/// nothing changes.
pub fn apply(current: &ClientConfig, patch: &ClientPatch) -> Result<ClientConfig, ValidationError> {
    let mut doc =
        serde_json::to_value(current).map_err(|e| ValidationError::new("", e.to_string()))?;
    apply_operations(&mut doc, &patch.0)?;
    let next = parse_config(&doc, Mode::Patch)?;
    if next.app_type != current.app_type {
        // Unreachable through PATHS, but the invariant is cheap to keep explicit.
        return Err(ValidationError::new("appType", "cannot be changed"));
    }
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn base() -> ClientConfig {
        parse_config(&json!({"appType":"web","clientName":"A"}), Mode::Create).unwrap()
    }

    #[test]
    fn replace_of_unset_member_fails_and_add_sets_it() {
        let p = parse_patch(&json!([{"op":"replace","path":"/description","value":"d"}])).unwrap();
        assert!(apply(&base(), &p).is_err());
        let p = parse_patch(&json!([{"op":"add","path":"/description","value":"d"}])).unwrap();
        assert_eq!(
            apply(&base(), &p).unwrap().description.as_deref(),
            Some("d")
        );
    }

    #[test]
    fn rejects_bad_shapes() {
        for (body, field) in [
            (json!([]), ""),
            (json!({}), ""),
            (
                json!([{"op":"move","path":"/clientName","from":"/description"}]),
                "[0].op",
            ),
            (
                json!([{"op":"add","path":"/appType","value":"spa"}]),
                "[0].path",
            ),
            (
                json!([{"op":"add","path":"/redirectUris/-","value":"x"}]),
                "[0].path",
            ),
            (
                json!([{"op":"add","path":"/clientName","value":5}]),
                "[0].value",
            ),
            (json!([{"op":"add","path":"/clientName"}]), "[0].value"),
        ] {
            assert_eq!(parse_patch(&body).unwrap_err().field, field, "case {body}");
        }
    }

    #[test]
    fn a_failing_operation_leaves_nothing_applied() {
        let p = parse_patch(&json!([
            {"op":"replace","path":"/clientName","value":"B"},
            {"op":"remove","path":"/description"}
        ]))
        .unwrap();
        let before = base();
        assert!(apply(&before, &p).is_err());
        assert_eq!(before.client_name, "A");
    }
}
