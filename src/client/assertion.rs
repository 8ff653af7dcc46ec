//! `private_key_jwt` (RFC 7523): reads a client's private key (PEM or DER:
//! PKCS#8, PKCS#1 RSA, SEC1 EC) and signs client assertions with it, RS256,
//! RS512 or ES384 as the server accepts (contract §5).
//!
//! Signing is done with aws-lc-rs directly, which reads every one of those
//! key formats; the JWT around the signature is three base64url parts.

use super::Error;
use aws_lc_rs::signature::{
    ECDSA_P384_SHA384_FIXED_SIGNING, EcdsaKeyPair, RSA_PKCS1_SHA256, RSA_PKCS1_SHA512, RsaKeyPair,
};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD as B64};
use serde_json::json;
use std::path::Path;

/// An assertion lives this long: the server takes at most 5 minutes.
pub const LIFETIME_SECS: i64 = 120;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alg {
    Rs256,
    Rs512,
    Es384,
}

impl Alg {
    pub fn parse(s: &str) -> Result<Alg, Error> {
        match s.to_ascii_uppercase().as_str() {
            "RS256" => Ok(Alg::Rs256),
            "RS512" => Ok(Alg::Rs512),
            "ES384" => Ok(Alg::Es384),
            _ => Err(Error::usage(format!(
                "unsupported algorithm `{s}`: use RS256, RS512 or ES384"
            ))),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Alg::Rs256 => "RS256",
            Alg::Rs512 => "RS512",
            Alg::Es384 => "ES384",
        }
    }
}

/// A loaded private key with the algorithm it signs with.
pub enum SigningKey {
    Rsa(RsaKeyPair, Alg),
    Ec(EcdsaKeyPair),
}

impl SigningKey {
    /// Reads `path`; `alg` picks RS256 or RS512 for an RSA key (RS256 by
    /// default) and must be ES384, or absent, for a P-384 key.
    pub fn load(path: &Path, alg: Option<Alg>) -> Result<SigningKey, Error> {
        let bytes = std::fs::read(path).map_err(|e| {
            Error::other(format!(
                "cannot read the private key {}: {e}",
                path.display()
            ))
        })?;
        let (label, der) =
            decode_pem(&bytes).map_err(|why| Error::other(format!("{}: {why}", path.display())))?;
        from_der(label.as_deref(), &der, alg)
            .map_err(|why| Error::other(format!("{}: {why}", path.display())))
    }

    pub fn alg(&self) -> Alg {
        match self {
            SigningKey::Rsa(_, alg) => *alg,
            SigningKey::Ec(_) => Alg::Es384,
        }
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        let rng = aws_lc_rs::rand::SystemRandom::new();
        let failed = |_| Error::other("signing the client assertion failed");
        match self {
            SigningKey::Rsa(key, alg) => {
                let padding = if *alg == Alg::Rs512 {
                    &RSA_PKCS1_SHA512
                } else {
                    &RSA_PKCS1_SHA256
                };
                let mut sig = vec![0u8; key.public_modulus_len()];
                key.sign(padding, &rng, message, &mut sig).map_err(failed)?;
                Ok(sig)
            }
            SigningKey::Ec(key) => Ok(key.sign(&rng, message).map_err(failed)?.as_ref().to_vec()),
        }
    }

    /// A client assertion: `iss` = `sub` = the client id, `aud` the token
    /// endpoint, two minutes of life, a random `jti`.
    pub fn assertion(
        &self,
        client_id: &str,
        kid: Option<&str>,
        aud: &str,
        now: i64,
    ) -> Result<String, Error> {
        let mut header = json!({"alg": self.alg().name(), "typ": "JWT"});
        if let Some(kid) = kid {
            header["kid"] = json!(kid);
        }
        let claims = json!({
            "iss": client_id,
            "sub": client_id,
            "aud": aud,
            "iat": now,
            "exp": now + LIFETIME_SECS,
            "jti": super::random_b64(24)?,
        });
        let input = format!(
            "{}.{}",
            B64.encode(header.to_string()),
            B64.encode(claims.to_string())
        );
        let sig = self.sign(input.as_bytes())?;
        Ok(format!("{input}.{}", B64.encode(sig)))
    }
}

fn from_der(label: Option<&str>, der: &[u8], alg: Option<Alg>) -> Result<SigningKey, String> {
    let rsa = |key: RsaKeyPair| match alg {
        None | Some(Alg::Rs256) => Ok(SigningKey::Rsa(key, Alg::Rs256)),
        Some(Alg::Rs512) => Ok(SigningKey::Rsa(key, Alg::Rs512)),
        Some(Alg::Es384) => Err("an RSA key signs RS256 or RS512, not ES384".to_owned()),
    };
    let ec = |key: EcdsaKeyPair| match alg {
        None | Some(Alg::Es384) => Ok(SigningKey::Ec(key)),
        Some(other) => Err(format!("a P-384 key signs ES384, not {}", other.name())),
    };
    match label {
        Some("RSA PRIVATE KEY") => RsaKeyPair::from_der(der)
            .map_err(|e| format!("not a usable RSA private key ({e})"))
            .and_then(rsa),
        Some("EC PRIVATE KEY") => {
            EcdsaKeyPair::from_private_key_der(&ECDSA_P384_SHA384_FIXED_SIGNING, der)
                .map_err(|e| {
                    format!("not a usable P-384 private key ({e}); only P-384 (ES384) is supported")
                })
                .and_then(ec)
        }
        Some("ENCRYPTED PRIVATE KEY") => Err(
            "the key is encrypted; decrypt it first (`openssl pkcs8 -in KEY -out PLAIN`)"
                .to_owned(),
        ),
        Some("PRIVATE KEY") | None => {
            if let Ok(key) = RsaKeyPair::from_pkcs8(der) {
                return rsa(key);
            }
            if let Ok(key) =
                EcdsaKeyPair::from_private_key_der(&ECDSA_P384_SHA384_FIXED_SIGNING, der)
            {
                return ec(key);
            }
            if let Ok(key) = RsaKeyPair::from_der(der) {
                return rsa(key);
            }
            Err("not an RSA (2048 bits or more) or P-384 private key in PKCS#8, PKCS#1 or SEC1 form".to_owned())
        }
        Some(other) => Err(format!("a PEM block `{other}` is not a private key")),
    }
}

