//! Client secrets: generation, hashing and constant-time verification.

use super::ids::random_alnum;
use subtle::ConstantTimeEq;

/// Characters in a secret: 64 of 36 symbols is about 330 bits.
pub const SECRET_LEN: usize = 64;
/// Characters of the secret shown as its hint.
pub const HINT_LEN: usize = 5;
/// Most secrets a client may hold at once.
pub const MAX_SECRETS: i64 = 5;

/// A freshly generated secret; the plain value exists only until it is
/// returned to the caller once.
pub struct NewSecret {
    pub plain: String,
    pub hint: String,
    pub hash: Vec<u8>,
    /// Its opaque id: what access tokens name as their credential (`cred`),
    /// so they die with it. Neither the hint nor derived from the secret.
    pub id: String,
}

/// Characters of a secret's id.
pub const SECRET_ID_LEN: usize = 32;

/// What `Debug` prints in place of a secret, a hash or a private key.
pub const REDACTED: &str = "<redacted>";

/// Shows the hint only: neither the secret nor its hash reaches a log.
impl std::fmt::Debug for NewSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewSecret")
            .field("plain", &REDACTED)
            .field("hint", &self.hint)
            .field("hash", &REDACTED)
            .field("id", &self.id)
            .finish()
    }
}

impl NewSecret {
    /// Draws a secret whose hint is not in `taken`.
    pub fn generate(taken: &[String]) -> Self {
        loop {
            let plain = random_alnum(SECRET_LEN);
            let hint = plain[SECRET_LEN - HINT_LEN..].to_owned();
            if !taken.contains(&hint) {
                let hash = hash_secret(&plain);
                let id = random_alnum(SECRET_ID_LEN);
                return Self {
                    plain,
                    hint,
                    hash,
                    id,
                };
            }
        }
    }
}

/// SHA-256 of the secret. Secrets carry 330 bits of entropy, so a fast hash is
/// enough: there is nothing to brute-force that a slow hash would protect.
pub fn hash_secret(plain: &str) -> Vec<u8> {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, plain.as_bytes())
        .as_ref()
        .to_vec()
}

/// Whether `presented` matches any of `hashes`, comparing every one in
/// constant time so timing does not reveal which (if any) matched.
pub fn matches_any(presented: &str, hashes: &[Vec<u8>]) -> bool {
    matching(presented, hashes.iter().map(Vec::as_slice)).is_some()
}

/// The position of the hash `presented` matches among `hashes`, comparing
/// every one in constant time and choosing without a branch, so timing
/// reveals neither whether nor which one matched.
pub fn matching<'a>(presented: &str, hashes: impl Iterator<Item = &'a [u8]>) -> Option<usize> {
    use subtle::ConditionallySelectable as _;
    let h = hash_secret(presented);
    let mut any = subtle::Choice::from(0);
    let mut at = 0u64;
    for (i, stored) in hashes.enumerate() {
        let eq = stored.ct_eq(h.as_slice());
        at = u64::conditional_select(&at, &(i as u64), eq);
        any |= eq;
    }
    bool::from(any).then(|| usize::try_from(at).unwrap_or(usize::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hint_is_last_five_and_unique() {
        let s = NewSecret::generate(&[]);
        assert_eq!(s.plain.len(), 64);
        assert!(s.plain.ends_with(&s.hint));
        assert!(matches_any(&s.plain, &[vec![0; 32], s.hash.clone()]));
        assert!(!matches_any("wrong", std::slice::from_ref(&s.hash)));
        assert_eq!(s.id.len(), SECRET_ID_LEN);
        assert!(!s.plain.contains(&s.id));
        let other = NewSecret::generate(&[]);
        let hashes = [other.hash.as_slice(), s.hash.as_slice()];
        assert_eq!(matching(&s.plain, hashes.into_iter()), Some(1));
        assert_eq!(matching(&other.plain, hashes.into_iter()), Some(0));
        assert_eq!(matching("wrong", hashes.into_iter()), None);
    }

    #[test]
    fn debug_shows_the_hint_but_neither_the_secret_nor_its_hash() {
        let s = NewSecret::generate(&[]);
        let shown = format!("{s:?}");
        assert!(shown.contains(&s.hint), "{shown}");
        assert!(!shown.contains(&s.plain), "{shown}");
        assert!(!shown.contains(&format!("{:?}", s.hash)), "{shown}");
    }
}
