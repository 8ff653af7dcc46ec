//! Password hashing: Argon2id with OWASP's parameters (m = 19 MiB, t = 2,
//! p = 1), a 16-byte random salt, stored as a PHC string.
//!
//! These functions are CPU-bound (tens of milliseconds) and synchronous:
//! callers on the async runtime run them through `spawn_blocking` (the one
//! async wrapper is `ops::passwords`), never on a worker thread.

use super::user_rules::Password;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use argon2::{Algorithm, Argon2, Params, Version};

/// Memory cost in KiB (19 MiB), OWASP Password Storage Cheat Sheet.
pub const M_COST_KIB: u32 = 19 * 1024;
/// Iterations.
pub const T_COST: u32 = 2;
/// Lanes.
pub const P_COST: u32 = 1;
const SALT_LEN: usize = 16;

/// The hasher with the parameters above. `Params::new` only fails for
/// parameters outside Argon2's bounds, which these constants are not.
fn hasher() -> Result<Argon2<'static>, PasswordError> {
    let params = Params::new(M_COST_KIB, T_COST, P_COST, None)
        .map_err(|e| PasswordError(format!("Argon2 parameters: {e}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashing failed (never for a reason the password's owner could fix).
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct PasswordError(String);

impl PasswordError {
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

/// The PHC string of `password` (`$argon2id$v=19$m=19456,t=2,p=1$…`).
pub fn hash(password: &Password) -> Result<String, PasswordError> {
    let mut salt = [0u8; SALT_LEN];
    aws_lc_rs::rand::fill(&mut salt).map_err(|_| PasswordError("no randomness".into()))?;
    hasher()?
        .hash_password_with_salt(password.expose().as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| PasswordError(e.to_string()))
}

/// Whether `password` matches the stored PHC string. A malformed string
/// matches nothing. Verification uses the parameters in the string, so
/// hashes made with other parameters keep working.
pub fn verify(password: &str, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok()
}

/// The cost of one verification against no real hash, so that a sign-in
/// for an unknown email takes as long as one for a known email: a hash made
/// once with the same parameters, verified against the attempt.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        Password::parse("registrar-dummy-password", "")
            .ok()
            .and_then(|p| hash(&p).ok())
            .unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_salted_argon2id_phc_strings_that_verify() {
        let p = Password::parse("correct horse battery", "").unwrap();
        let a = hash(&p).unwrap();
        let b = hash(&p).unwrap();
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{a}");
        assert_ne!(a, b, "a fresh salt each time");
        assert!(!a.contains("horse"));
        assert!(verify("correct horse battery", &a));
        assert!(!verify("correct horse batterz", &a));
        assert!(!verify("correct horse battery", "not a phc string"));
    }

    #[test]
    fn the_dummy_hash_has_the_same_parameters() {
        assert!(dummy_hash().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
    }
}
