//! Keys at rest (contract §6): the server's private signing keys and its
//! cursor MAC key are stored encrypted under a key-encryption key (KEK) that
//! is kept outside the database.
//!
//! A stored value is either plain (as servers without a KEK store it) or an
//! envelope: [`MAGIC`], the KEK's fingerprint, a random 96-bit nonce, and the
//! AES-256-GCM ciphertext with its tag. The associated data names the row
//! (`signing_keys:<kid>`, `server_secrets:<name>`), so a value copied into
//! another row does not open. The fingerprint lets a wrong KEK be told apart
//! from a damaged value before anything is decrypted. Plain values can never
//! look like an envelope: a PKCS#8 key starts with `0x30`, and the server
//! secrets are 32 random bytes, shorter than the smallest envelope.

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};

/// First bytes of every envelope; the last one is the format's version.
pub const MAGIC: &[u8; 8] = b"RGKEKv1\0";
/// Bytes of a KEK fingerprint.
pub const FINGERPRINT_LEN: usize = 8;
/// Bytes of a KEK.
pub const KEK_LEN: usize = 32;
const TAG_LEN: usize = 16;
const HEADER_LEN: usize = MAGIC.len() + FINGERPRINT_LEN + NONCE_LEN;
const FINGERPRINT_LABEL: &[u8] = b"registrar key-encryption-key fingerprint v1";

/// A key-encryption key: 32 bytes for AES-256-GCM.
pub struct Kek {
    key: LessSafeKey,
    fingerprint: [u8; FINGERPRINT_LEN],
}

/// Shows the fingerprint only, never the key.
impl std::fmt::Debug for Kek {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kek")
            .field("key", &super::secret::REDACTED)
            .field("fingerprint", &self.fingerprint_hex())
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KekError {
    /// The text is not base64 of exactly 32 bytes; never says more (the
    /// text is a key).
    #[error(
        "a key-encryption key must be 32 random bytes, base64-encoded (make one with `head -c 32 /dev/urandom | base64`)"
    )]
    Malformed,
    #[error("the system random number generator failed")]
    Random,
}

/// Why a stored value did not open.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnwrapError {
    /// The value was encrypted under another KEK (its fingerprint).
    #[error("it was encrypted under another key-encryption key (fingerprint {0})")]
    OtherKek(String),
    /// The value is encrypted but no KEK was given.
    #[error("it is encrypted and no key-encryption key was given")]
    NoKek,
    /// Same fingerprint, but the value does not decrypt: damaged, or moved
    /// from another row.
    #[error("it does not decrypt (damaged, or copied from another row)")]
    Damaged,
}

/// What a stored value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    Plain,
    /// An envelope, with the fingerprint of the KEK that made it.
    Wrapped([u8; FINGERPRINT_LEN]),
}

impl Stored {
    pub fn of(value: &[u8]) -> Stored {
        if value.len() < HEADER_LEN + TAG_LEN || !value.starts_with(MAGIC) {
            return Stored::Plain;
        }
        let mut fingerprint = [0u8; FINGERPRINT_LEN];
        fingerprint.copy_from_slice(&value[MAGIC.len()..MAGIC.len() + FINGERPRINT_LEN]);
        Stored::Wrapped(fingerprint)
    }
}

/// A fingerprint as 16 hexadecimal digits, for messages.
pub fn hex(fingerprint: &[u8]) -> String {
    fingerprint.iter().map(|b| format!("{b:02x}")).collect()
}

impl Kek {
    pub fn from_bytes(bytes: &[u8]) -> Result<Kek, KekError> {
        if bytes.len() != KEK_LEN {
            return Err(KekError::Malformed);
        }
        let key = UnboundKey::new(&AES_256_GCM, bytes).map_err(|_| KekError::Malformed)?;
        let mut input = FINGERPRINT_LABEL.to_vec();
        input.extend_from_slice(bytes);
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &input);
        let mut fingerprint = [0u8; FINGERPRINT_LEN];
        fingerprint.copy_from_slice(&digest.as_ref()[..FINGERPRINT_LEN]);
        Ok(Kek {
            key: LessSafeKey::new(key),
            fingerprint,
        })
    }

    /// A KEK from its base64 text (standard or URL-safe alphabet, padded or
    /// not; surrounding whitespace, such as a file's final newline, ignored).
    pub fn parse(text: &str) -> Result<Kek, KekError> {
        let text = text.trim();
        let bytes = [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
            .iter()
            .find_map(|engine| engine.decode(text).ok())
            .ok_or(KekError::Malformed)?;
        Kek::from_bytes(&bytes)
    }

    /// A new random KEK as base64 text.
    pub fn generate_text() -> Result<String, KekError> {
        let mut bytes = [0u8; KEK_LEN];
        aws_lc_rs::rand::fill(&mut bytes).map_err(|_| KekError::Random)?;
        Ok(STANDARD.encode(bytes))
    }

    pub fn fingerprint(&self) -> [u8; FINGERPRINT_LEN] {
        self.fingerprint
    }

    pub fn fingerprint_hex(&self) -> String {
        hex(&self.fingerprint)
    }

    /// Encrypts `plain` for the row named by `aad`.
    pub fn wrap(&self, plain: &[u8], aad: &str) -> Result<Vec<u8>, KekError> {
        let mut nonce = [0u8; NONCE_LEN];
        aws_lc_rs::rand::fill(&mut nonce).map_err(|_| KekError::Random)?;
        let mut sealed = plain.to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(aad.as_bytes()),
                &mut sealed,
            )
            .map_err(|_| KekError::Random)?;
        let mut out = Vec::with_capacity(HEADER_LEN + sealed.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&self.fingerprint);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// Decrypts an envelope made by [`Kek::wrap`] for the same `aad`.
    fn open(&self, stored: &[u8], aad: &str) -> Result<Vec<u8>, UnwrapError> {
        let fingerprint = match Stored::of(stored) {
            Stored::Wrapped(f) => f,
            Stored::Plain => return Err(UnwrapError::Damaged),
        };
        if fingerprint != self.fingerprint {
            return Err(UnwrapError::OtherKek(hex(&fingerprint)));
        }
        let (header, sealed) = stored.split_at(HEADER_LEN);
        let nonce = Nonce::try_assume_unique_for_key(&header[HEADER_LEN - NONCE_LEN..])
            .map_err(|_| UnwrapError::Damaged)?;
        let mut buf = sealed.to_vec();
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(aad.as_bytes()), &mut buf)
            .map_err(|_| UnwrapError::Damaged)?;
        Ok(plain.to_vec())
    }
}

