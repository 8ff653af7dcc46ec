//! The security headers of every page, set in one place: a Content Security
//! Policy without inline script (forms may post only to this server, and be
//! redirected on to the client's redirect URI), no framing (clickjacking),
//! no referrer (the URLs carry interaction ids and codes), no MIME sniffing,
//! no caching.

use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// Response extension: the CSP `form-action` sources a page needs beyond
/// `'self'` (the origin of the redirect URI its form ends at).
#[derive(Debug, Clone, Default)]
pub struct FormActions(pub Vec<String>);

/// The Content Security Policy of a page whose forms may end at `extra`.
pub fn content_security_policy(extra: &[String]) -> String {
    let mut form_action = String::from("'self'");
    for source in extra {
        // Sources come from validated redirect URIs; anything that could
        // break out of the directive is left out rather than escaped.
        if !source.is_empty() && !source.contains([';', ',', ' ', '\'', '"']) {
            form_action.push(' ');
            form_action.push_str(source);
        }
    }
    format!(
        "default-src 'none'; style-src 'self'; img-src https: data:; form-action {form_action}; \
         frame-ancestors 'none'; base-uri 'none'"
    )
}

/// Middleware: adds the headers to every response of the pages' router.
pub async fn security_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let extra = res
        .extensions_mut()
        .remove::<FormActions>()
        .unwrap_or_default();
    let csp = content_security_policy(&extra.0);
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&csp) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csp_has_no_inline_script_and_names_the_redirect_origin() {
        let csp =
            content_security_policy(&["https://app.example".into(), "x; script-src *".into()]);
        assert!(csp.contains("default-src 'none'"));
        assert!(
            csp.contains("form-action 'self' https://app.example;"),
            "{csp}"
        );
        assert!(
            !csp.contains("script-src"),
            "an injected directive is dropped: {csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"));
    }
}
