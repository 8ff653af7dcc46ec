//! The create rules of contract §4, applied to a create body or to a client
//! document after a JSON Patch. One function, so both paths enforce the same
//! rules and a patched client is always one that could have been created.

use super::ValidationError;
use super::client::{
    AppType, AuthMethod, ClientConfig, ConnectionConfig, ConsentMethod, GrantType,
};
use super::public_keys::parse_public_keys;
use super::uris::{check_origin, check_redirect_uri, check_web_url};
use serde_json::{Map, Value};
use std::collections::HashSet;

pub const MAX_CLIENT_NAME: usize = 512;
pub const MAX_DESCRIPTION: usize = 4096;
pub const MAX_URI: usize = 2048;
pub const MAX_LIST_ITEM: usize = 256;
pub const MAX_REDIRECT_URIS: usize = 5;
pub const MAX_ORIGINS: usize = 5;
/// Most `allowedScopes` of a client (contract §4, "Caps"): every token
/// request and every token check walks them.
pub const MAX_SCOPES: usize = 100;

/// Fields a create request (or a patched document) may carry.
const WRITABLE: [&str; 12] = [
    "appType",
    "clientName",
    "description",
    "logoUri",
    "clientUri",
    "redirectUris",
    "allowedOrigins",
    "allowedScopes",
    "allowedGrantTypes",
    "allowedAuthMethods",
    "publicKeys",
    "connectionConfig",
];

/// Fields the server owns: sending them is an error rather than silently ignored.
const READ_ONLY: [&str; 8] = [
    "clientId",
    "clientSecret",
    "clientSecrets",
    "createdAt",
    "updatedAt",
    "deletedAt",
    "disableTag",
    "publishedAt",
];

/// Whether the document comes from a create request or from applying a patch.
/// The only difference: on create `consentMethod` may only be `trusted`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Create,
    Patch,
}