/// The plain value of a stored one: plain values as they are, envelopes
/// opened with `kek`.
pub fn unwrap(kek: Option<&Kek>, stored: &[u8], aad: &str) -> Result<Vec<u8>, UnwrapError> {
    match (Stored::of(stored), kek) {
        (Stored::Plain, _) => Ok(stored.to_vec()),
        (Stored::Wrapped(_), None) => Err(UnwrapError::NoKek),
        (Stored::Wrapped(_), Some(kek)) => kek.open(stored, aad),
    }
}

/// The value to store for `plain`: an envelope under `kek`, or `plain`
/// itself without one.
pub fn wrap(kek: Option<&Kek>, plain: &[u8], aad: &str) -> Result<Vec<u8>, KekError> {
    match kek {
        Some(kek) => kek.wrap(plain, aad),
        None => Ok(plain.to_vec()),
    }
}

/// The associated data of a signing key's private key.
pub fn signing_key_aad(kid: &str) -> String {
    format!("signing_keys:{kid}")
}

/// The associated data of a server secret.
pub fn server_secret_aad(name: &str) -> String {
    format!("server_secrets:{name}")
}

/// Where a stored key lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// `signing_keys.private_key`, named by `kid`.
    SigningKey,
    /// `server_secrets.value`, named by `name`.
    ServerSecret,
}

/// One stored key, as the store hands it out to be checked or rewritten.
pub struct StoredKey {
    pub kind: KeyKind,
    pub name: String,
    pub value: Vec<u8>,
}

/// Never the value.
impl std::fmt::Debug for StoredKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredKey")
            .field("kind", &self.kind)
            .field("name", &self.name)
            .field("value", &super::secret::REDACTED)
            .finish()
    }
}

impl StoredKey {
    /// Its associated data.
    pub fn aad(&self) -> String {
        match self.kind {
            KeyKind::SigningKey => signing_key_aad(&self.name),
            KeyKind::ServerSecret => server_secret_aad(&self.name),
        }
    }

    /// How messages name it.
    pub fn describe(&self) -> String {
        match self.kind {
            KeyKind::SigningKey => format!("signing key {}", self.name),
            KeyKind::ServerSecret => format!("server secret {}", self.name),
        }
    }

    /// Whether it holds a key at all (guard rows hold nothing).
    pub fn is_key(&self) -> bool {
        !self.value.is_empty()
    }
}

/// What a start with `kek` does to one stored key: `None` leaves it as it
/// is, `Some` replaces it (a plain key encrypted under `kek`). A key that
/// `kek` cannot open (or any encrypted key when there is no `kek`) refuses
/// the start; the message names the key, never its value.
pub fn on_start(kek: Option<&Kek>, key: &StoredKey) -> Result<Option<Vec<u8>>, String> {
    if !key.is_key() {
        return Ok(None);
    }
    let aad = key.aad();
    match (Stored::of(&key.value), kek) {
        (Stored::Plain, None) => Ok(None),
        (Stored::Plain, Some(kek)) => kek
            .wrap(&key.value, &aad)
            .map(Some)
            .map_err(|e| e.to_string()),
        (Stored::Wrapped(_), _) => unwrap(kek, &key.value, &aad)
            .map(|_| None)
            .map_err(|e| format!("the stored {} cannot be opened: {e}", key.describe())),
    }
}

/// `keys rewrap`: the stored key opened with `old` (or as it is, if plain)
/// and encrypted under `new`.
pub fn rewrap(old: Option<&Kek>, new: &Kek, key: &StoredKey) -> Result<Option<Vec<u8>>, String> {
    if !key.is_key() {
        return Ok(None);
    }
    let aad = key.aad();
    let plain = unwrap(old, &key.value, &aad)
        .map_err(|e| format!("the stored {} cannot be opened: {e}", key.describe()))?;
    new.wrap(&plain, &aad).map(Some).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests;
