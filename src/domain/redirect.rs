//! Redirect URI matching at the authorization endpoint (contract §8): an
//! exact string compare with one of the client's `redirectUris`, except that
//! a `native` client's loopback URI matches with any port (RFC 8252 §7.3);
//! `redirect_uri` may be omitted when exactly one is registered.

use super::client::AppType;

/// Why a redirect URI cannot be trusted; answered with an error page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedirectFault {
    /// The client has no redirect URI at all.
    NoneRegistered,
    /// `redirect_uri` was omitted while several are registered.
    Ambiguous,
    /// `redirect_uri` is not one of the registered ones.
    NotRegistered,
}

/// The loopback literal hosts RFC 8252 §7.3 names (never `localhost`).
const LOOPBACK_PREFIXES: [&str; 2] = ["http://127.0.0.1:", "http://[::1]:"];

/// `uri` without the port of a loopback literal: `http://127.0.0.1:PORT/p`
/// becomes `http://127.0.0.1/p`. `None` when `uri` is not of that shape.
fn without_loopback_port(uri: &str) -> Option<String> {
    for prefix in LOOPBACK_PREFIXES {
        if let Some(rest) = uri.strip_prefix(prefix) {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            let after = &rest[digits..];
            if digits == 0 || digits > 5 || !(after.is_empty() || after.starts_with(['/', '?'])) {
                return None;
            }
            return Some(format!("{}{after}", &prefix[..prefix.len() - 1]));
        }
    }
    None
}

/// Whether the requested `uri` matches the registered `registered`.
pub fn matches(registered: &str, uri: &str, app_type: AppType) -> bool {
    if registered == uri {
        return true;
    }
    if app_type != AppType::Native {
        return false;
    }
    match (
        without_loopback_port(registered),
        without_loopback_port(uri),
    ) {
        (Some(a), Some(b)) => a == b,
        // A registered loopback URI without a port also matches any port.
        (None, Some(b)) => {
            LOOPBACK_PREFIXES
                .iter()
                .any(|p| registered.starts_with(&p[..p.len() - 1]))
                && registered == b
        }
        _ => false,
    }
}

/// The redirect URI to use: the requested one when it matches a registered
/// one (it is used as sent, so a native app gets its own port back), or the
/// only registered one when none was requested.
pub fn resolve(
    requested: Option<&str>,
    registered: &[String],
    app_type: AppType,
) -> Result<String, RedirectFault> {
    match (requested, registered) {
        (_, []) => Err(RedirectFault::NoneRegistered),
        (None, [only]) => Ok(only.clone()),
        (None, _) => Err(RedirectFault::Ambiguous),
        (Some(uri), _) if registered.iter().any(|r| matches(r, uri, app_type)) => {
            Ok(uri.to_owned())
        }
        (Some(_), _) => Err(RedirectFault::NotRegistered),
    }
}

