//! Validation of client public keys (JWK subset) used for `private_key_jwt`.

use super::ValidationError;
use super::client::PublicKey;
use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde_json::Value;
use std::collections::HashSet;

/// base64url, accepting values with or without `=` padding.
const B64URL: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The RFC 7638 thumbprint of a registered key (base64url of the SHA-256 of
/// its required members in lexicographic order): what identifies the key
/// itself, whatever its `kid`.
pub fn thumbprint(k: &PublicKey) -> String {
    let s = |v: &Option<String>| v.clone().unwrap_or_default();
    // Validated members are base64url or fixed names: nothing to escape.
    let canonical = match k.kty.as_str() {
        "RSA" => format!(r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#, s(&k.e), s(&k.n)),
        kty => format!(
            r#"{{"crv":"{}","kty":"{kty}","x":"{}","y":"{}"}}"#,
            s(&k.crv),
            s(&k.x),
            s(&k.y)
        ),
    };
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, canonical.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest.as_ref())
}

/// Decodes a base64url JWK member.
pub fn b64url_decode(s: &str) -> Option<Vec<u8>> {
    B64URL.decode(s).ok()
}

const KEY_FIELDS: [&str; 9] = ["e", "n", "x", "y", "alg", "crv", "kid", "kty", "use"];
/// RSA moduli accepted: 2048 bits at least, 4096 at most (contract §4,
/// "Caps": a verification's cost grows with the modulus, and every token
/// request may make one).
pub const RSA_MIN_BITS: usize = 2048;
pub const RSA_MAX_BITS: usize = 4096;
/// The one RSA public exponent accepted (F4, what every library generates);
/// a large exponent would make verification slow.
const RSA_EXPONENT: [u8; 3] = [0x01, 0x00, 0x01];
const MAX_KID_LEN: usize = 256;
/// Upper bound on keys per client, so one request cannot make token
/// verification walk an unbounded list.
pub const MAX_KEYS: usize = 10;

/// Validates the `publicKeys` array of a create request or patched client.
pub fn parse_public_keys(v: &Value) -> Result<Vec<PublicKey>, ValidationError> {
    let arr = v
        .as_array()
        .ok_or_else(|| ValidationError::new("publicKeys", "must be an array of key objects"))?;
    if arr.len() > MAX_KEYS {
        return Err(ValidationError::new(
            "publicKeys",
            format!("must hold at most {MAX_KEYS} keys"),
        ));
    }
    let mut kids = HashSet::new();
    let mut out = Vec::with_capacity(arr.len());
    for (i, item) in arr.iter().enumerate() {
        let key = parse_key(item, &format!("publicKeys[{i}]"))?;
        if !kids.insert(key.kid.clone()) {
            return Err(ValidationError::new(
                format!("publicKeys[{i}].kid"),
                "must be unique within the client",
            ));
        }
        out.push(key);
    }
    Ok(out)
}

fn member<'a>(
    obj: &'a serde_json::Map<String, Value>,
    at: &str,
    name: &str,
) -> Result<Option<&'a str>, ValidationError> {
    match obj.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(ValidationError::new(
            format!("{at}.{name}"),
            "must be a string",
        )),
    }
}

fn required<'a>(
    obj: &'a serde_json::Map<String, Value>,
    at: &str,
    name: &str,
) -> Result<&'a str, ValidationError> {
    member(obj, at, name)?
        .ok_or_else(|| ValidationError::new(format!("{at}.{name}"), "is required"))
}

fn absent(
    obj: &serde_json::Map<String, Value>,
    at: &str,
    names: &[&str],
    kty: &str,
) -> Result<(), ValidationError> {
    for n in names {
        if obj.contains_key(*n) {
            return Err(ValidationError::new(
                format!("{at}.{n}"),
                format!("is not a member of {kty} keys"),
            ));
        }
    }
    Ok(())
}

fn decode(at: &str, name: &str, s: &str) -> Result<Vec<u8>, ValidationError> {
    b64url_decode(s)
        .ok_or_else(|| ValidationError::new(format!("{at}.{name}"), "must be base64url"))
}

