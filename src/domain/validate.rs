//! The create rules of contract §4, applied to a create body or to a client
//! document after a JSON Patch. One function, so both paths enforce the same
//! rules and a patched client is always one that could have been created.
//! The readers of single fields are in `validate/fields.rs`.

mod fields;

pub use fields::is_scope_token;

use super::ValidationError;
use super::client::{
    AppType, AuthMethod, ClientConfig, ConnectionConfig, ConsentMethod, GrantType,
};
use super::public_keys::parse_public_keys;
use super::uris::{check_origin, check_redirect_uri};
use fields::{opt_string, opt_string_list, opt_url, reject_nul, web_only_enum_list};
use serde_json::{Map, Value};

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
    check_field_names(obj)?;
    reject_nul(body, "")?;
    let app_type = parse_app_type(obj)?;
    let client_name = parse_client_name(obj)?;
    let description = opt_string(obj, "description", MAX_DESCRIPTION)?;
    let logo_uri = opt_url(obj, "logoUri")?;
    let client_uri = opt_url(obj, "clientUri")?;
    let redirect_uris = parse_redirect_uris(obj, app_type)?;
    let allowed_origins = parse_origins(obj, app_type)?;
    let allowed_scopes = parse_scopes(obj)?;
    let allowed_grant_types =
        web_only_enum_list(obj, "allowedGrantTypes", app_type, GrantType::parse)?;
    let allowed_auth_methods = parse_auth_methods(obj, app_type)?;
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

/// Every field must be a writable one; read-only fields are named as such.
fn check_field_names(obj: &Map<String, Value>) -> Result<(), ValidationError> {
    for key in obj.keys() {
        if READ_ONLY.contains(&key.as_str()) {
            return Err(ValidationError::new(key, "is read-only and cannot be set"));
        }
        if !WRITABLE.contains(&key.as_str()) {
            return Err(ValidationError::new(key, "is not a known field"));
        }
    }
    Ok(())
}

fn parse_app_type(obj: &Map<String, Value>) -> Result<AppType, ValidationError> {
    match obj.get("appType") {
        None => Err(ValidationError::new("appType", "is required")),
        Some(Value::String(s)) => AppType::parse(s).ok_or_else(|| {
            ValidationError::new(
                "appType",
                "must be one of \"web\", \"native\", \"spa\", \"anonymous-embed\"",
            )
        }),
        Some(_) => Err(ValidationError::new("appType", "must be a string")),
    }
}

fn parse_client_name(obj: &Map<String, Value>) -> Result<String, ValidationError> {
    match opt_string(obj, "clientName", MAX_CLIENT_NAME)? {
        Some(s) if !s.trim().is_empty() => Ok(s),
        Some(_) => Err(ValidationError::new("clientName", "must not be blank")),
        None => Err(ValidationError::new("clientName", "is required")),
    }
}

fn parse_redirect_uris(
    obj: &Map<String, Value>,
    app_type: AppType,
) -> Result<Option<Vec<String>>, ValidationError> {
    let redirect_uris = opt_string_list(obj, "redirectUris", MAX_REDIRECT_URIS)?;
    for (i, uri) in redirect_uris.iter().flatten().enumerate() {
        check_redirect_uri(uri, app_type)
            .map_err(|m| ValidationError::new(format!("redirectUris[{i}]"), m))?;
    }
    Ok(redirect_uris)
}

fn parse_origins(
    obj: &Map<String, Value>,
    app_type: AppType,
) -> Result<Option<Vec<String>>, ValidationError> {
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
    Ok(allowed_origins)
}

fn parse_scopes(obj: &Map<String, Value>) -> Result<Option<Vec<String>>, ValidationError> {
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
    Ok(allowed_scopes)
}

/// A web client authenticates with a client secret unless it lists its
/// methods, and then it must list at least one.
fn parse_auth_methods(
    obj: &Map<String, Value>,
    app_type: AppType,
) -> Result<Option<Vec<AuthMethod>>, ValidationError> {
    let allowed_auth_methods =
        web_only_enum_list(obj, "allowedAuthMethods", app_type, AuthMethod::parse)?;
    if app_type != AppType::Web {
        return Ok(allowed_auth_methods);
    }
    match allowed_auth_methods {
        None => Ok(Some(vec![AuthMethod::ClientSecret])),
        Some(v) if v.is_empty() => Err(ValidationError::new(
            "allowedAuthMethods",
            "must list at least one method",
        )),
        Some(v) => Ok(Some(v)),
    }
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