/// The `form-action` CSP source that lets a page's form redirect to `uri`:
/// its origin (with any port for a native loopback URI), or its scheme for a
/// private-use scheme. `None` when nothing safe can be named.
pub fn form_action_source(uri: &str, app_type: AppType) -> Option<String> {
    let url = url::Url::parse(uri).ok()?;
    match url.scheme() {
        "http" | "https" => {
            let host = url.host_str()?;
            if app_type == AppType::Native && without_loopback_port(uri).is_some() {
                return Some(format!("{}://{host}:*", url.scheme()));
            }
            let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
            Some(format!("{}://{host}{port}", url.scheme()))
        }
        scheme
            if scheme
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b)) =>
        {
            Some(format!("{scheme}:"))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // A table of cases, long by design.
    #[allow(clippy::too_many_lines)]
    #[test]
    fn redirect_uris_match_exactly_except_native_loopback_ports() {
        let cases: &[(&str, &str, AppType, bool)] = &[
            (
                "https://a.example/cb",
                "https://a.example/cb",
                AppType::Spa,
                true,
            ),
            (
                "https://a.example/cb",
                "https://a.example/cb/",
                AppType::Spa,
                false,
            ),
            (
                "https://a.example/cb",
                "https://A.example/cb",
                AppType::Web,
                false,
            ),
            (
                "https://a.example/cb",
                "https://a.example/cb?x=1",
                AppType::Web,
                false,
            ),
            (
                "https://a.example/cb",
                "https://a.example:443/cb",
                AppType::Web,
                false,
            ),
            (
                "http://127.0.0.1:5000/cb",
                "http://127.0.0.1:5000/cb",
                AppType::Spa,
                true,
            ),
            (
                "http://127.0.0.1:5000/cb",
                "http://127.0.0.1:6000/cb",
                AppType::Spa,
                false,
            ),
            (
                "http://127.0.0.1:5000/cb",
                "http://127.0.0.1:6000/cb",
                AppType::Native,
                true,
            ),
            (
                "http://127.0.0.1/cb",
                "http://127.0.0.1:6000/cb",
                AppType::Native,
                true,
            ),
            (
                "http://[::1]:5000/cb",
                "http://[::1]:41234/cb",
                AppType::Native,
                true,
            ),
            (
                "http://127.0.0.1:5000/cb",
                "http://127.0.0.1:6000/other",
                AppType::Native,
                false,
            ),
            (
                "http://127.0.0.1:5000/cb",
                "http://[::1]:5000/cb",
                AppType::Native,
                false,
            ),
            (
                "http://localhost:5000/cb",
                "http://localhost:6000/cb",
                AppType::Native,
                false,
            ),
            (
                "http://127.0.0.1:5000/cb",
                "http://127.0.0.1:6000@evil.example/cb",
                AppType::Native,
                false,
            ),
            (
                "http://127.0.0.1:5000/cb",
                "http://127.0.0.1:/cb",
                AppType::Native,
                false,
            ),
            (
                "com.example.app:/cb",
                "com.example.app:/cb",
                AppType::Native,
                true,
            ),
            (
                "com.example.app:/cb",
                "com.example.app:/cb2",
                AppType::Native,
                false,
            ),
        ];
        for (registered, uri, t, ok) in cases {
            assert_eq!(
                matches(registered, uri, *t),
                *ok,
                "{registered} vs {uri} ({t:?})"
            );
        }
    }

    #[test]
    fn resolve_omitted_only_with_exactly_one_registered() {
        let one = vec!["https://a.example/cb".to_owned()];
        let two = vec![
            "https://a.example/cb".to_owned(),
            "https://b.example/cb".to_owned(),
        ];
        assert_eq!(resolve(None, &one, AppType::Spa), Ok(one[0].clone()));
        assert_eq!(
            resolve(None, &two, AppType::Spa),
            Err(RedirectFault::Ambiguous)
        );
        assert_eq!(
            resolve(None, &[], AppType::Spa),
            Err(RedirectFault::NoneRegistered)
        );
        assert_eq!(
            resolve(Some("https://b.example/cb"), &two, AppType::Spa),
            Ok(two[1].clone())
        );
        assert_eq!(
            resolve(Some("https://evil.example/cb"), &two, AppType::Spa),
            Err(RedirectFault::NotRegistered)
        );
        let native = vec!["http://127.0.0.1:1/cb".to_owned()];
        assert_eq!(
            resolve(Some("http://127.0.0.1:5555/cb"), &native, AppType::Native),
            Ok("http://127.0.0.1:5555/cb".to_owned()),
            "the requested port is kept"
        );
    }

    #[test]
    fn form_action_sources_name_the_redirect_origin() {
        assert_eq!(
            form_action_source("https://a.example:8443/cb?x", AppType::Spa).as_deref(),
            Some("https://a.example:8443")
        );
        assert_eq!(
            form_action_source("http://127.0.0.1:5000/cb", AppType::Native).as_deref(),
            Some("http://127.0.0.1:*")
        );
        assert_eq!(
            form_action_source("com.example.app:/cb", AppType::Native).as_deref(),
            Some("com.example.app:")
        );
    }
}
