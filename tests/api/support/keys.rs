//! Client key pairs for `private_key_jwt` tests: real RSA and P-384 keys made
//! with aws-lc, their public JWK for registration, signing of assertions
//! with jsonwebtoken, as a client would, and posting them to the server.

use super::app::{TestApp, read};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use registrar::domain::ids::random_alnum;
use registrar::domain::time::Timestamp;
use reqwest::StatusCode;
use serde_json::{Value, json};

pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// A client's key pair.
pub struct ClientKey {
    /// The public JWK to register in `publicKeys`.
    pub jwk: Value,
    pub alg: Algorithm,
    encoding: EncodingKey,
}

/// Reads one DER TLV at the start of `der`: (tag, contents, rest).
fn der_tlv(der: &[u8]) -> (u8, &[u8], &[u8]) {
    let tag = der[0];
    let (len, start) = if der[1] & 0x80 == 0 {
        (usize::from(der[1]), 2)
    } else {
        let n = usize::from(der[1] & 0x7f);
        let len = der[2..2 + n]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, 2 + n)
    };
    (tag, &der[start..start + len], &der[start + len..])
}

/// PKCS#8 `PrivateKeyInfo` → the PKCS#1 `RSAPrivateKey` it wraps, which is
/// what jsonwebtoken's `from_rsa_der` takes.
pub fn pkcs8_to_pkcs1(pkcs8: &[u8]) -> Vec<u8> {
    let (_, info, _) = der_tlv(pkcs8);
    let (_, _version, rest) = der_tlv(info);
    let (_, _algorithm, rest) = der_tlv(rest);
    let (tag, key, _) = der_tlv(rest);
    assert_eq!(tag, 0x04, "privateKey OCTET STRING");
    key.to_vec()
}

impl ClientKey {
    /// A 2048-bit RSA key for `RS256` or `RS512`.
    pub fn rsa(kid: &str, alg: Algorithm) -> ClientKey {
        use aws_lc_rs::encoding::AsDer;
        use aws_lc_rs::rsa::{KeySize, PublicKeyComponents};
        use aws_lc_rs::signature::{KeyPair, RsaKeyPair};
        let kp = RsaKeyPair::generate(KeySize::Rsa2048).unwrap();
        let c: PublicKeyComponents<Vec<u8>> = kp.public_key().into();
        let pkcs8 = kp.as_der().unwrap();
        let name = match alg {
            Algorithm::RS256 => "RS256",
            Algorithm::RS512 => "RS512",
            other => panic!("not an RSA algorithm: {other:?}"),
        };
        ClientKey {
            jwk: json!({"kty":"RSA","use":"sig","alg":name,"kid":kid,"n":B64.encode(&c.n),"e":B64.encode(&c.e)}),
            alg,
            encoding: EncodingKey::from_rsa_der(&pkcs8_to_pkcs1(pkcs8.as_ref())),
        }
    }

    /// A P-384 key for `ES384`.
    pub fn ec(kid: &str) -> ClientKey {
        use aws_lc_rs::signature::{ECDSA_P384_SHA384_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
        let rng = aws_lc_rs::rand::SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P384_SHA384_FIXED_SIGNING, &rng).unwrap();
        let kp =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P384_SHA384_FIXED_SIGNING, pkcs8.as_ref()).unwrap();
        let p = kp.public_key().as_ref();
        ClientKey {
            jwk: json!({"kty":"EC","use":"sig","alg":"ES384","kid":kid,"crv":"P-384","x":B64.encode(&p[1..49]),"y":B64.encode(&p[49..97])}),
            alg: Algorithm::ES384,
            encoding: EncodingKey::from_ec_der(pkcs8.as_ref()),
        }
    }

    pub fn kid(&self) -> &str {
        self.jwk["kid"].as_str().unwrap()
    }

    /// The header a careful client sends: `alg`, `kid`, `typ: JWT`.
    pub fn header(&self) -> Header {
        let mut h = Header::new(self.alg);
        h.kid = Some(self.kid().to_owned());
        h.typ = Some("JWT".into());
        h
    }

    pub fn sign_with(&self, header: &Header, claims: &Value) -> String {
        jsonwebtoken::encode(header, claims, &self.encoding).unwrap()
    }

    /// A valid assertion for `client_id` and audience `aud`.
    pub fn assertion(&self, client_id: &str, aud: &str) -> String {
        self.sign_with(&self.header(), &claims(client_id, aud))
    }
}

/// Claims of a valid assertion: two minutes of life and a fresh `jti`.
pub fn claims(client_id: &str, aud: &str) -> Value {
    let now = Timestamp::now().unix_seconds();
    json!({"iss":client_id,"sub":client_id,"aud":aud,"iat":now,"exp":now + 120,"jti":random_alnum(24)})
}

/// A real 2048-bit RSA public key as a JWK.
pub fn rsa_jwk(kid: &str) -> Value {
    use aws_lc_rs::rsa::{KeySize, PublicKeyComponents};
    use aws_lc_rs::signature::{KeyPair, RsaKeyPair};
    let kp = RsaKeyPair::generate(KeySize::Rsa2048).unwrap();
    let c: PublicKeyComponents<Vec<u8>> = kp.public_key().into();
    json!({"kty":"RSA","use":"sig","alg":"RS256","kid":kid,"n":B64.encode(&c.n),"e":B64.encode(&c.e)})
}

/// A real P-384 public key as a JWK.
pub fn ec_jwk(kid: &str) -> Value {
    use aws_lc_rs::signature::{ECDSA_P384_SHA384_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
    let rng = aws_lc_rs::rand::SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P384_SHA384_FIXED_SIGNING, &rng).unwrap();
    let kp = EcdsaKeyPair::from_pkcs8(&ECDSA_P384_SHA384_FIXED_SIGNING, pkcs8.as_ref()).unwrap();
    let p = kp.public_key().as_ref();
    json!({"kty":"EC","use":"sig","alg":"ES384","kid":kid,"crv":"P-384","x":B64.encode(&p[1..49]),"y":B64.encode(&p[49..97])})
}

/// A `web` client allowing `methods`, with `keys` registered and the read scope.
pub async fn key_client(app: &TestApp, methods: &[&str], keys: &[&ClientKey]) -> Value {
    let jwks: Vec<Value> = keys.iter().map(|k| k.jwk.clone()).collect();
    let (status, c) = app
        .create_client(
            &app.admin.token,
            json!({"appType":"web","clientName":"key client","allowedGrantTypes":["client_credentials"],
                   "allowedAuthMethods":methods,"allowedScopes":["oauth-clients:read"],"publicKeys":jwks}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    c
}

/// POSTs a client assertion (with `client_id` in the body when given) to `url`.
pub async fn post_assertion(
    app: &TestApp,
    url: &str,
    client_id: Option<&str>,
    assertion: &str,
    extra: &[(&str, &str)],
) -> (StatusCode, Value) {
    let mut form = vec![
        ("client_assertion_type", ASSERTION_TYPE),
        ("client_assertion", assertion),
    ];
    if let Some(id) = client_id {
        form.push(("client_id", id));
    }
    form.extend_from_slice(extra);
    read(app.http.post(url).form(&form).send().await.unwrap()).await
}
