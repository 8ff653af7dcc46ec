//! Parameters of a token-service request, from a form-encoded or JSON body.

use crate::http::OAuthError;
use crate::http::body::timed_out;
use axum::body::Body;
use axum::http::{HeaderMap, header};
use std::collections::HashMap;

/// Parameters whose value is JSON: in a JSON body they may be an object,
/// which is kept as its JSON text, the form a form-encoded body carries
/// (`user_lookup` of user impersonation, contract §9).
const JSON_VALUED: [&str; 1] = ["user_lookup"];

/// Largest accepted token-service body (assertions with RSA-4096 signatures fit easily).
pub const MAX_BODY: usize = 16 * 1024;

/// Request parameters; each present at most once, empty ones dropped
/// (RFC 6749 §3.1: "parameters sent without a value MUST be treated as if
/// they were omitted").
#[derive(Default)]
pub struct Params(HashMap<String, String>);

/// The parameter names only: values include secrets, assertions and tokens.
impl std::fmt::Debug for Params {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<&str> = self.0.keys().map(String::as_str).collect();
        names.sort_unstable();
        f.debug_tuple("Params").field(&names).finish()
    }
}

impl Params {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    fn insert(&mut self, k: String, v: String) -> Result<(), OAuthError> {
        if self.0.contains_key(&k) {
            return Err(OAuthError::invalid_request(format!(
                "parameter `{k}` is repeated"
            )));
        }
        if !v.is_empty() {
            self.0.insert(k, v);
        }
        Ok(())
    }

    pub async fn read(headers: &HeaderMap, body: Body) -> Result<Params, OAuthError> {
        let media = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                v.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase()
            });
        let bytes =
            axum::body::to_bytes(body, MAX_BODY)
                .await
                .map_err(|e| match timed_out(&e) {
                    Some(t) => OAuthError::body_timeout(t.0),
                    None => OAuthError::invalid_request(format!(
                        "the body must be at most {MAX_BODY} bytes"
                    )),
                })?;
        let mut p = Params::default();
        match media.as_deref() {
            Some("application/x-www-form-urlencoded") => {
                for (k, v) in url::form_urlencoded::parse(&bytes) {
                    p.insert(k.into_owned(), v.into_owned())?;
                }
            }
            Some("application/json") => {
                let v: serde_json::Value = serde_json::from_slice(&bytes)
                    .map_err(|_| OAuthError::invalid_request("the body is not valid JSON"))?;
                let obj = v
                    .as_object()
                    .ok_or_else(|| OAuthError::invalid_request("the body must be a JSON object"))?;
                for (k, v) in obj {
                    let s = match v {
                        serde_json::Value::String(s) => s.clone(),
                        serde_json::Value::Object(_) if JSON_VALUED.contains(&k.as_str()) => {
                            v.to_string()
                        }
                        _ => {
                            return Err(OAuthError::invalid_request(format!(
                                "parameter `{k}` must be a string"
                            )));
                        }
                    };
                    p.insert(k.clone(), s)?;
                }
            }
            _ => {
                return Err(OAuthError::invalid_request(
                    "Content-Type must be application/x-www-form-urlencoded or application/json",
                ));
            }
        }
        Ok(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_lists_names_without_values() {
        let mut p = Params::default();
        p.insert("client_secret".into(), "hunter2hunter2".into())
            .unwrap();
        p.insert("token".into(), "eyJabc".into()).unwrap();
        let shown = format!("{p:?}");
        assert!(
            shown.contains("client_secret") && shown.contains("token"),
            "{shown}"
        );
        assert!(
            !shown.contains("hunter2") && !shown.contains("eyJ"),
            "{shown}"
        );
    }
}
