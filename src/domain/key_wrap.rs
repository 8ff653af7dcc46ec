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
mod tests {
    use super::*;

    fn kek(byte: u8) -> Kek {
        Kek::from_bytes(&[byte; KEK_LEN]).unwrap()
    }

    #[test]
    fn a_wrapped_value_opens_with_its_kek_and_row_only() {
        let (a, b) = (kek(1), kek(2));
        let plain = b"0\x81\x87 a PKCS#8 key";
        let stored = a.wrap(plain, "signing_keys:k1").unwrap();
        assert_eq!(Stored::of(&stored), Stored::Wrapped(a.fingerprint()));
        assert!(!stored.windows(plain.len()).any(|w| w == plain));
        assert_eq!(unwrap(Some(&a), &stored, "signing_keys:k1").unwrap(), plain);
        assert_eq!(
            unwrap(Some(&b), &stored, "signing_keys:k1"),
            Err(UnwrapError::OtherKek(a.fingerprint_hex()))
        );
        assert_eq!(
            unwrap(None, &stored, "signing_keys:k1"),
            Err(UnwrapError::NoKek)
        );
        assert_eq!(
            unwrap(Some(&a), &stored, "signing_keys:k2"),
            Err(UnwrapError::Damaged),
            "moved to another row"
        );
        let mut flipped = stored.clone();
        *flipped.last_mut().unwrap() ^= 1;
        assert_eq!(
            unwrap(Some(&a), &flipped, "signing_keys:k1"),
            Err(UnwrapError::Damaged)
        );
        // Each wrap draws a fresh nonce.
        assert_ne!(stored, a.wrap(plain, "signing_keys:k1").unwrap());
    }

    #[test]
    fn plain_values_are_never_taken_for_envelopes() {
        assert_eq!(Stored::of(&[0x30, 0x81, 0x87, 0x02]), Stored::Plain);
        let mut secret = [0u8; 32];
        secret[..8].copy_from_slice(MAGIC);
        assert_eq!(
            Stored::of(&secret),
            Stored::Plain,
            "too short for an envelope"
        );
        assert_eq!(unwrap(Some(&kek(1)), b"plain", "x").unwrap(), b"plain");
        assert_eq!(wrap(None, b"plain", "x").unwrap(), b"plain");
    }

    fn stored(value: Vec<u8>) -> StoredKey {
        StoredKey {
            kind: KeyKind::ServerSecret,
            name: "cursor-hmac-sha256".into(),
            value,
        }
    }

    #[test]
    fn a_start_encrypts_plain_keys_and_refuses_keys_it_cannot_open() {
        let (a, b) = (kek(1), kek(2));
        let plain = stored(vec![9u8; 32]);
        assert_eq!(on_start(None, &plain), Ok(None), "no KEK: left in plain");
        let wrapped = on_start(Some(&a), &plain).unwrap().expect("encrypted");
        let wrapped = stored(wrapped);
        assert_eq!(
            unwrap(Some(&a), &wrapped.value, &wrapped.aad()).unwrap(),
            vec![9u8; 32]
        );
        assert_eq!(on_start(Some(&a), &wrapped), Ok(None), "already encrypted");
        let other = on_start(Some(&b), &wrapped).unwrap_err();
        assert!(
            other.contains("server secret cursor-hmac-sha256"),
            "{other}"
        );
        assert!(other.contains(&a.fingerprint_hex()), "{other}");
        let none = on_start(None, &wrapped).unwrap_err();
        assert!(none.contains("no key-encryption key"), "{none}");
        assert_eq!(
            on_start(Some(&a), &stored(Vec::new())),
            Ok(None),
            "a guard row"
        );
    }

    #[test]
    fn rewrap_moves_a_key_from_one_kek_or_none_to_another() {
        let (a, b) = (kek(1), kek(2));
        let from_plain = stored(rewrap(None, &a, &stored(vec![5u8; 32])).unwrap().unwrap());
        let to_b = stored(rewrap(Some(&a), &b, &from_plain).unwrap().unwrap());
        assert_eq!(
            unwrap(Some(&b), &to_b.value, &to_b.aad()).unwrap(),
            vec![5u8; 32]
        );
        assert!(
            rewrap(Some(&a), &b, &to_b).is_err(),
            "a is no longer the key"
        );
    }

    #[test]
    fn keks_parse_from_base64_of_32_bytes_only() {
        let text = Kek::generate_text().unwrap();
        let a = Kek::parse(&format!("{text}\n")).unwrap();
        let url = text.replace('+', "-").replace('/', "_").replace('=', "");
        assert_eq!(Kek::parse(&url).unwrap().fingerprint(), a.fingerprint());
        assert_eq!(Kek::parse("c2hvcnQ=").err(), Some(KekError::Malformed));
        assert_eq!(Kek::parse("not base64!").err(), Some(KekError::Malformed));
        assert_ne!(kek(1).fingerprint(), kek(2).fingerprint());
    }

    #[test]
    fn debug_shows_the_fingerprint_but_not_the_key() {
        let text = STANDARD.encode([7u8; KEK_LEN]);
        let k = Kek::parse(&text).unwrap();
        let shown = format!("{k:?}");
        assert!(shown.contains(&k.fingerprint_hex()), "{shown}");
        assert!(!shown.contains(&text) && !shown.contains("7, 7"), "{shown}");
    }
}
