//! Contract §5 / issue 5: the RFC 8414 metadata lists exactly what is
//! supported, and its endpoints answer.

use crate::support::*;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn metadata_lists_exactly_the_supported_grants_methods_algorithms_and_endpoints() {
    let app = spawn_app().await;
    let (status, meta) = read(
        app.http
            .get(app.url("/.well-known/oauth-authorization-server"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let methods = json!([
        "client_secret_basic",
        "client_secret_post",
        "private_key_jwt"
    ]);
    // Public clients (spa, native) use the token and revocation endpoints
    // with their client_id alone.
    let with_none = json!([
        "client_secret_basic",
        "client_secret_post",
        "private_key_jwt",
        "none"
    ]);
    let algs = json!(["RS256", "RS512", "ES384"]);
    assert_eq!(
        meta["grant_types_supported"],
        json!([
            "authorization_code",
            "refresh_token",
            "client_credentials",
            "urn:qlik:oauth:user-impersonation"
        ])
    );
    assert_eq!(meta["response_types_supported"], json!(["code"]));
    for endpoint in ["token", "introspection", "revocation"] {
        let expected = if endpoint == "introspection" {
            &methods
        } else {
            &with_none
        };
        assert_eq!(
            meta[format!("{endpoint}_endpoint_auth_methods_supported")],
            *expected,
            "{endpoint}"
        );
        assert_eq!(
            meta[format!("{endpoint}_endpoint_auth_signing_alg_values_supported")],
            algs,
            "{endpoint}"
        );
    }
    assert_eq!(meta["token_endpoint"], app.url("/oauth/token"));
    assert_eq!(meta["introspection_endpoint"], app.url("/oauth/introspect"));
    assert_eq!(meta["revocation_endpoint"], app.url("/oauth/revoke"));
    assert_eq!(meta["jwks_uri"], app.url("/oauth/jwks"));
    // Each advertised endpoint exists: POST without credentials is an OAuth
    // error, not a 404 or 405.
    for key in [
        "token_endpoint",
        "introspection_endpoint",
        "revocation_endpoint",
    ] {
        let res = app
            .http
            .post(meta[key].as_str().unwrap())
            .form(&[("token", "x"), ("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap();
        let (status, body) = read(res).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{key}: {body}");
        assert_eq!(body["error"], "invalid_client", "{key}");
    }
}
