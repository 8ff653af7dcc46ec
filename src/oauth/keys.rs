//! The server's access-token signing keys: ES256 keys kept in the store, so
//! every instance signs and verifies with the same set.
//!
//! Rotation (`registrar keys rotate`) adds a key that is published in the JWKS
//! at once and signs from its `activates_at` on; the key it replaces stays
//! published until every token it can have signed has expired. Each running
//! server re-reads the keys every [`REFRESH_INTERVAL`], so it starts signing
//! with a new key without a restart. [`key_statuses`] is the one place that
//! decides which key signs and how long a retired one stays published.

use super::token::{ACCESS_TOKEN_TYPE, AccessClaims};
use crate::domain::time::Timestamp;
use crate::store::{Store, StoreError, StoredSigningKey};
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::{Serialize, de::DeserializeOwned};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

pub const ALGORITHM: &str = "ES256";
/// How often a running server re-reads the keys from the store.
pub const REFRESH_INTERVAL: Duration = Duration::from_secs(5);
/// A server whose view of the keys is older than this (its refreshes keep
/// failing) refuses to sign: otherwise it could go on signing with a retired
/// key past the moment that key's publication period is computed from.
pub const MAX_VIEW_AGE: Duration = Duration::from_secs(60);
/// Default delay between `keys rotate` and the new key signing. It exceeds
/// [`REFRESH_INTERVAL`] (plus clock skew), so every instance publishes and
/// verifies the key before any instance signs with it.
pub const DEFAULT_ACTIVATION_DELAY_SECS: i64 = 10;
/// Unknown `kid`s make us re-read the store at once (another instance may know
/// a key we do not yet), but at most this often, so garbage tokens cannot
/// hammer the database.
const RELOAD_ON_UNKNOWN_KID: Duration = Duration::from_secs(5);
/// Added to a retired key's publication period: covers the verification
/// leeway on `exp` and clock differences between instances.
const RETENTION_MARGIN_SECS: i64 = 60;

/// Where a key stands at a given instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyStatus {
    /// Published; signs from its `activates_at`.
    Pending,
    /// Published; signs new tokens.
    Signing,
    /// Published but no longer signs; tokens it signed may still be valid.
    Retired { published_until: Timestamp },
    /// Every token it signed has expired: no longer published or trusted.
    Expired,
}

impl KeyStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyStatus::Pending => "pending",
            KeyStatus::Signing => "signing",
            KeyStatus::Retired { .. } => "retired",
            KeyStatus::Expired => "expired",
        }
    }
    fn is_published(self) -> bool {
        self != KeyStatus::Expired
    }
    /// Signing now or later: an instance raises its `max_token_ttl` first.
    fn may_sign(self) -> bool {
        matches!(self, KeyStatus::Signing | KeyStatus::Pending)
    }
}

/// The status of each key at `now`; `keys` in the store's order
/// (`activates_at`, `created_at`, `kid`).
///
/// The signer is the last key already active (the first key if none is).
/// A key before it stopped signing when its successor activated; instances
/// that had not yet seen the successor may sign with it for up to
/// [`MAX_VIEW_AGE`] more, and each token lives at most `max_token_ttl`, so it
/// stays published until the sum of those (plus a margin) has passed.
pub fn key_statuses(keys: &[StoredSigningKey], now: Timestamp) -> Vec<KeyStatus> {
    let signer = keys
        .iter()
        .rposition(|k| k.activates_at <= now)
        .unwrap_or(0);
    let view_age = i64::try_from(MAX_VIEW_AGE.as_secs()).unwrap_or(i64::MAX);
    keys.iter()
        .enumerate()
        .map(|(i, k)| {
            if i == signer {
                return KeyStatus::Signing;
            }
            if i > signer {
                return KeyStatus::Pending;
            }
            let retired_at = keys[i + 1].activates_at;
            let published_until = retired_at.plus_seconds(
                view_age
                    .saturating_add(k.max_token_ttl)
                    .saturating_add(RETENTION_MARGIN_SECS),
            );
            if now < published_until {
                KeyStatus::Retired { published_until }
            } else {
                KeyStatus::Expired
            }
        })
        .collect()
}

