//! `GET /openapi.json`, the OpenAPI 3 description of every route, and
//! `GET /docs/`, Swagger UI over it, served from files built into the binary
//! (no network needed at build or run time).
//!
//! The description is `docs/openapi.json`, written by hand so the seven
//! reference endpoints match the reference's schemas exactly; a test compares
//! its paths and methods with the router's, and a schemathesis run in CI
//! checks the server against it.

use super::OpsState;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::Value;
use std::sync::{Arc, OnceLock};
use utoipa_swagger_ui::Config;

pub const SPEC_PATH: &str = "/openapi.json";
pub const DOCS_PATH: &str = "/docs";

/// The description as written, with `servers` left to fill in per server.
pub const SPEC: &str = include_str!("../../docs/openapi.json");

/// The parsed description; a unit test proves it parses, so the fallback
/// (an empty object) is never served in practice.
fn spec_value() -> &'static Value {
    static SPEC_VALUE: OnceLock<Value> = OnceLock::new();
    SPEC_VALUE.get_or_init(|| {
        serde_json::from_str(SPEC).unwrap_or_else(|_| Value::Object(Default::default()))
    })
}

/// `GET /openapi.json`: the description, its `servers` naming this server's
/// public URL so "try it out" calls go to the right place.
pub async fn spec(State(state): State<OpsState>) -> Response {
    let mut doc = spec_value().clone();
    doc["servers"] = serde_json::json!([{ "url": &*state.public_url }]);
    axum::Json(doc).into_response()
}

pub async fn docs_redirect() -> Redirect {
    Redirect::permanent("/docs/")
}

pub async fn docs_index() -> Response {
    swagger_file("")
}

pub async fn docs_file(Path(file): Path<String>) -> Response {
    swagger_file(&file)
}

fn swagger_config() -> Arc<Config<'static>> {
    static CONFIG: OnceLock<Arc<Config<'static>>> = OnceLock::new();
    CONFIG
        .get_or_init(|| Arc::new(Config::new([SPEC_PATH]).try_it_out_enabled(true)))
        .clone()
}

fn swagger_file(file: &str) -> Response {
    match utoipa_swagger_ui::serve(file, swagger_config()) {
        Ok(Some(f)) => {
            let mut res = (StatusCode::OK, f.bytes.into_owned()).into_response();
            if let Ok(v) = HeaderValue::from_str(&f.content_type) {
                res.headers_mut().insert(header::CONTENT_TYPE, v);
            }
            if f.gzpipped {
                res.headers_mut()
                    .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            }
            res
        }
        // The finishing step writes the 404 body.
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => {
            tracing::error!(error = %e, "cannot serve Swagger UI file");
            crate::http::ApiError::Internal(anyhow::anyhow!("swagger ui: {e}")).into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_description_is_openapi_3_json_and_the_ui_is_built_in() {
        let v: Value = serde_json::from_str(SPEC).expect("docs/openapi.json is JSON");
        assert!(v["openapi"].as_str().is_some_and(|s| s.starts_with("3.")));
        assert!(v["paths"].as_object().is_some_and(|p| p.len() >= 10));
        let index = utoipa_swagger_ui::serve("", swagger_config())
            .unwrap()
            .unwrap();
        assert!(String::from_utf8_lossy(&index.bytes).contains("swagger-ui"));
        let init = utoipa_swagger_ui::serve("swagger-initializer.js", swagger_config())
            .unwrap()
            .unwrap();
        assert!(String::from_utf8_lossy(&init.bytes).contains(SPEC_PATH));
    }
}