fn parse_key(item: &Value, at: &str) -> Result<PublicKey, ValidationError> {
    let obj = item
        .as_object()
        .ok_or_else(|| ValidationError::new(at, "must be a key object"))?;
    if let Some(k) = obj.keys().find(|k| !KEY_FIELDS.contains(&k.as_str())) {
        return Err(ValidationError::new(
            format!("{at}.{k}"),
            "is not a known key member",
        ));
    }
    let kty = required(obj, at, "kty")?;
    let use_ = required(obj, at, "use")?;
    let alg = required(obj, at, "alg")?;
    let kid = required(obj, at, "kid")?;
    if use_ != "sig" {
        return Err(ValidationError::new(format!("{at}.use"), "must be \"sig\""));
    }
    if kid.is_empty() || kid.len() > MAX_KID_LEN {
        return Err(ValidationError::new(
            format!("{at}.kid"),
            format!("must be 1 to {MAX_KID_LEN} characters"),
        ));
    }
    let key = PublicKey {
        e: member(obj, at, "e")?.map(str::to_owned),
        n: member(obj, at, "n")?.map(str::to_owned),
        x: member(obj, at, "x")?.map(str::to_owned),
        y: member(obj, at, "y")?.map(str::to_owned),
        alg: alg.to_owned(),
        crv: member(obj, at, "crv")?.map(str::to_owned),
        kid: kid.to_owned(),
        kty: kty.to_owned(),
        use_: use_.to_owned(),
    };
    match kty {
        "RSA" => check_rsa(obj, at, alg)?,
        "EC" => check_ec(obj, at, alg)?,
        _ => {
            return Err(ValidationError::new(
                format!("{at}.kty"),
                "must be \"RSA\" or \"EC\"",
            ));
        }
    }
    Ok(key)
}

fn check_rsa(
    obj: &serde_json::Map<String, Value>,
    at: &str,
    alg: &str,
) -> Result<(), ValidationError> {
    absent(obj, at, &["crv", "x", "y"], "RSA")?;
    if !matches!(alg, "RS256" | "RS512") {
        return Err(ValidationError::new(
            format!("{at}.alg"),
            "must be RS256 or RS512 for RSA keys",
        ));
    }
    let n = decode(at, "n", required(obj, at, "n")?)?;
    let e = decode(at, "e", required(obj, at, "e")?)?;
    let n = strip_leading_zeros(&n);
    let bits = n.len() * 8 - n.first().map_or(8, |b| b.leading_zeros() as usize);
    if !(RSA_MIN_BITS..=RSA_MAX_BITS).contains(&bits) {
        return Err(ValidationError::new(
            format!("{at}.n"),
            format!("modulus must be {RSA_MIN_BITS} to {RSA_MAX_BITS} bits, found {bits}"),
        ));
    }
    if n.last().is_some_and(|b| b & 1 == 0) {
        return Err(ValidationError::new(
            format!("{at}.n"),
            "is not a valid RSA modulus (even)",
        ));
    }
    if strip_leading_zeros(&e) != RSA_EXPONENT {
        return Err(ValidationError::new(
            format!("{at}.e"),
            "must be 65537 (AQAB)",
        ));
    }
    Ok(())
}

fn check_ec(
    obj: &serde_json::Map<String, Value>,
    at: &str,
    alg: &str,
) -> Result<(), ValidationError> {
    absent(obj, at, &["n", "e"], "EC")?;
    if alg != "ES384" {
        return Err(ValidationError::new(
            format!("{at}.alg"),
            "must be ES384 for EC keys",
        ));
    }
    if required(obj, at, "crv")? != "P-384" {
        return Err(ValidationError::new(
            format!("{at}.crv"),
            "must be \"P-384\"",
        ));
    }
    let x = decode(at, "x", required(obj, at, "x")?)?;
    let y = decode(at, "y", required(obj, at, "y")?)?;
    if x.len() != 48 {
        return Err(ValidationError::new(
            format!("{at}.x"),
            "must be 48 bytes for P-384",
        ));
    }
    if y.len() != 48 {
        return Err(ValidationError::new(
            format!("{at}.y"),
            "must be 48 bytes for P-384",
        ));
    }
    if !is_p384_point(&x, &y) {
        return Err(ValidationError::new(
            format!("{at}.x"),
            "x and y are not a point on P-384",
        ));
    }
    Ok(())
}

fn strip_leading_zeros(b: &[u8]) -> &[u8] {
    let first = b.iter().position(|&x| x != 0).unwrap_or(b.len());
    &b[first..]
}

