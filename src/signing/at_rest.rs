//! Keys at rest (contract §6): what a start does with the stored private
//! keys, given the key-encryption key (KEK) or none, and `keys rewrap`.
//! The envelope and the per-key decisions are `domain::key_wrap`; the store
//! applies them to every key in one transaction.

use crate::domain::key_wrap::{self, Kek};
use crate::store::{Store, StoreError};

/// How to give a KEK, for messages.
const HOW: &str = "--key-encryption-key-file or REGISTRAR_KEY_ENCRYPTION_KEY";

/// Before the keys are loaded: refuses a KEK that does not open the stored
/// keys (and a missing one when they are encrypted), and encrypts keys
/// stored in plain under the KEK. Without a KEK, warns that the keys are
/// stored in plain.
pub async fn prepare(store: &Store, kek: Option<&Kek>) -> anyhow::Result<()> {
    let changed = store
        .rewrite_stored_keys(|key| key_wrap::on_start(kek, key))
        .await
        .map_err(|e| match (e, kek) {
            (StoreError::KeysRefused(why), Some(kek)) => anyhow::anyhow!(
                "{why}; the key-encryption key given (fingerprint {}) is not the one the keys were stored under: give that one ({HOW})",
                kek.fingerprint_hex()
            ),
            (StoreError::KeysRefused(why), None) => {
                anyhow::anyhow!("{why}; give the key-encryption key it was stored under ({HOW})")
            }
            (other, _) => anyhow::Error::new(other).context("cannot read the stored keys"),
        })?;
    match kek {
        None => tracing::warn!(
            "no key-encryption key: the private signing keys and the cursor key are stored in plain \
             in the database; give one with {HOW} (see `registrar keys generate-kek`)"
        ),
        Some(kek) if changed > 0 => tracing::info!(
            keys = changed,
            fingerprint = %kek.fingerprint_hex(),
            "stored keys encrypted under the key-encryption key"
        ),
        Some(_) => {}
    }
    Ok(())
}

/// `keys rewrap`: every stored key opened with `current` (or as it is, if
/// plain) and encrypted under `new`, in one transaction. Returns how many
/// keys were rewritten.
pub async fn rewrap(store: &Store, current: Option<&Kek>, new: &Kek) -> anyhow::Result<usize> {
    store
        .rewrite_stored_keys(|key| key_wrap::rewrap(current, new, key))
        .await
        .map_err(|e| match e {
            StoreError::KeysRefused(why) => anyhow::anyhow!(
                "{why}; nothing was changed: give the current key-encryption key ({HOW})"
            ),
            other => anyhow::Error::new(other).context("cannot rewrite the stored keys"),
        })
}
