//! The key ring: the server's ES256 access-token signing keys, kept in the
//! store so every instance signs and verifies with the same set.
//!
//! Each running server re-reads the keys every [`REFRESH_INTERVAL`], so it
//! starts signing with a rotated key without a restart. Which key signs and
//! how long a retired one stays published is the policy of
//! `domain::signing_keys`, applied here on every load.

use super::claims::{ACCESS_TOKEN_TYPE, AccessClaims};
use super::verified::VerifiedTokens;
use crate::domain::key_wrap::{self, Kek, signing_key_aad};
use crate::domain::signing_keys::{
    ALGORITHM, MAX_VIEW_AGE, REFRESH_INTERVAL, StoredSigningKey, key_statuses,
};
use crate::domain::time::Timestamp;
use crate::store::{Store, StoreError};
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::{Serialize, de::DeserializeOwned};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// Unknown `kid`s make us re-read the store at once (another instance may know
/// a key we do not yet), but at most this often, so garbage tokens cannot
/// hammer the database.
const RELOAD_ON_UNKNOWN_KID: Duration = Duration::from_secs(5);

struct Signer {
    kid: String,
    activates_at: Timestamp,
    /// Parsed once per key: parsing a PKCS#8 key costs about as much as a
    /// signature, and `jsonwebtoken::encode` would do it for every token.
    /// Kept across reloads, so a server goes on signing with the keys it
    /// holds after `keys rewrap` changed the key that encrypts them.
    pair: Arc<EcdsaKeyPair>,
}

/// The JOSE header of the access tokens this server signs.
#[derive(Serialize)]
struct JoseHeader<'a> {
    typ: &'a str,
    alg: &'static str,
    kid: &'a str,
}

struct Loaded {
    /// The current signer and any pending keys, in activation order.
    signers: Vec<Signer>,
    decoding: HashMap<String, DecodingKey>,
    jwks: Value,
    loaded_at: Instant,
}

/// Clock skew tolerated on the `exp` of access tokens, in seconds.
const LEEWAY_SECS: i64 = 5;

/// The key set, shared by every request.
#[derive(Clone)]
pub struct KeyRing {
    store: Store,
    /// This server's access-token lifetime, recorded on each key it signs with.
    token_ttl: i64,
    /// Opens the stored private keys, and encrypts new ones.
    kek: Option<Arc<Kek>>,
    inner: Arc<RwLock<Arc<Loaded>>>,
    /// Access tokens already verified by this process (`signing::verified`).
    verified: Arc<VerifiedTokens>,
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

/// Generates a new ES256 key in its stored form, signing from `activates_at`;
/// the kid is its RFC 7638 thumbprint.
pub fn generate_key(now: Timestamp, activates_at: Timestamp) -> anyhow::Result<StoredSigningKey> {
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
        activates_at,
        max_token_ttl: 0,
    })
}

/// The stored form of a freshly generated key: its private key encrypted
/// under `kek` when there is one (`domain::key_wrap`).
pub fn seal(mut key: StoredSigningKey, kek: Option<&Kek>) -> anyhow::Result<StoredSigningKey> {
    key.private_key = key_wrap::wrap(kek, &key.private_key, &signing_key_aad(&key.kid))?;
    Ok(key)
}

/// The signing key pair of a stored key: `previous`'s if it already holds
/// that key (a kid is the key's thumbprint, so its key never changes), else
/// its private key opened with `kek` and parsed.
fn signer(
    k: &StoredSigningKey,
    kek: Option<&Kek>,
    previous: Option<&Loaded>,
) -> anyhow::Result<Arc<EcdsaKeyPair>> {
    if let Some(pair) = previous.and_then(|p| p.signers.iter().find(|s| s.kid == k.kid)) {
        return Ok(pair.pair.clone());
    }
    let pkcs8 = key_wrap::unwrap(kek, &k.private_key, &signing_key_aad(&k.kid))
        .map_err(|e| anyhow::anyhow!("the stored signing key {} cannot be opened: {e}", k.kid))?;
    let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &pkcs8)
        .map_err(|_| anyhow::anyhow!("stored signing key {} is not a P-256 key", k.kid))?;
    Ok(Arc::new(pair))
}

/// Reads the keys, records `token_ttl` on those that may sign, and builds the
/// signing and verification sets (reusing `previous`'s parsed key pairs).
async fn fetch(
    store: &Store,
    token_ttl: i64,
    kek: Option<&Kek>,
    previous: Option<&Loaded>,
) -> anyhow::Result<Loaded> {
    let keys = store.signing_keys().await?;
    anyhow::ensure!(!keys.is_empty(), "no signing key in the store");
    let statuses = key_statuses(&keys, Timestamp::now());
    let mut signers = Vec::new();
    let mut decoding = HashMap::new();
    let mut published = Vec::new();
    for (k, status) in keys.iter().zip(statuses) {
        if !status.is_published() {
            continue;
        }
        let jwk: Value = serde_json::from_str(&k.public_jwk)?;
        let (Some(x), Some(y)) = (jwk["x"].as_str(), jwk["y"].as_str()) else {
            anyhow::bail!("stored signing key {} has no x/y", k.kid);
        };
        decoding.insert(k.kid.clone(), DecodingKey::from_ec_components(x, y)?);
        published.push(jwk);
        if status.may_sign() {
            // Before this instance signs anything with the key, so the key's
            // publication period always covers the tokens it signs.
            if k.max_token_ttl < token_ttl {
                store.raise_key_token_ttl(&k.kid, token_ttl).await?;
            }
            signers.push(Signer {
                kid: k.kid.clone(),
                activates_at: k.activates_at,
                pair: signer(k, kek, previous)?,
            });
        }
    }
    Ok(Loaded {
        signers,
        decoding,
        jwks: json!({ "keys": published }),
        loaded_at: Instant::now(),
    })
}

