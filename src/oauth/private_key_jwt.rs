//! `private_key_jwt` client authentication (RFC 7523 §2.2, RFC 7521 §4.2):
//! the client proves itself with a JWT it signed with one of its registered
//! `publicKeys`.
//!
//! Rules: `iss` = `sub` = the client id; `aud` names this server (its issuer,
//! its token endpoint, or the endpoint called); `exp` required and at most
//! [`MAX_LIFETIME_SECS`] ahead; `nbf`/`iat` not in the future; `jti` used once,
//! on every instance sharing the store. The verification algorithm is the
//! registered key's `alg`, never the header's. Every failure is the same
//! `invalid_client`; the reason is only logged (never the assertion).

use crate::domain::client::{AppType, AuthMethod, PublicKey};
use crate::domain::client_record::AuthClient;
use crate::domain::ids::ClientId;
use crate::domain::public_keys::{b64url_decode, thumbprint};
use crate::domain::time::Timestamp;
use crate::http::OAuthError;
use crate::state::AppState;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use std::str::FromStr;

/// `client_assertion_type` of a JWT client assertion (RFC 7523 §2.2).
pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// Signing algorithms a client key may use (the registration rules allow no other).
pub const ALGORITHMS: [&str; 3] = ["RS256", "RS512", "ES384"];
/// Longest an assertion may be valid ahead of now: it bounds how long its
/// `jti` must be remembered.
pub const MAX_LIFETIME_SECS: i64 = 300;
/// Clock skew tolerated on `exp`, `nbf` and `iat`.
pub const LEEWAY_SECS: i64 = 30;
const MAX_JTI_LEN: usize = 256;

#[derive(Debug, Deserialize)]
struct AssertionClaims {
    iss: String,
    sub: String,
    exp: i64,
    jti: String,
    #[serde(default)]
    iat: Option<i64>,
}

/// The unverified `iss` and `sub`, read only to find the client (and its keys).
#[derive(Debug, Deserialize)]
struct Names {
    iss: Option<String>,
    sub: Option<String>,
}

/// Why an assertion was refused: logged, never sent.
fn refuse(reason: &'static str, client: Option<&str>) -> OAuthError {
    tracing::debug!(
        reason,
        client_id = client.unwrap_or("-"),
        "client assertion refused"
    );
    OAuthError::invalid_client(false)
}

fn unverified_names(assertion: &str) -> Option<Names> {
    let payload = assertion.split('.').nth(1)?;
    serde_json::from_slice(&b64url_decode(payload)?).ok()
}

fn decoding_key(k: &PublicKey) -> Option<DecodingKey> {
    match k.kty.as_str() {
        "RSA" => DecodingKey::from_rsa_components(k.n.as_deref()?, k.e.as_deref()?).ok(),
        "EC" => DecodingKey::from_ec_components(k.x.as_deref()?, k.y.as_deref()?).ok(),
        _ => None,
    }
}

/// Verifies the signature and the standard claims with each candidate key;
/// the claims and the key that verified them.
fn verify_with<'k>(
    assertion: &str,
    keys: &[&'k PublicKey],
    client_id: &str,
    audiences: &[&str],
) -> Option<(AssertionClaims, &'k PublicKey)> {
    keys.iter().find_map(|k| {
        let alg = Algorithm::from_str(&k.alg).ok()?;
        let mut v = Validation::new(alg);
        v.set_audience(audiences);
        v.set_issuer(&[client_id]);
        v.sub = Some(client_id.to_owned());
        v.set_required_spec_claims(&["exp", "iss", "sub", "aud"]);
        v.leeway = LEEWAY_SECS.unsigned_abs();
        v.validate_nbf = true;
        jsonwebtoken::decode::<AssertionClaims>(assertion, &decoding_key(k)?, &v)
            .ok()
            .map(|d| (d.claims, *k))
    })
}

/// What an assertion says before it is verified: enough to find the client
/// and the candidate keys.
struct Unverified {
    alg: &'static str,
    kid: Option<String>,
    client_id: String,
}

fn inspect(client_id: Option<&str>, assertion: &str) -> Result<Unverified, OAuthError> {
    let header = jsonwebtoken::decode_header(assertion)
        .map_err(|_| refuse("malformed assertion", client_id))?;
    if header
        .typ
        .as_deref()
        .is_some_and(|t| !t.eq_ignore_ascii_case("JWT"))
    {
        return Err(refuse("typ is neither JWT nor absent", client_id));
    }
    let alg = match header.alg {
        Algorithm::RS256 => "RS256",
        Algorithm::RS512 => "RS512",
        Algorithm::ES384 => "ES384",
        _ => return Err(refuse("unsupported alg", client_id)),
    };
    let names = unverified_names(assertion).ok_or_else(|| refuse("malformed claims", client_id))?;
    let Some(id) = client_id.or(names.iss.as_deref()) else {
        return Err(refuse("no client id", None));
    };
    if names.iss.as_deref() != Some(id) || names.sub.as_deref() != Some(id) {
        return Err(refuse("iss and sub must be the client id", Some(id)));
    }
    Ok(Unverified {
        alg,
        kid: header.kid,
        client_id: id.to_owned(),
    })
}