/// The label and DER of the first PEM private-key block, or the bytes as
/// they are when they are not PEM.
fn decode_pem(bytes: &[u8]) -> Result<(Option<String>, Vec<u8>), String> {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Ok((None, bytes.to_vec()));
    };
    let Some(start) = text.find("-----BEGIN ") else {
        return Ok((None, bytes.to_vec()));
    };
    let rest = &text[start + "-----BEGIN ".len()..];
    let label_end = rest.find("-----").ok_or("a PEM header is not closed")?;
    let label = &rest[..label_end];
    let body_and_end = &rest[label_end + 5..];
    let end_marker = format!("-----END {label}-----");
    let body_end = body_and_end
        .find(&end_marker)
        .ok_or_else(|| format!("the PEM block `{label}` has no end line"))?;
    let b64: String = body_and_end[..body_end]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let der = STANDARD
        .decode(b64)
        .map_err(|_| format!("the PEM block `{label}` is not valid base64"))?;
    Ok((Some(label.to_owned()), der))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::encoding::AsDer as _;
    use aws_lc_rs::signature::KeyPair as _;

    fn pem(label: &str, der: &[u8]) -> Vec<u8> {
        let b64 = STANDARD.encode(der);
        let lines: Vec<&str> = b64
            .as_bytes()
            .chunks(64)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        format!(
            "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
            lines.join("\n")
        )
        .into_bytes()
    }

    fn parts(jwt: &str) -> (serde_json::Value, serde_json::Value, Vec<u8>) {
        let p: Vec<&str> = jwt.split('.').collect();
        let j = |s: &str| serde_json::from_slice(&B64.decode(s).unwrap()).unwrap();
        (j(p[0]), j(p[1]), B64.decode(p[2]).unwrap())
    }

    #[test]
    fn an_es384_assertion_verifies_with_the_public_key() {
        let rng = aws_lc_rs::rand::SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P384_SHA384_FIXED_SIGNING, &rng).unwrap();
        let (label, der) = decode_pem(&pem("PRIVATE KEY", pkcs8.as_ref())).unwrap();
        let key = from_der(label.as_deref(), &der, None).unwrap();
        let jwt = key
            .assertion("cid", Some("k1"), "https://as/oauth/token", 1000)
            .unwrap();
        let (header, claims, sig) = parts(&jwt);
        assert_eq!(header, json!({"alg":"ES384","typ":"JWT","kid":"k1"}));
        assert_eq!(claims["iss"], "cid");
        assert_eq!(claims["sub"], "cid");
        assert_eq!(claims["aud"], "https://as/oauth/token");
        assert_eq!(claims["exp"], 1000 + LIFETIME_SECS);
        assert!(claims["jti"].as_str().unwrap().len() >= 32);
        let SigningKey::Ec(pair) = &key else {
            panic!("EC key expected")
        };
        let public = aws_lc_rs::signature::UnparsedPublicKey::new(
            &aws_lc_rs::signature::ECDSA_P384_SHA384_FIXED,
            pair.public_key().as_ref(),
        );
        let input = jwt.rsplit_once('.').unwrap().0;
        public.verify(input.as_bytes(), &sig).unwrap();
    }

    #[test]
    fn an_rsa_key_signs_rs256_by_default_and_rs512_when_asked_but_never_es384() {
        let pair = RsaKeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
        let der = pair.as_der().unwrap();
        let key = from_der(Some("PRIVATE KEY"), der.as_ref(), None).unwrap();
        assert_eq!(key.alg(), Alg::Rs256);
        let key = from_der(None, der.as_ref(), Some(Alg::Rs512)).unwrap();
        assert_eq!(key.alg(), Alg::Rs512);
        let (header, _, sig) = parts(&key.assertion("c", None, "a", 0).unwrap());
        assert_eq!(header["alg"], "RS512");
        assert!(header.get("kid").is_none());
        assert_eq!(sig.len(), 256);
        assert!(from_der(None, der.as_ref(), Some(Alg::Es384)).is_err());
    }

    #[test]
    fn unusable_key_files_get_a_reason() {
        for (bytes, reason) in [
            (pem("ENCRYPTED PRIVATE KEY", b"x"), "encrypted"),
            (pem("CERTIFICATE", b"x"), "not a private key"),
            (
                b"-----BEGIN PRIVATE KEY-----\n!!\n-----END PRIVATE KEY-----".to_vec(),
                "base64",
            ),
            (
                b"-----BEGIN PRIVATE KEY-----\nAAAA\n".to_vec(),
                "no end line",
            ),
            (b"garbage".to_vec(), "not an RSA"),
        ] {
            let why =
                decode_pem(&bytes).and_then(|(l, d)| from_der(l.as_deref(), &d, None).map(|_| ()));
            let why = why.expect_err(reason);
            assert!(why.contains(reason), "{why} should say {reason}");
        }
    }

    #[test]
    fn algorithm_names_parse_case_insensitively() {
        assert_eq!(Alg::parse("rs512").unwrap(), Alg::Rs512);
        assert!(Alg::parse("HS256").is_err());
    }
}
