//! The pure parts of the browser sign-in (authorization code with PKCE,
//! RFC 6749 §4.1, RFC 7636, RFC 8252): the PKCE pair, the authorization URL,
//! reading the redirect's request line, and checking `state` and `iss`
//! (RFC 9207) before the code is used. The sockets are in `loopback.rs`.

use super::Error;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use subtle::ConstantTimeEq as _;

/// The path of the loopback redirect URI.
pub const CALLBACK_PATH: &str = "/callback";

/// A PKCE verifier and its S256 challenge.
pub struct Pkce {
    pub verifier: String,
    pub challenge: String,
}

impl Pkce {
    /// 32 random bytes: a 43-character verifier (RFC 7636 §4.1).
    pub fn generate() -> Result<Pkce, Error> {
        Ok(Pkce::from_verifier(super::random_b64(32)?))
    }

    pub fn from_verifier(verifier: String) -> Pkce {
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes());
        Pkce {
            challenge: B64.encode(digest.as_ref()),
            verifier,
        }
    }
}

/// What goes into the authorization URL.
pub struct AuthorizeRequest<'a> {
    pub endpoint: &'a str,
    pub client_id: &'a str,
    pub redirect_uri: &'a str,
    pub scope: &'a str,
    pub state: &'a str,
    pub challenge: &'a str,
}

impl AuthorizeRequest<'_> {
    pub fn url(&self) -> Result<url::Url, Error> {
        let mut url = url::Url::parse(self.endpoint)
            .map_err(|_| Error::other("the server's authorization_endpoint is not a URL"))?;
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", self.client_id)
            .append_pair("redirect_uri", self.redirect_uri)
            .append_pair("scope", self.scope)
            .append_pair("state", self.state)
            .append_pair("code_challenge", self.challenge)
            .append_pair("code_challenge_method", "S256");
        Ok(url)
    }
}

/// The request line of an HTTP request the browser sent to the loopback
/// listener: its path and decoded query parameters.
#[derive(Debug, PartialEq, Eq)]
pub struct Redirect {
    pub path: String,
    pub params: Vec<(String, String)>,
}

