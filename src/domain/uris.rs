//! URI rules: redirect URIs (RFC 6749 §3.1.2, RFC 8252), CORS origins and the
//! informational `logoUri` / `clientUri`.

use super::client::AppType;
use url::{Host, Url};

fn is_loopback(host: Option<Host<&str>>) -> bool {
    match host {
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip == std::net::Ipv4Addr::LOCALHOST,
        Some(Host::Ipv6(ip)) => ip == std::net::Ipv6Addr::LOCALHOST,
        None => false,
    }
}

/// Checks one redirect URI for a client of `app_type`; `Err` says why not.
///
/// Absolute, no fragment; `https`, or `http` only on a loopback host; native
/// apps may also use a private-use scheme, which RFC 8252 §7.1 wants to be a
/// reverse domain name (so it must contain a dot).
pub fn check_redirect_uri(raw: &str, app_type: AppType) -> Result<(), &'static str> {
    if raw.contains('#') {
        return Err("must not contain a fragment");
    }
    if raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("must not contain whitespace or control characters");
    }
    let url = Url::parse(raw).map_err(|_| "must be an absolute URI")?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not contain user information");
    }
    match url.scheme() {
        "https" => {
            if url.host().is_none() {
                return Err("must have a host");
            }
            Ok(())
        }
        "http" if is_loopback(url.host()) => Ok(()),
        "http" => Err("http is allowed only for loopback hosts (localhost, 127.0.0.1, [::1])"),
        scheme if app_type == AppType::Native && scheme.contains('.') => Ok(()),
        _ if app_type == AppType::Native => Err(
            "must use https, http on a loopback host, or a private-use scheme such as com.example.app:/callback",
        ),
        _ => Err("must use https, or http on a loopback host"),
    }
}

/// Checks that `raw` is an origin and nothing more: `scheme://host[:port]`.
pub fn check_origin(raw: &str) -> Result<(), &'static str> {
    const SHAPE: &str = "must be an origin (scheme://host[:port]) with nothing after it";
    let (scheme, rest) = raw.split_once("://").ok_or(SHAPE)?;
    if !matches!(scheme, "https" | "http") {
        return Err("must use the http or https scheme");
    }
    if rest.is_empty()
        || rest.contains(['/', '?', '#', '@', '\\'])
        || rest.chars().any(char::is_whitespace)
    {
        return Err(SHAPE);
    }
    let url = Url::parse(raw).map_err(|_| SHAPE)?;
    if url.host().is_none() {
        return Err(SHAPE);
    }
    Ok(())
}

/// Checks an informational link (`logoUri`, `clientUri`): an absolute http(s) URL.
pub fn check_web_url(raw: &str) -> Result<(), &'static str> {
    if raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("must not contain whitespace or control characters");
    }
    let url = Url::parse(raw).map_err(|_| "must be an absolute URL")?;
    if !matches!(url.scheme(), "https" | "http") || url.host().is_none() {
        return Err("must be an http or https URL with a host");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uri_rules() {
        let cases: &[(&str, AppType, bool)] = &[
            ("https://app.example.com/cb", AppType::Web, true),
            ("http://localhost:3000/cb", AppType::Web, true),
            ("http://127.0.0.1/cb", AppType::Spa, true),
            ("http://[::1]:8080/cb", AppType::Native, true),
            ("http://example.com/cb", AppType::Web, false),
            ("https://example.com/cb#frag", AppType::Web, false),
            ("/relative/cb", AppType::Web, false),
            ("com.example.app:/callback", AppType::Native, true),
            ("com.example.app:/callback", AppType::Web, false),
            ("myapp:/callback", AppType::Native, false),
            ("https://user:pw@example.com/cb", AppType::Web, false),
            ("javascript:alert(1)", AppType::Native, false),
        ];
        for (uri, t, ok) in cases {
            assert_eq!(check_redirect_uri(uri, *t).is_ok(), *ok, "{uri} for {t:?}");
        }
    }

    #[test]
    fn origin_rules() {
        for ok in [
            "https://qlik.com",
            "http://localhost:3000",
            "https://a.b.example:8443",
        ] {
            assert!(check_origin(ok).is_ok(), "{ok}");
        }
        for bad in [
            "https://qlik.com/",
            "https://qlik.com/path",
            "qlik.com",
            "ftp://qlik.com",
            "https://",
            "https://a.com?x=1",
        ] {
            assert!(check_origin(bad).is_err(), "{bad}");
        }
    }
}
