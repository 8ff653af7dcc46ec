//! Bearer handles of a sign-in: interaction ids, session cookies,
//! authorization codes, refresh tokens. Each is the tenant id (32 characters)
//! followed by 32 random `[a-z0-9]` characters (about 165 bits), so the
//! store finds the row under its tenant without a directory read; only the
//! SHA-256 of the whole handle is stored.

use super::ids::{ALPHABET, TenantId, random_alnum};
use super::secret::hash_secret;

const TENANT_LEN: usize = 32;
const RANDOM_LEN: usize = 32;

/// A handle just drawn: the value handed out once, and what is stored.
pub struct NewHandle {
    pub plain: String,
    pub hash: Vec<u8>,
}

impl std::fmt::Debug for NewHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewHandle(..)")
    }
}

impl NewHandle {
    pub fn generate(tenant: &TenantId) -> NewHandle {
        let plain = format!("{}{}", tenant.as_str(), random_alnum(RANDOM_LEN));
        let hash = hash_secret(&plain);
        NewHandle { plain, hash }
    }
}

/// A presented handle, parsed: its tenant and the hash to look up.
#[derive(Clone)]
pub struct Handle {
    pub tenant: TenantId,
    pub hash: Vec<u8>,
}

impl std::fmt::Debug for Handle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Handle({}, ..)", self.tenant)
    }
}

impl Handle {
    /// `None` for anything not of the shape this server hands out, so junk
    /// never reaches the store.
    pub fn parse(plain: &str) -> Option<Handle> {
        let ok =
            plain.len() == TENANT_LEN + RANDOM_LEN && plain.bytes().all(|b| ALPHABET.contains(&b));
        ok.then(|| Handle {
            tenant: TenantId::from_trusted(&plain[..TENANT_LEN]),
            hash: hash_secret(plain),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_carry_their_tenant_and_store_only_a_hash() {
        let tenant = TenantId::generate();
        let h = NewHandle::generate(&tenant);
        assert_eq!(h.plain.len(), 64);
        let parsed = Handle::parse(&h.plain).unwrap();
        assert_eq!(parsed.tenant, tenant);
        assert_eq!(parsed.hash, h.hash);
        assert_ne!(
            h.hash,
            h.plain.as_bytes(),
            "the stored form is not the handle"
        );
        assert!(Handle::parse(&h.plain[..63]).is_none());
        assert!(Handle::parse(&h.plain.to_uppercase()).is_none());
        assert!(
            !format!("{h:?}{parsed:?}").contains(&h.plain[32..]),
            "Debug never shows it"
        );
    }
}