impl Redirect {
    fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Reads `GET /callback?code=…&state=… HTTP/1.1` (the first line of `head`).
pub fn parse_request(head: &str) -> Result<Redirect, String> {
    let line = head.lines().next().unwrap_or("");
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("malformed request line".into());
    };
    if method != "GET" || !version.starts_with("HTTP/1.") {
        return Err(format!("unexpected request `{method} … {version}`"));
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let params = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    Ok(Redirect {
        path: path.to_owned(),
        params,
    })
}

/// Why a redirect did not yield a code.
#[derive(Debug)]
pub enum Refusal {
    /// Not the answer to this sign-in (no or another `state`): ignored, as
    /// anything on this machine can call the loopback port.
    NotOurs,
    /// The answer to this sign-in, but unusable: the sign-in fails.
    Failed(Error),
}

/// Checks a redirect of this sign-in and returns its code. `state` first
/// (so nothing else is believed of a redirect that is not ours), then `iss`
/// (RFC 9207: before an error or a code is believed), then the outcome.
pub fn check_redirect(
    redirect: &Redirect,
    state: &str,
    issuer: Option<&str>,
    iss_required: bool,
) -> Result<String, Refusal> {
    let ours = redirect
        .param("state")
        .is_some_and(|s| bool::from(s.as_bytes().ct_eq(state.as_bytes())));
    if !ours {
        return Err(Refusal::NotOurs);
    }
    match (redirect.param("iss"), issuer) {
        (Some(iss), Some(expected)) if iss != expected => {
            return Err(Refusal::Failed(Error::other(format!(
                "the sign-in answer came from issuer `{}`, not `{expected}` (a mix-up attack?); nothing was stored",
                super::error::clean(iss)
            ))));
        }
        (None, _) if iss_required => {
            return Err(Refusal::Failed(Error::other(
                "the sign-in answer lacks `iss`, which this server promises (RFC 9207); nothing was stored",
            )));
        }
        _ => {}
    }
    if let Some(error) = redirect.param("error") {
        return Err(Refusal::Failed(Error::OAuth {
            status: 302,
            error: super::error::clean(error),
            description: redirect.param("error_description").map(super::error::clean),
        }));
    }
    match redirect.param("code") {
        Some(code) if !code.is_empty() => Ok(code.to_owned()),
        _ => Err(Refusal::Failed(Error::other(
            "the sign-in answer carries no code",
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_challenge_is_s256_of_the_verifier_as_in_rfc_7636_appendix_b() {
        let p = Pkce::from_verifier("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".into());
        assert_eq!(p.challenge, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    }

    #[test]
    fn a_generated_verifier_is_43_unreserved_characters_and_fresh() {
        let (a, b) = (Pkce::generate().unwrap(), Pkce::generate().unwrap());
        assert_eq!(a.verifier.len(), 43);
        assert!(
            a.verifier
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        );
        assert_ne!(a.verifier, b.verifier);
    }

    #[test]
    fn the_authorization_url_carries_every_parameter() {
        let url = AuthorizeRequest {
            endpoint: "https://as.example/oauth/authorize",
            client_id: "native1",
            redirect_uri: "http://127.0.0.1:5555/callback",
            scope: "oauth-clients:read offline_access",
            state: "st",
            challenge: "ch",
        }
        .url()
        .unwrap();
        let q: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("response_type"), Some("code"));
        assert_eq!(get("redirect_uri"), Some("http://127.0.0.1:5555/callback"));
        assert_eq!(get("scope"), Some("oauth-clients:read offline_access"));
        assert_eq!(get("code_challenge_method"), Some("S256"));
        assert_eq!(get("state"), Some("st"));
    }

    #[test]
    fn request_lines_parse_and_decode() {
        let r = parse_request("GET /callback?code=a%2Bb&state=s+1 HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        assert_eq!(r.path, "/callback");
        assert_eq!(r.param("code"), Some("a+b"));
        assert_eq!(r.param("state"), Some("s 1"));
        assert_eq!(
            parse_request("GET /favicon.ico HTTP/1.1").unwrap().path,
            "/favicon.ico"
        );
        for bad in [
            "",
            "POST /callback HTTP/1.1",
            "GET /callback",
            "GET / HTTP/1.1 extra",
            "GET / SPDY/3",
        ] {
            assert!(parse_request(bad).is_err(), "{bad:?} should be refused");
        }
    }

    fn redirect(query: &str) -> Redirect {
        parse_request(&format!("GET /callback?{query} HTTP/1.1")).unwrap()
    }

    #[test]
    fn the_state_must_match_before_anything_else_is_read() {
        for q in [
            "code=c",
            "code=c&state=other",
            "error=access_denied&state=x",
        ] {
            assert!(
                matches!(
                    check_redirect(&redirect(q), "mine", None, false),
                    Err(Refusal::NotOurs)
                ),
                "{q}"
            );
        }
        assert_eq!(
            check_redirect(&redirect("code=c&state=mine"), "mine", None, false).unwrap(),
            "c"
        );
    }

    #[test]
    fn iss_must_name_the_issuer_and_be_present_when_promised() {
        let iss = Some("https://as");
        let ok = check_redirect(
            &redirect("code=c&state=s&iss=https%3A%2F%2Fas"),
            "s",
            iss,
            true,
        );
        assert_eq!(ok.unwrap(), "c");
        let wrong = check_redirect(
            &redirect("code=c&state=s&iss=https%3A%2F%2Fevil"),
            "s",
            iss,
            false,
        );
        assert!(matches!(wrong, Err(Refusal::Failed(e)) if e.to_string().contains("mix-up")));
        let missing = check_redirect(&redirect("code=c&state=s"), "s", iss, true);
        assert!(matches!(missing, Err(Refusal::Failed(_))));
        assert!(check_redirect(&redirect("code=c&state=s"), "s", iss, false).is_ok());
    }

    #[test]
    fn an_error_answer_fails_the_sign_in_with_its_code() {
        let r = check_redirect(
            &redirect("error=access_denied&error_description=no&state=s"),
            "s",
            None,
            false,
        );
        let Err(Refusal::Failed(e)) = r else {
            panic!("a refusal expected")
        };
        assert_eq!(e.oauth_code(), Some("access_denied"));
        assert!(matches!(
            check_redirect(&redirect("state=s"), "s", None, false),
            Err(Refusal::Failed(_))
        ));
    }
}