struct Signer {
    kid: String,
    activates_at: Timestamp,
    /// Parsed once per key load: parsing a PKCS#8 key costs about as much as
    /// a signature, and `jsonwebtoken::encode` would do it for every token.
    pair: EcdsaKeyPair,
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
    inner: Arc<RwLock<Arc<Loaded>>>,
    /// Access tokens already verified by this process (`oauth::verified`).
    verified: Arc<super::verified::VerifiedTokens>,
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

/// Reads the keys, records `token_ttl` on those that may sign, and builds the
/// signing and verification sets.
async fn fetch(store: &Store, token_ttl: i64) -> anyhow::Result<Loaded> {
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
                pair: EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &k.private_key)
                    .map_err(|_| {
                        anyhow::anyhow!("stored signing key {} is not a P-256 key", k.kid)
                    })?,
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
    pub async fn load_or_create(store: Store, token_ttl: i64) -> anyhow::Result<KeyRing> {
        if store.signing_keys().await?.is_empty() {
            let now = Timestamp::now();
            let mut first = generate_key(now, now)?;
            first.max_token_ttl = token_ttl;
            // Instances starting together on an empty store all get here;
            // the store lets exactly one first key in, and all load it.
            store.insert_first_signing_key(&first).await?;
        }
        let loaded = fetch(&store, token_ttl).await?;
        Ok(KeyRing {
            store,
            token_ttl,
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
        let loaded = Arc::new(fetch(&self.store, self.token_ttl).await?);
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
    /// later uses skip the signature check (see `oauth::verified`). A
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

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: i64 = 3600;

    fn key(kid: &str, activates: i64, ttl: i64) -> StoredSigningKey {
        StoredSigningKey {
            kid: kid.into(),
            algorithm: ALGORITHM.into(),
            private_key: Vec::new(),
            public_jwk: String::new(),
            created_at: Timestamp::from_micros(0),
            activates_at: at(activates),
            max_token_ttl: ttl,
        }
    }

    fn at(secs: i64) -> Timestamp {
        Timestamp::from_micros(secs * 1_000_000)
    }

    #[test]
    fn the_last_active_key_signs_and_later_ones_are_pending() {
        let keys = [key("a", 0, HOUR), key("b", 100, 0), key("c", 200, 0)];
        assert_eq!(
            key_statuses(&keys, at(150)),
            vec![
                KeyStatus::Retired {
                    published_until: at(100 + 60 + HOUR + 60)
                },
                KeyStatus::Signing,
                KeyStatus::Pending
            ]
        );
        // Before any key is active (clock trouble), the first one signs.
        assert_eq!(key_statuses(&keys, at(-5))[0], KeyStatus::Signing);
    }

    #[test]
    fn a_retired_key_stays_published_until_its_longest_token_can_have_expired() {
        let keys = [key("old", 0, 6 * HOUR), key("new", 1000, 0)];
        // Retired at 1000; instances may sign with it for MAX_VIEW_AGE more;
        // its tokens live 6 h; plus the margin.
        let until = 1000 + 60 + 6 * HOUR + 60;
        assert_eq!(
            key_statuses(&keys, at(until - 1))[0],
            KeyStatus::Retired {
                published_until: at(until)
            }
        );
        assert_eq!(key_statuses(&keys, at(until))[0], KeyStatus::Expired);
        // A longer TTL recorded by any instance keeps it published longer.
        let keys = [key("old", 0, 24 * HOUR), key("new", 1000, 0)];
        assert!(matches!(
            key_statuses(&keys, at(until))[0],
            KeyStatus::Retired { .. }
        ));
    }
}
