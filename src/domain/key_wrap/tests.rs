//! Tests of the key envelope and the start and rewrap policies.

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
