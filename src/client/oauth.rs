//! The OAuth side: discovery (RFC 8414), the token endpoint (client
//! credentials, refresh, authorization code) and revocation (RFC 7009).
//! Client authentication is HTTP Basic with a secret (form-urlencoded first,
//! RFC 6749 §2.3.1), an RFC 7523 assertion, or, for a public client, its
//! `client_id` alone.

use super::error::clean;
use super::{Error, http};
use serde_json::Value;

pub const METADATA_PATH: &str = "/.well-known/oauth-authorization-server";
pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// What the CLI needs of the server's metadata.
#[derive(Debug, Clone)]
pub struct Metadata {
    pub issuer: Option<String>,
    pub token_endpoint: String,
    pub authorization_endpoint: Option<String>,
    pub revocation_endpoint: Option<String>,
    /// RFC 9207: the server puts `iss` on every authorization response.
    pub iss_parameter_supported: bool,
}

impl Metadata {
    pub fn from_json(v: &Value) -> Result<Metadata, Error> {
        let text = |k: &str| v[k].as_str().filter(|s| !s.is_empty()).map(str::to_owned);
        let token_endpoint = text("token_endpoint").ok_or_else(|| {
            Error::other(
                "the server's metadata names no token_endpoint; is --server a Registrar server?",
            )
        })?;
        Ok(Metadata {
            issuer: text("issuer"),
            token_endpoint,
            authorization_endpoint: text("authorization_endpoint"),
            revocation_endpoint: text("revocation_endpoint"),
            iss_parameter_supported: v["authorization_response_iss_parameter_supported"]
                == Value::Bool(true),
        })
    }
}

/// Reads `GET {server}/.well-known/oauth-authorization-server`.
pub async fn discover(client: &reqwest::Client, server: &str) -> Result<Metadata, Error> {
    let res = http::send(client.get(format!("{server}{METADATA_PATH}"))).await?;
    let res = http::check(res).await.map_err(|e| match e {
        Error::Api(a) => Error::other(format!(
            "{server} has no OAuth metadata at {METADATA_PATH} (HTTP {}); is it a Registrar server?",
            a.status
        )),
        other => other,
    })?;
    let bytes = http::body(res).await?;
    let v: Value = serde_json::from_slice(&bytes).map_err(|_| {
        Error::other(format!(
            "the metadata at {server}{METADATA_PATH} is not JSON"
        ))
    })?;
    Metadata::from_json(&v)
}

/// How the client authenticates to the token and revocation endpoints.
pub enum ClientAuth<'a> {
    Secret {
        client_id: &'a str,
        secret: &'a str,
    },
    Assertion {
        client_id: &'a str,
        assertion: String,
    },
    Public {
        client_id: &'a str,
    },
}

impl ClientAuth<'_> {
    fn apply(
        &self,
        request: reqwest::RequestBuilder,
        form: &mut Vec<(String, String)>,
    ) -> reqwest::RequestBuilder {
        match self {
            ClientAuth::Secret { client_id, secret } => {
                let enc = |s: &str| {
                    url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>()
                };
                request.basic_auth(enc(client_id), Some(enc(secret)))
            }
            ClientAuth::Assertion {
                client_id,
                assertion,
            } => {
                form.push(("client_id".into(), (*client_id).to_owned()));
                form.push(("client_assertion_type".into(), ASSERTION_TYPE.into()));
                form.push(("client_assertion".into(), assertion.clone()));
                request
            }
            ClientAuth::Public { client_id } => {
                form.push(("client_id".into(), (*client_id).to_owned()));
                request
            }
        }
    }
}

/// A token answer.
pub struct Grant {
    pub access_token: String,
    /// Unix seconds by the local clock (from `expires_in`, which does not
    /// depend on the two clocks agreeing).
    pub expires_at: i64,
    pub refresh_token: Option<String>,
    pub scope: Option<String>,
}

/// Without `expires_in` a token is taken to live this long.
const DEFAULT_LIFETIME_SECS: i64 = 300;

/// `POST` to the token endpoint with `params` and the client's authentication.
pub async fn token(
    client: &reqwest::Client,
    endpoint: &str,
    auth: &ClientAuth<'_>,
    params: &[(&str, &str)],
) -> Result<Grant, Error> {
    let mut form: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let request = auth.apply(client.post(endpoint), &mut form);
    let sent_at = super::now_unix();
    let res = http::send(request.form(&form)).await?;
    let status = res.status();
    let bytes = http::body(res).await?;
    if !status.is_success() {
        return Err(oauth_error(status.as_u16(), &bytes));
    }
    let v: Value = serde_json::from_slice(&bytes)
        .map_err(|_| Error::other(format!("the token endpoint {endpoint} did not answer JSON")))?;
    let access_token = v["access_token"]
        .as_str()
        .filter(|t| !t.is_empty())
        .ok_or_else(|| Error::other("the token endpoint's answer has no access_token"))?
        .to_owned();
    let expires_in = v["expires_in"].as_i64().unwrap_or(DEFAULT_LIFETIME_SECS);
    Ok(Grant {
        access_token,
        expires_at: sent_at.saturating_add(expires_in),
        refresh_token: v["refresh_token"].as_str().map(str::to_owned),
        scope: v["scope"].as_str().map(str::to_owned),
    })
}

/// `POST` to the revocation endpoint (RFC 7009).
pub async fn revoke(
    client: &reqwest::Client,
    endpoint: &str,
    auth: &ClientAuth<'_>,
    token: &str,
    hint: &str,
) -> Result<(), Error> {
    let mut form = vec![
        ("token".to_owned(), token.to_owned()),
        ("token_type_hint".to_owned(), hint.to_owned()),
    ];
    let request = auth.apply(client.post(endpoint), &mut form);
    let res = http::send(request.form(&form)).await?;
    let status = res.status();
    let bytes = http::body(res).await?;
    if status.is_success() {
        Ok(())
    } else {
        Err(oauth_error(status.as_u16(), &bytes))
    }
}

/// An RFC 6749 §5.2 error body; anything else keeps only the status.
fn oauth_error(status: u16, body: &[u8]) -> Error {
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    Error::OAuth {
        status,
        error: v["error"]
            .as_str()
            .map_or_else(|| "unexpected answer".to_owned(), clean),
        description: v["error_description"].as_str().map(clean),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn metadata_needs_a_token_endpoint_and_reads_the_rest_when_present() {
        assert!(Metadata::from_json(&json!({"issuer":"x"})).is_err());
        let m = Metadata::from_json(&json!({
            "issuer":"https://as","token_endpoint":"https://as/oauth/token",
            "authorization_endpoint":"https://as/oauth/authorize",
            "authorization_response_iss_parameter_supported":true
        }))
        .unwrap();
        assert_eq!(
            m.authorization_endpoint.as_deref(),
            Some("https://as/oauth/authorize")
        );
        assert!(m.iss_parameter_supported);
        assert!(m.revocation_endpoint.is_none());
    }

    #[test]
    fn an_oauth_error_body_is_read_and_anything_else_is_not_echoed() {
        let e = oauth_error(
            401,
            br#"{"error":"invalid_client","error_description":"client authentication failed"}"#,
        );
        assert_eq!(e.oauth_code(), Some("invalid_client"));
        assert!(e.to_string().contains("client authentication failed"));
        let e = oauth_error(502, b"<html>hello</html>");
        assert!(!e.to_string().contains("hello"));
    }
}
