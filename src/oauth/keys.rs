//! The server's access-token signing keys: ES256 keys generated on first
//! start and kept in the store, so every instance signs and verifies with the
//! same set. The newest key signs; every stored key verifies and is published
//! in the JWKS.

use crate::domain::time::Timestamp;
use crate::store::{Store, StoreError, StoredSigningKey};
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Serialize, de::DeserializeOwned};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

pub const ALGORITHM: &str = "ES256";
/// Unknown `kid`s make us re-read the store (another instance may have rotated),
/// but at most this often, so garbage tokens cannot hammer the database.
const RELOAD_INTERVAL: Duration = Duration::from_secs(5);

struct Loaded {
    kid: String,
    encoding: EncodingKey,
    decoding: HashMap<String, DecodingKey>,
    jwks: Value,
    loaded_at: Instant,
}

/// The key set, shared by every request.
#[derive(Clone)]
pub struct KeyRing {
    store: Store,
    inner: Arc<RwLock<Arc<Loaded>>>,
}

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("the token is malformed")]
    Malformed,
    #[error("the token is not signed by a key of this server")]
    UnknownKey,
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Generates a new ES256 key in its stored form; the kid is its RFC 7638
/// thumbprint.
pub fn generate_key(now: Timestamp) -> anyhow::Result<StoredSigningKey> {
    let rng = aws_lc_rs::rand::SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
        .map_err(|_| anyhow::anyhow!("cannot generate an ES256 key"))?;
    let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref())
        .map_err(|_| anyhow::anyhow!("cannot load the generated ES256 key"))?;
    let point = pair.public_key().as_ref();
    let (x, y) = (
        URL_SAFE_NO_PAD.encode(&point[1..33]),
        URL_SAFE_NO_PAD.encode(&point[33..65]),
    );
    let thumb_input = format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#);
    let kid = URL_SAFE_NO_PAD.encode(aws_lc_rs::digest::digest(
        &aws_lc_rs::digest::SHA256,
        thumb_input.as_bytes(),
    ));
    let jwk = json!({"kty":"EC","crv":"P-256","x":x,"y":y,"kid":kid,"use":"sig","alg":ALGORITHM});
    Ok(StoredSigningKey {
        kid,
        algorithm: ALGORITHM.to_owned(),
        private_key: pkcs8.as_ref().to_vec(),
        public_jwk: jwk.to_string(),
        created_at: now,
    })
}

fn load(keys: &[StoredSigningKey]) -> anyhow::Result<Loaded> {
    let newest = keys
        .last()
        .ok_or_else(|| anyhow::anyhow!("no signing key in the store"))?;
    let mut decoding = HashMap::new();
    let mut published = Vec::new();
    for k in keys {
        let jwk: Value = serde_json::from_str(&k.public_jwk)?;
        let (Some(x), Some(y)) = (jwk["x"].as_str(), jwk["y"].as_str()) else {
            anyhow::bail!("stored signing key {} has no x/y", k.kid);
        };
        decoding.insert(k.kid.clone(), DecodingKey::from_ec_components(x, y)?);
        published.push(jwk);
    }
    Ok(Loaded {
        kid: newest.kid.clone(),
        encoding: EncodingKey::from_ec_der(&newest.private_key),
        decoding,
        jwks: json!({ "keys": published }),
        loaded_at: Instant::now(),
    })
}

impl KeyRing {
    /// Loads the stored keys, generating the first one if there is none.
    pub async fn load_or_create(store: Store) -> anyhow::Result<KeyRing> {
        let mut keys = store.signing_keys().await?;
        if keys.is_empty() {
            // Instances starting together on an empty store all get here;
            // the store lets exactly one first key in, and all load it.
            store
                .insert_first_signing_key(&generate_key(Timestamp::now())?)
                .await?;
            keys = store.signing_keys().await?;
        }
        let loaded = load(&keys)?;
        Ok(KeyRing {
            store,
            inner: Arc::new(RwLock::new(Arc::new(loaded))),
        })
    }

    fn current(&self) -> Arc<Loaded> {
        match self.inner.read() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Re-reads the keys from the store (after a rotation elsewhere).
    pub async fn reload(&self) -> anyhow::Result<()> {
        let keys = self.store.signing_keys().await?;
        let loaded = Arc::new(load(&keys)?);
        match self.inner.write() {
            Ok(mut g) => *g = loaded,
            Err(poisoned) => *poisoned.into_inner() = loaded,
        }
        Ok(())
    }

    pub fn jwks(&self) -> Value {
        self.current().jwks.clone()
    }

    /// Signs `claims` with the newest key; `typ` goes in the JOSE header.
    pub fn sign<T: Serialize>(&self, typ: &str, claims: &T) -> anyhow::Result<String> {
        let k = self.current();
        let mut header = Header::new(Algorithm::ES256);
        header.typ = Some(typ.to_owned());
        header.kid = Some(k.kid.clone());
        Ok(jsonwebtoken::encode(&header, claims, &k.encoding)?)
    }

    /// Verifies signature, `typ`, `iss`, `aud` and `exp` of a token we issued.
    pub async fn verify<T: DeserializeOwned>(
        &self,
        token: &str,
        typ: &str,
        issuer: &str,
        audience: &str,
    ) -> Result<T, VerifyError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| VerifyError::Malformed)?;
        if header.alg != Algorithm::ES256 {
            return Err(VerifyError::Invalid("unexpected signing algorithm".into()));
        }
        if !header
            .typ
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case(typ))
        {
            return Err(VerifyError::Invalid(format!(
                "the token type must be {typ}"
            )));
        }
        let kid = header.kid.ok_or(VerifyError::UnknownKey)?;
        let mut k = self.current();
        if !k.decoding.contains_key(&kid) && k.loaded_at.elapsed() >= RELOAD_INTERVAL {
            self.reload()
                .await
                .map_err(|e| VerifyError::Invalid(format!("cannot reload keys: {e}")))?;
            k = self.current();
        }
        let key = k.decoding.get(&kid).ok_or(VerifyError::UnknownKey)?;
        let mut v = Validation::new(Algorithm::ES256);
        v.set_issuer(&[issuer]);
        v.set_audience(&[audience]);
        v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        v.leeway = 5;
        jsonwebtoken::decode::<T>(token, key, &v)
            .map(|d| d.claims)
            .map_err(|e| {
                use jsonwebtoken::errors::ErrorKind;
                VerifyError::Invalid(
                    match e.kind() {
                        ErrorKind::ExpiredSignature => "the token has expired",
                        ErrorKind::InvalidSignature => "the token signature is invalid",
                        ErrorKind::InvalidIssuer => "the token was issued by another server",
                        ErrorKind::InvalidAudience => "the token is for another audience",
                        _ => "the token is invalid",
                    }
                    .to_owned(),
                )
            })
    }
}
