//! Private key files for `registrar login --private-key`: RSA and P-384 keys
//! made with aws-lc, written as PKCS#8 PEM, with their public JWK.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD as B64};
use serde_json::{Value, json};
use std::path::Path;

pub struct KeyFile {
    /// The public JWK to register on the client.
    pub jwk: Value,
    /// The PEM file of the private key.
    pub path: String,
}

fn write_pem(dir: &Path, kid: &str, der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    let pem = format!(
        "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
        lines.join("\n")
    );
    super::write_file(dir, &format!("{kid}.pem"), &pem)
}

impl KeyFile {
    /// A 2048-bit RSA key registered for `alg` (RS256 or RS512).
    pub fn rsa_for(dir: &Path, kid: &str, alg: &str) -> KeyFile {
        use aws_lc_rs::encoding::AsDer;
        use aws_lc_rs::rsa::{KeySize, PublicKeyComponents};
        use aws_lc_rs::signature::{KeyPair, RsaKeyPair};
        let kp = RsaKeyPair::generate(KeySize::Rsa2048).unwrap();
        let c: PublicKeyComponents<Vec<u8>> = kp.public_key().into();
        KeyFile {
            jwk: json!({"kty":"RSA","use":"sig","alg":alg,"kid":kid,"n":B64.encode(&c.n),"e":B64.encode(&c.e)}),
            path: write_pem(dir, kid, kp.as_der().unwrap().as_ref()),
        }
    }

    pub fn rsa(dir: &Path, kid: &str) -> KeyFile {
        Self::rsa_for(dir, kid, "RS256")
    }

    /// A P-384 key for ES384.
    pub fn ec(dir: &Path, kid: &str) -> KeyFile {
        use aws_lc_rs::signature::{ECDSA_P384_SHA384_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
        let rng = aws_lc_rs::rand::SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P384_SHA384_FIXED_SIGNING, &rng).unwrap();
        let kp =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P384_SHA384_FIXED_SIGNING, pkcs8.as_ref()).unwrap();
        let p = kp.public_key().as_ref();
        KeyFile {
            jwk: json!({"kty":"EC","use":"sig","alg":"ES384","kid":kid,"crv":"P-384","x":B64.encode(&p[1..49]),"y":B64.encode(&p[49..97])}),
            path: write_pem(dir, kid, pkcs8.as_ref()),
        }
    }
}