/// Validates a whole client document and returns the configuration to store.
pub fn parse_config(body: &Value, mode: Mode) -> Result<ClientConfig, ValidationError> {
    let obj = body
        .as_object()
        .ok_or_else(|| ValidationError::new("", "the request body must be a JSON object"))?;
    for key in obj.keys() {
        if READ_ONLY.contains(&key.as_str()) {
            return Err(ValidationError::new(key, "is read-only and cannot be set"));
        }
        if !WRITABLE.contains(&key.as_str()) {
            return Err(ValidationError::new(key, "is not a known field"));
        }
    }
    reject_nul(body, "")?;
    let app_type = match obj.get("appType") {
        None => return Err(ValidationError::new("appType", "is required")),
        Some(Value::String(s)) => AppType::parse(s).ok_or_else(|| {
            ValidationError::new(
                "appType",
                "must be one of \"web\", \"native\", \"spa\", \"anonymous-embed\"",
            )
        })?,
        Some(_) => return Err(ValidationError::new("appType", "must be a string")),
    };
    let client_name = match opt_string(obj, "clientName", MAX_CLIENT_NAME)? {
        Some(s) if !s.trim().is_empty() => s,
        Some(_) => return Err(ValidationError::new("clientName", "must not be blank")),
        None => return Err(ValidationError::new("clientName", "is required")),
    };
    let description = opt_string(obj, "description", MAX_DESCRIPTION)?;
    let logo_uri = opt_url(obj, "logoUri")?;
    let client_uri = opt_url(obj, "clientUri")?;

    let redirect_uris = opt_string_list(obj, "redirectUris", MAX_REDIRECT_URIS)?;
    for (i, uri) in redirect_uris.iter().flatten().enumerate() {
        check_redirect_uri(uri, app_type)
            .map_err(|m| ValidationError::new(format!("redirectUris[{i}]"), m))?;
    }
    let allowed_origins = opt_string_list(obj, "allowedOrigins", MAX_ORIGINS)?;
    if allowed_origins.is_some() && app_type == AppType::Native {
        return Err(ValidationError::new(
            "allowedOrigins",
            "is not allowed for native clients",
        ));
    }
    for (i, o) in allowed_origins.iter().flatten().enumerate() {
        check_origin(o).map_err(|m| ValidationError::new(format!("allowedOrigins[{i}]"), m))?;
    }
    // The count is checked before any scope is looked at.
    let allowed_scopes = opt_string_list(obj, "allowedScopes", MAX_SCOPES)?;
    for (i, s) in allowed_scopes.iter().flatten().enumerate() {
        if !is_scope_token(s) {
            return Err(ValidationError::new(
                format!("allowedScopes[{i}]"),
                "must be a scope token: printable ASCII without spaces, quotes or backslashes",
            ));
        }
    }

    let allowed_grant_types =
        web_only_enum_list(obj, "allowedGrantTypes", app_type, GrantType::parse)?;
    let mut allowed_auth_methods =
        web_only_enum_list(obj, "allowedAuthMethods", app_type, AuthMethod::parse)?;
    if app_type == AppType::Web {
        match &allowed_auth_methods {
            None => allowed_auth_methods = Some(vec![AuthMethod::ClientSecret]),
            Some(v) if v.is_empty() => {
                return Err(ValidationError::new(
                    "allowedAuthMethods",
                    "must list at least one method",
                ));
            }
            Some(_) => {}
        }
    }
    let public_keys = match obj.get("publicKeys") {
        None => None,
        Some(v) => Some(parse_public_keys(v)?),
    };
    let needs_keys = allowed_auth_methods
        .as_ref()
        .is_some_and(|m| m.contains(&AuthMethod::PrivateKeyJwt));
    if needs_keys && public_keys.as_ref().is_none_or(Vec::is_empty) {
        return Err(ValidationError::new(
            "publicKeys",
            "at least one key is required when private_key_jwt is allowed",
        ));
    }
    let connection_config = parse_connection_config(obj, mode)?;

    Ok(ClientConfig {
        app_type,
        client_name,
        description,
        logo_uri,
        client_uri,
        redirect_uris,
        allowed_origins,
        allowed_scopes,
        allowed_grant_types,
        allowed_auth_methods,
        public_keys,
        connection_config,
    })
}

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
fn reject_nul(v: &Value, at: &str) -> Result<(), ValidationError> {
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

fn opt_string(
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

fn opt_url(obj: &Map<String, Value>, name: &str) -> Result<Option<String>, ValidationError> {
    let v = opt_string(obj, name, MAX_URI)?;
    if let Some(s) = &v {
        check_web_url(s).map_err(|m| ValidationError::new(name, m))?;
    }
    Ok(v)
}

/// An optional array of distinct strings of at most 256 characters each.
fn opt_string_list(
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

fn web_only_enum_list<T: PartialEq>(
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

fn parse_connection_config(
    obj: &Map<String, Value>,
    mode: Mode,
) -> Result<ConnectionConfig, ValidationError> {
    let default = ConnectionConfig {
        consent_method: ConsentMethod::Required,
    };
    let Some(v) = obj.get("connectionConfig") else {
        return Ok(default);
    };
    let cc = v
        .as_object()
        .ok_or_else(|| ValidationError::new("connectionConfig", "must be an object"))?;
    for key in cc.keys() {
        match key.as_str() {
            "consentMethod" => {}
            "status" | "deletedByOwner" => {
                return Err(ValidationError::new(
                    format!("connectionConfig.{key}"),
                    "is read-only and cannot be set",
                ));
            }
            _ => {
                return Err(ValidationError::new(
                    format!("connectionConfig.{key}"),
                    "is not a known field",
                ));
            }
        }
    }
    let consent_method = match cc.get("consentMethod") {
        None => ConsentMethod::Required,
        Some(Value::String(s)) => match (ConsentMethod::parse(s), mode) {
            (Some(ConsentMethod::Trusted), _) => ConsentMethod::Trusted,
            (Some(ConsentMethod::Required), Mode::Patch) => ConsentMethod::Required,
            (_, Mode::Create) => {
                return Err(ValidationError::new(
                    "connectionConfig.consentMethod",
                    "may only be \"trusted\" on create",
                ));
            }
            (None, Mode::Patch) => {
                return Err(ValidationError::new(
                    "connectionConfig.consentMethod",
                    "must be \"required\" or \"trusted\"",
                ));
            }
        },
        Some(_) => {
            return Err(ValidationError::new(
                "connectionConfig.consentMethod",
                "must be a string",
            ));
        }
    };
    Ok(ConnectionConfig { consent_method })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_characters_are_refused_with_their_path() {
        let e = parse_config(
            &serde_json::json!({"appType":"web","clientName":"a","redirectUris":["https://a.example/\0"]}),
            Mode::Create,
        )
        .unwrap_err();
        assert_eq!(e.field, "redirectUris[0]");
        let e = parse_config(
            &serde_json::json!({"appType":"web","clientName":"a\0"}),
            Mode::Create,
        )
        .unwrap_err();
        assert_eq!(e.field, "clientName");
    }
    use serde_json::json;

    fn field_of(v: Value) -> String {
        parse_config(&v, Mode::Create)
            .expect_err("should be rejected")
            .field
    }

    #[test]
    fn minimal_web_client_defaults_to_client_secret_and_required_consent() {
        let c = parse_config(&json!({"appType":"web","clientName":"A"}), Mode::Create).unwrap();
        assert_eq!(c.allowed_auth_methods, Some(vec![AuthMethod::ClientSecret]));
        assert_eq!(c.connection_config.consent_method, ConsentMethod::Required);
        assert!(c.redirect_uris.is_none());
    }

    #[test]
    fn each_rule_names_its_field() {
        let cases = [
            (json!({"clientName":"A"}), "appType"),
            (json!({"appType":"web"}), "clientName"),
            (json!({"appType":"web","clientName":"  "}), "clientName"),
            (json!({"appType":"desktop","clientName":"A"}), "appType"),
            (
                json!({"appType":"web","clientName":"A","clientId":"x"}),
                "clientId",
            ),
            (json!({"appType":"web","clientName":"A","bogus":1}), "bogus"),
            (
                json!({"appType":"web","clientName":"A","description":null}),
                "description",
            ),
            (
                json!({"appType":"spa","clientName":"A","allowedGrantTypes":["client_credentials"]}),
                "allowedGrantTypes",
            ),
            (
                json!({"appType":"native","clientName":"A","allowedOrigins":["https://a.com"]}),
                "allowedOrigins",
            ),
            (
                json!({"appType":"web","clientName":"A","allowedScopes":["a b"]}),
                "allowedScopes[0]",
            ),
            (
                json!({"appType":"web","clientName":"A","allowedScopes":["a","a"]}),
                "allowedScopes[1]",
            ),
            (
                json!({"appType":"web","clientName":"A","allowedScopes":(0..=MAX_SCOPES).map(|i| format!("s{i}")).collect::<Vec<_>>()}),
                "allowedScopes",
            ),
            (
                json!({"appType":"web","clientName":"A","allowedAuthMethods":["private_key_jwt"]}),
                "publicKeys",
            ),
            (
                json!({"appType":"web","clientName":"A","connectionConfig":{"consentMethod":"required"}}),
                "connectionConfig.consentMethod",
            ),
            (
                json!({"appType":"web","clientName":"A","redirectUris":["a","b","c","d","e","f"]}),
                "redirectUris",
            ),
        ];
        for (body, field) in cases {
            assert_eq!(field_of(body.clone()), field, "case {body}");
        }
    }

    #[test]
    fn patch_mode_allows_required_consent() {
        let v = json!({"appType":"web","clientName":"A","connectionConfig":{"consentMethod":"required"}});
        assert!(parse_config(&v, Mode::Patch).is_ok());
    }
}