/// The checks jsonwebtoken does not make: how far ahead `exp` is, `iat`,
/// `iss`/`sub` once more on the verified claims, and the `jti`'s shape.
fn check_claims(claims: &AssertionClaims, id: &str, now_s: i64) -> Result<(), OAuthError> {
    if claims.exp > now_s + MAX_LIFETIME_SECS + LEEWAY_SECS {
        return Err(refuse("exp too far ahead", Some(id)));
    }
    if claims.iat.is_some_and(|iat| iat > now_s + LEEWAY_SECS) {
        return Err(refuse("iat in the future", Some(id)));
    }
    if claims.iss != id || claims.sub != id {
        return Err(refuse("iss and sub must be the client id", Some(id)));
    }
    if claims.jti.is_empty() || claims.jti.len() > MAX_JTI_LEN {
        return Err(refuse("jti missing or too long", Some(id)));
    }
    Ok(())
}

/// Most keys tried for an assertion without `kid`: each try is a signature
/// verification, so a client with many keys cannot make one request cost
/// many of them. Clients with more keys of one algorithm send `kid`.
pub const MAX_CANDIDATES_WITHOUT_KID: usize = 2;

/// A verified assertion whose `jti` is still to be taken ([`take_jti`]).
#[derive(Debug)]
pub struct Verified {
    jti: String,
    keep_until: Timestamp,
    /// The RFC 7638 thumbprint of the registered key that verified it.
    pub thumbprint: String,
}

/// Verifies a client's assertion: its signature by one of the client's
/// keys and its claims. The `jti` is not yet taken: the caller checks its
/// rate limit first, then calls [`take_jti`]. `client_id` is the body's
/// parameter (optional: the assertion names the client); `endpoint` is the
/// URL of the endpoint called, also accepted as the audience.
pub async fn verify(
    state: &AppState,
    client_id: Option<&str>,
    assertion: &str,
    endpoint: &str,
) -> Result<(AuthClient, Verified), OAuthError> {
    let seen = inspect(client_id, assertion)?;
    let id = seen.client_id.as_str();
    let parsed = ClientId::parse(id).ok_or_else(|| refuse("unknown client", Some(id)))?;
    let client = state
        .store
        .find_auth_client(&parsed)
        .await?
        .ok_or_else(|| refuse("unknown client", Some(id)))?;
    if client.config.app_type != AppType::Web
        || !client.config.allows_auth_method(AuthMethod::PrivateKeyJwt)
    {
        return Err(refuse("private_key_jwt not allowed", Some(id)));
    }
    // With a kid, that key only; without, the first keys of the header's alg.
    let keys: Vec<&PublicKey> = client
        .config
        .public_keys
        .iter()
        .flatten()
        .filter(|k| k.alg == seen.alg && seen.kid.as_ref().is_none_or(|kid| *kid == k.kid))
        .take(MAX_CANDIDATES_WITHOUT_KID)
        .collect();
    let s = &state.settings;
    let token_endpoint = format!("{}{}", s.public_url, crate::http::paths::TOKEN_PATH);
    let mut audiences = vec![s.issuer(), token_endpoint.as_str(), endpoint];
    // An issuer that is a bare origin names the same URL with or without a
    // final `/` (its path is `/`); libraries that normalise URLs send it.
    let issuer_root = format!("{}/", s.issuer());
    if s.issuer()
        .split_once("://")
        .is_some_and(|(_, rest)| !rest.contains('/'))
    {
        audiences.push(&issuer_root);
    }
    let (claims, key) = verify_with(assertion, &keys, id, &audiences)
        .ok_or_else(|| refuse("signature, aud, iss, sub, exp or nbf", Some(id)))?;
    check_claims(&claims, id, Timestamp::now().unix_seconds())?;
    let verified = Verified {
        // Remembered as long as the assertion could pass the checks above.
        keep_until: Timestamp::from_unix_seconds(claims.exp + LEEWAY_SECS),
        jti: claims.jti,
        thumbprint: thumbprint(key),
    };
    Ok((client, verified))
}

/// Takes the assertion's `jti`: refused if it was used before (a replay),
/// on any instance sharing the store.
pub async fn take_jti(
    state: &AppState,
    client: &AuthClient,
    verified: &Verified,
) -> Result<(), OAuthError> {
    let fresh = state
        .store
        .use_assertion_jti(
            &client.tenant_id,
            &client.client_id,
            &verified.jti,
            verified.keep_until,
            Timestamp::now(),
        )
        .await?;
    if !fresh {
        return Err(refuse("jti replayed", Some(client.client_id.as_str())));
    }
    Ok(())
}