/// Whether (x, y) is a valid P-384 public point.
///
/// aws-lc validates a peer's point fully before an ECDH agreement, so we run
/// one against a throwaway key rather than doing curve arithmetic ourselves.
fn is_p384_point(x: &[u8], y: &[u8]) -> bool {
    use aws_lc_rs::agreement::{
        ECDH_P384, EphemeralPrivateKey, UnparsedPublicKey, agree_ephemeral,
    };
    let mut point = Vec::with_capacity(97);
    point.push(0x04);
    point.extend_from_slice(x);
    point.extend_from_slice(y);
    let rng = aws_lc_rs::rand::SystemRandom::new();
    let Ok(mine) = EphemeralPrivateKey::generate(&ECDH_P384, &rng) else {
        return false;
    };
    agree_ephemeral(mine, UnparsedPublicKey::new(&ECDH_P384, &point), (), |_| {
        Ok(())
    })
    .is_ok()
}

/// A valid ES384 public key as a JWK, freshly generated: for tests.
#[cfg(test)]
pub(crate) fn generated_p384_jwk(kid: &str) -> serde_json::Value {
    use aws_lc_rs::signature::{ECDSA_P384_SHA384_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
    use base64::Engine;
    let rng = aws_lc_rs::rand::SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P384_SHA384_FIXED_SIGNING, &rng).unwrap();
    let kp = EcdsaKeyPair::from_pkcs8(&ECDSA_P384_SHA384_FIXED_SIGNING, pkcs8.as_ref()).unwrap();
    let p = kp.public_key().as_ref();
    let enc = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    serde_json::json!({"kty":"EC","use":"sig","alg":"ES384","kid":kid,"crv":"P-384",
           "x": enc.encode(&p[1..49]), "y": enc.encode(&p[49..97])})
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ec_key() -> Value {
        super::generated_p384_jwk("ec1")
    }

    #[test]
    fn accepts_a_valid_p384_key_and_rejects_a_point_off_the_curve() {
        let good = ec_key();
        assert!(parse_public_keys(&json!([good.clone()])).is_ok());
        let mut bad = good;
        bad["y"] = json!(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode([7u8; 48]));
        let err = parse_public_keys(&json!([bad])).unwrap_err();
        assert_eq!(err.field, "publicKeys[0].x");
    }

    #[test]
    fn rejects_short_rsa_modulus_and_duplicate_kids() {
        let enc = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let mut n = vec![0xC1u8; 128];
        n[127] |= 1;
        let short =
            json!({"kty":"RSA","use":"sig","alg":"RS256","kid":"r","n":enc.encode(&n),"e":"AQAB"});
        assert_eq!(
            parse_public_keys(&json!([short])).unwrap_err().field,
            "publicKeys[0].n"
        );
        let mut n = vec![0xC1u8; 256];
        n[255] |= 1;
        let ok =
            json!({"kty":"RSA","use":"sig","alg":"RS256","kid":"r","n":enc.encode(&n),"e":"AQAB"});
        assert!(parse_public_keys(&json!([ok.clone()])).is_ok());
        // 4096 bits is the most; one bit more is refused.
        let mut n = vec![0xC1u8; 512];
        n[511] |= 1;
        let biggest =
            json!({"kty":"RSA","use":"sig","alg":"RS512","kid":"b","n":enc.encode(&n),"e":"AQAB"});
        assert!(parse_public_keys(&json!([biggest])).is_ok());
        let mut n = vec![0xC1u8; 513];
        n[0] = 1;
        n[512] |= 1;
        let big =
            json!({"kty":"RSA","use":"sig","alg":"RS512","kid":"b","n":enc.encode(&n),"e":"AQAB"});
        let err = parse_public_keys(&json!([big])).unwrap_err();
        assert_eq!(err.field, "publicKeys[0].n");
        assert!(err.message.contains("4097"), "{err}");
        // e is 65537 only (with or without leading zeros).
        for (e, good) in [
            ("AQAB", true),
            ("AAEAAQ", true),
            ("Aw", false),
            ("AQAD", false),
            ("AQABAQ", false),
        ] {
            let mut key = ok.clone();
            key["e"] = json!(e);
            assert_eq!(parse_public_keys(&json!([key])).is_ok(), good, "e = {e}");
        }
        assert_eq!(
            parse_public_keys(&json!([ok.clone(), ok]))
                .unwrap_err()
                .field,
            "publicKeys[1].kid"
        );
    }
}
