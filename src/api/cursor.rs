//! Opaque, tamper-evident pagination cursors.
//!
//! A cursor is `base64url(position) "." base64url(HMAC-SHA256)`. The MAC
//! covers the position *and* the query it belongs to (the resource's list,
//! tenant, filter, sort, limit, and whether it is a `next` or a `prev` cursor)
//! without putting those in the cursor, so a cursor altered, forged, or
//! replayed against another list, query or tenant fails verification. The
//! key is a server secret kept in the store, shared by every instance.

use crate::domain::list_query::{Position, SortKey};
use crate::http::ApiError;
use aws_lc_rs::hmac;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

/// Longest cursor we bother to decode. The longest the server makes holds a
/// name key: at most 512 characters of up to 6 bytes each once lowercased and
/// JSON-escaped (a control character becomes `\u001f`), about 3.2 kB of
/// payload, 4.3 kB in base64 with its MAC; this leaves room to spare.
const MAX_CURSOR: usize = 8192;

/// The query a cursor is bound to.
pub struct Binding<'a> {
    /// The resource's list (`ListEndpoint::CURSOR_LABEL`). It is the first
    /// part the MAC covers, where every cursor had `cursor-v1` before there
    /// were lists of other resources: the clients' label is `cursor-v1`, so
    /// their cursors given out before stay valid.
    pub resource: &'a str,
    pub tenant: &'a str,
    pub filter: &'a str,
    pub sort: &'a str,
    pub limit: u32,
}

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum WireKey {
    Int(i64),
    Text(String),
}

#[derive(Serialize, Deserialize)]
struct Payload {
    /// Walk forward (a `next` page) or backward (`prev`).
    f: bool,
    /// Whether the row at the position belongs to the page.
    i: bool,
    k: WireKey,
    /// The row id.
    c: String,
}

fn tag(key: &hmac::Key, b: &Binding<'_>, param: &str, payload: &str) -> hmac::Tag {
    let mut ctx = hmac::Context::with_key(key);
    for part in [
        b.resource,
        param,
        b.tenant,
        b.filter,
        b.sort,
        &b.limit.to_string(),
        payload,
    ] {
        // Length-prefix each part so no two different tuples hash alike.
        ctx.update(&(part.len() as u64).to_be_bytes());
        ctx.update(part.as_bytes());
    }
    ctx.sign()
}

pub fn encode(key: &hmac::Key, b: &Binding<'_>, param: &str, pos: &Position) -> String {
    let k = match &pos.key {
        SortKey::Int(i) => WireKey::Int(*i),
        SortKey::Text(s) => WireKey::Text(s.clone()),
    };
    let payload = Payload {
        f: pos.forward,
        i: pos.inclusive,
        k,
        c: pos.id.clone(),
    };
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&payload).unwrap_or_default());
    let mac = URL_SAFE_NO_PAD.encode(tag(key, b, param, &payload).as_ref());
    format!("{payload}.{mac}")
}

pub fn decode(
    key: &hmac::Key,
    b: &Binding<'_>,
    param: &'static str,
    cursor: &str,
) -> Result<Position, ApiError> {
    let bad = |m: &str| ApiError::InvalidCursor(format!("{param}: {m}"));
    if cursor.len() > MAX_CURSOR {
        return Err(bad("too long"));
    }
    let (payload, mac) = cursor
        .split_once('.')
        .ok_or_else(|| bad("malformed cursor"))?;
    let mac = URL_SAFE_NO_PAD
        .decode(mac)
        .map_err(|_| bad("malformed cursor"))?;
    let expected = tag(key, b, param, payload);
    // Constant-time comparison of the MAC.
    if aws_lc_rs::constant_time::verify_slices_are_equal(expected.as_ref(), &mac).is_err() {
        return Err(bad(
            "the cursor was altered or belongs to another query (filter, sort, limit or tenant)",
        ));
    }
    let json = URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|_| bad("malformed cursor"))?;
    let p: Payload = serde_json::from_slice(&json).map_err(|_| bad("malformed cursor"))?;
    let key = match p.k {
        WireKey::Int(i) => SortKey::Int(i),
        WireKey::Text(s) => SortKey::Text(s),
    };
    Ok(Position {
        forward: p.f,
        inclusive: p.i,
        key,
        id: p.c,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> hmac::Key {
        hmac::Key::new(hmac::HMAC_SHA256, b"test key")
    }
    fn binding(limit: u32) -> Binding<'static> {
        Binding {
            resource: "cursor-v1",
            tenant: "t1",
            filter: "",
            sort: "-createdAt",
            limit,
        }
    }

    #[test]
    fn round_trips_and_rejects_other_queries_and_tampering() {
        let pos = Position {
            forward: true,
            inclusive: false,
            key: SortKey::Int(42),
            id: "abc".into(),
        };
        let c = encode(&key(), &binding(20), "next", &pos);
        assert_eq!(decode(&key(), &binding(20), "next", &c).unwrap(), pos);
        assert!(
            decode(&key(), &binding(21), "next", &c).is_err(),
            "other limit"
        );
        assert!(
            decode(&key(), &binding(20), "prev", &c).is_err(),
            "used as prev"
        );
        let mut chars: Vec<char> = c.chars().collect();
        chars[3] = if chars[3] == 'A' { 'B' } else { 'A' };
        let tampered: String = chars.into_iter().collect();
        assert!(
            decode(&key(), &binding(20), "next", &tampered).is_err(),
            "tampered"
        );
        assert!(decode(&key(), &binding(20), "next", "garbage").is_err());
    }

    #[test]
    fn a_cursor_is_bound_to_its_resources_list() {
        let pos = Position {
            forward: true,
            inclusive: false,
            key: SortKey::Text("x".into()),
            id: "abc".into(),
        };
        let users = Binding {
            resource: "cursor-v1 users",
            ..binding(20)
        };
        let c = encode(&key(), &users, "next", &pos);
        assert_eq!(decode(&key(), &users, "next", &c).unwrap(), pos);
        assert!(
            decode(&key(), &binding(20), "next", &c).is_err(),
            "another resource's list"
        );
    }

    /// A cursor the server gave out before lists were generic (label
    /// `cursor-v1`, tenant `t1`, no filter, `-createdAt`, limit 20, key
    /// `test key`) still decodes.
    #[test]
    fn clients_cursors_from_before_stay_valid() {
        let old = "eyJmIjp0cnVlLCJpIjpmYWxzZSwiayI6NDIsImMiOiJhYmMifQ.\
                   8kCCidkuYIltDy8ncZLnHDBpuNxTHfaVyBkXBgMjuok";
        let pos = decode(&key(), &binding(20), "next", old).unwrap();
        assert_eq!(
            pos,
            Position {
                forward: true,
                inclusive: false,
                key: SortKey::Int(42),
                id: "abc".into(),
            }
        );
        assert_eq!(encode(&key(), &binding(20), "next", &pos), old);
    }
}
