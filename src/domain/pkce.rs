//! PKCE (RFC 7636) with the `S256` method only: `plain` is refused (OAuth 2.1,
//! RFC 9700 §2.1.1), so a stolen code is useless without the verifier that
//! only the client that started the request holds.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use subtle::ConstantTimeEq;

/// The one supported `code_challenge_method`.
pub const S256: &str = "S256";

/// Why a PKCE parameter is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PkceFault {
    /// `code_challenge` is required for this client and missing.
    Missing,
    /// `plain` or an unknown method.
    Method(String),
    /// The challenge is not 43 characters of base64url (a SHA-256).
    Malformed,
}

impl std::fmt::Display for PkceFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PkceFault::Missing => f.write_str("code_challenge is required (PKCE with S256)"),
            PkceFault::Method(m) => write!(
                f,
                "code_challenge_method `{}` is not supported: use S256",
                m.chars().take(32).collect::<String>()
            ),
            PkceFault::Malformed => {
                f.write_str("code_challenge must be the base64url SHA-256 of the verifier")
            }
        }
    }
}

/// Checks the challenge of an authorization request. `required` for public
/// clients; a method without a challenge is refused too. Returns the
/// challenge to bind to the code, if any.
pub fn check_challenge(
    challenge: Option<&str>,
    method: Option<&str>,
    required: bool,
) -> Result<Option<String>, PkceFault> {
    let Some(challenge) = challenge else {
        return match (method, required) {
            (Some(_), _) | (None, true) => Err(PkceFault::Missing),
            (None, false) => Ok(None),
        };
    };
    // RFC 7636 §4.3: the method defaults to `plain`, which is refused.
    let method = method.unwrap_or("plain");
    if method != S256 {
        return Err(PkceFault::Method(method.to_owned()));
    }
    let ok = challenge.len() == 43
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !ok {
        return Err(PkceFault::Malformed);
    }
    Ok(Some(challenge.to_owned()))
}

/// RFC 7636 §4.1: 43 to 128 characters of `[A-Za-z0-9-._~]`.
fn is_verifier(v: &str) -> bool {
    (43..=128).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}

/// The S256 challenge of a verifier.
pub fn challenge_of(verifier: &str) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes());
    URL_SAFE_NO_PAD.encode(digest.as_ref())
}

/// Whether `verifier` proves the code's `challenge` (constant-time compare).
/// A code bound to no challenge must be redeemed without a verifier, and one
/// bound to a challenge with the right verifier.
pub fn verify(challenge: Option<&str>, verifier: Option<&str>) -> bool {
    match (challenge, verifier) {
        (None, None) => true,
        (Some(c), Some(v)) if is_verifier(v) => {
            challenge_of(v).as_bytes().ct_eq(c.as_bytes()).into()
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s256_matches_the_rfc_7636_example() {
        // RFC 7636 Appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert_eq!(challenge_of(verifier), challenge);
        assert!(verify(Some(challenge), Some(verifier)));
        assert!(!verify(Some(challenge), Some(&verifier.replace('d', "e"))));
        assert!(!verify(Some(challenge), None), "a missing verifier fails");
        assert!(
            !verify(None, Some(verifier)),
            "a verifier for no challenge fails"
        );
        assert!(verify(None, None));
        assert!(
            !verify(Some(challenge), Some("short")),
            "too short to be a verifier"
        );
    }

    #[test]
    fn challenges_must_be_s256_and_present_when_required() {
        let c = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert_eq!(
            check_challenge(Some(c), Some("S256"), true),
            Ok(Some(c.to_owned()))
        );
        assert_eq!(check_challenge(None, None, true), Err(PkceFault::Missing));
        assert_eq!(check_challenge(None, None, false), Ok(None));
        assert_eq!(
            check_challenge(None, Some("S256"), false),
            Err(PkceFault::Missing)
        );
        assert_eq!(
            check_challenge(Some(c), Some("plain"), false),
            Err(PkceFault::Method("plain".into()))
        );
        assert_eq!(
            check_challenge(Some(c), None, true),
            Err(PkceFault::Method("plain".into())),
            "the method defaults to plain, which is refused"
        );
        assert_eq!(
            check_challenge(Some("abc"), Some("S256"), true),
            Err(PkceFault::Malformed)
        );
    }
}
