//! The two cookies of a sign-in: the session (who is signed in) and the
//! browser binding (which browser an interaction belongs to). Both are
//! `HttpOnly`, `SameSite=Lax`, `Path=/`; with an https `--public-url` they
//! are `Secure` and carry the `__Host-` prefix (so no subdomain can set or
//! shadow them).

use axum::http::{HeaderMap, HeaderValue, header};

/// The session cookie's name without its prefix.
pub const SESSION: &str = "registrar_session";
/// The browser-binding cookie's name without its prefix.
pub const BROWSER: &str = "registrar_browser";

/// How cookies are named and marked for this server's public URL.
#[derive(Debug, Clone, Copy)]
pub struct CookiePolicy {
    secure: bool,
}

impl CookiePolicy {
    pub fn for_public_url(public_url: &str) -> CookiePolicy {
        CookiePolicy {
            secure: public_url.starts_with("https://"),
        }
    }

    /// The full name of cookie `base`.
    pub fn name(self, base: &str) -> String {
        if self.secure {
            format!("__Host-{base}")
        } else {
            base.to_owned()
        }
    }

    /// The value of cookie `base` in the request, if it is there once.
    pub fn read(self, headers: &HeaderMap, base: &str) -> Option<String> {
        let name = self.name(base);
        let mut found = None;
        for value in headers.get_all(header::COOKIE) {
            let Ok(text) = value.to_str() else { continue };
            for pair in text.split(';') {
                if let Some((k, v)) = pair.trim().split_once('=')
                    && k == name
                {
                    if found.is_some() {
                        // Two cookies of one name: trust neither.
                        return None;
                    }
                    found = Some(v.trim_matches('"').to_owned());
                }
            }
        }
        found
    }

    /// A `Set-Cookie` header for `base` = `value`, living as long as the
    /// browser session (`max_age` seconds when given).
    pub fn set(self, base: &str, value: &str, max_age: Option<i64>) -> HeaderValue {
        let mut c = format!(
            "{}={value}; Path=/; HttpOnly; SameSite=Lax",
            self.name(base)
        );
        if self.secure {
            c.push_str("; Secure");
        }
        if let Some(secs) = max_age {
            c.push_str(&format!("; Max-Age={secs}"));
        }
        HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static(""))
    }

    /// A `Set-Cookie` header that deletes cookie `base`.
    pub fn clear(self, base: &str) -> HeaderValue {
        self.set(base, "", Some(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_cookies_are_secure_host_prefixed_http_ones_are_not() {
        let https = CookiePolicy::for_public_url("https://auth.example");
        let v = https.set(SESSION, "abc", None);
        let v = v.to_str().unwrap();
        assert!(
            v.starts_with("__Host-registrar_session=abc; Path=/; HttpOnly; SameSite=Lax; Secure"),
            "{v}"
        );
        let http = CookiePolicy::for_public_url("http://127.0.0.1:8080");
        let v = http.set(SESSION, "abc", Some(5));
        assert_eq!(
            v.to_str().unwrap(),
            "registrar_session=abc; Path=/; HttpOnly; SameSite=Lax; Max-Age=5"
        );
    }

    #[test]
    fn reads_one_cookie_and_distrusts_duplicates() {
        let p = CookiePolicy::for_public_url("http://x");
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; registrar_session=xyz; b=2"),
        );
        assert_eq!(p.read(&h, SESSION).as_deref(), Some("xyz"));
        h.append(
            header::COOKIE,
            HeaderValue::from_static("registrar_session=other"),
        );
        assert_eq!(p.read(&h, SESSION), None);
        let secure = CookiePolicy::for_public_url("https://x");
        assert_eq!(
            secure.read(&h, SESSION),
            None,
            "the prefixed name is another cookie"
        );
    }
}