impl KeyRing {
    /// Loads the stored keys, generating the first one if there is none.
    /// `token_ttl` is the lifetime of the access tokens this server signs.
    /// The keys are stored in plain (see [`KeyRing::load_or_create_with`]).
    pub async fn load_or_create(store: Store, token_ttl: i64) -> anyhow::Result<KeyRing> {
        KeyRing::load_or_create_with(store, token_ttl, None).await
    }

    /// [`KeyRing::load_or_create`], with the private keys stored encrypted
    /// under `kek`.
    pub async fn load_or_create_with(
        store: Store,
        token_ttl: i64,
        kek: Option<Arc<Kek>>,
    ) -> anyhow::Result<KeyRing> {
        if store.signing_keys().await?.is_empty() {
            let now = Timestamp::now();
            let mut first = seal(generate_key(now, now)?, kek.as_deref())?;
            first.max_token_ttl = token_ttl;
            // Instances starting together on an empty store all get here;
            // the store lets exactly one first key in, and all load it.
            store.insert_first_signing_key(&first).await?;
        }
        let loaded = fetch(&store, token_ttl, kek.as_deref(), None).await?;
        Ok(KeyRing {
            store,
            token_ttl,
            kek,
            inner: Arc::new(RwLock::new(Arc::new(loaded))),
            verified: Arc::default(),
        })
    }

    fn current(&self) -> Arc<Loaded> {
        match self.inner.read() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Re-reads the keys from the store (after a rotation, here or elsewhere).
    pub async fn reload(&self) -> anyhow::Result<()> {
        let previous = self.current();
        let loaded = Arc::new(
            fetch(
                &self.store,
                self.token_ttl,
                self.kek.as_deref(),
                Some(&previous),
            )
            .await?,
        );
        match self.inner.write() {
            Ok(mut g) => *g = loaded,
            Err(poisoned) => *poisoned.into_inner() = loaded,
        }
        Ok(())
    }

    /// Re-reads the keys every [`REFRESH_INTERVAL`], forever; the server
    /// runs it beside itself and aborts it on shutdown.
    pub async fn refresh_periodically(self) {
        let mut tick = tokio::time::interval(REFRESH_INTERVAL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await;
        loop {
            tick.tick().await;
            if let Err(e) = self.reload().await {
                tracing::warn!(error = %format!("{e:#}"), "cannot refresh the signing keys");
            }
        }
    }

    pub fn jwks(&self) -> Value {
        self.current().jwks.clone()
    }

    /// Signs `claims` with the key active now; `typ` goes in the JOSE header.
    pub fn sign<T: Serialize>(&self, typ: &str, claims: &T) -> anyhow::Result<String> {
        let k = self.current();
        anyhow::ensure!(
            k.loaded_at.elapsed() <= MAX_VIEW_AGE,
            "the signing keys could not be refreshed for {} seconds",
            k.loaded_at.elapsed().as_secs()
        );
        let now = Timestamp::now();
        let signer = k
            .signers
            .iter()
            .rev()
            .find(|s| s.activates_at <= now)
            .or_else(|| k.signers.first())
            .ok_or_else(|| anyhow::anyhow!("no signing key is loaded"))?;
        // JWS compact serialization (RFC 7515 §7.1) with an ES256 signature,
        // which is the fixed-width r || s that ECDSA_P256_SHA256_FIXED makes.
        let header = JoseHeader {
            typ,
            alg: "ES256",
            kid: &signer.kid,
        };
        let mut token = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header)?);
        token.push('.');
        token.push_str(&URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims)?));
        let signature = signer
            .pair
            .sign(&aws_lc_rs::rand::SystemRandom::new(), token.as_bytes())
            .map_err(|_| anyhow::anyhow!("ES256 signing failed"))?;
        token.push('.');
        token.push_str(&URL_SAFE_NO_PAD.encode(signature.as_ref()));
        Ok(token)
    }

    /// Verifies one of this server's access tokens, remembering it so that
    /// later uses skip the signature check (see `signing::verified`). A
    /// remembered token is still refused once it expires or its signing key
    /// is no longer trusted (retired past its retention).
    pub async fn verify_access_token(
        &self,
        token: &str,
        issuer: &str,
        audience: &str,
    ) -> Result<AccessClaims, VerifyError> {
        let now = Timestamp::now().unix_seconds();
        if let Some((claims, kid)) = self.verified.get(token, now, LEEWAY_SECS)
            && claims.iss == issuer
            && claims.aud == audience
            && self.current().decoding.contains_key(&kid)
        {
            return Ok(claims);
        }
        let claims: AccessClaims = self
            .verify(token, ACCESS_TOKEN_TYPE, issuer, audience)
            .await?;
        if let Some(kid) = jsonwebtoken::decode_header(token).ok().and_then(|h| h.kid) {
            self.verified.insert(token, &claims, kid);
        }
        Ok(claims)
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
        if !k.decoding.contains_key(&kid) && k.loaded_at.elapsed() >= RELOAD_ON_UNKNOWN_KID {
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
        v.leeway = LEEWAY_SECS.unsigned_abs();
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
