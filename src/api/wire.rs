//! Wire types of the management API: the JSON the reference defines.

pub use crate::domain::client_view::{ClientResponse, SecretHint};
use crate::domain::secret::REDACTED;
use serde::{Deserialize, Serialize};

/// 201 body of `POST …/client-secrets`.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretCreated {
    pub hint: String,
    pub client_id: String,
    pub created_at: String,
    pub created_by: String,
    pub client_secret: String,
}

/// Everything but the secret.
impl std::fmt::Debug for SecretCreated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretCreated")
            .field("hint", &self.hint)
            .field("client_id", &self.client_id)
            .field("created_at", &self.created_at)
            .field("created_by", &self.created_by)
            .field("client_secret", &REDACTED)
            .finish()
    }
}

/// 202 body of a `PATCH` that generated a secret.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PatchSecret {
    pub client_secret: String,
}

impl std::fmt::Debug for PatchSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PatchSecret")
            .field("client_secret", &REDACTED)
            .finish()
    }
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Link {
    pub href: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Links {
    #[serde(rename = "self")]
    pub self_: Link,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<Link>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prev: Option<Link>,
}

/// The JSON of a page of any list, `{"data":[…],"links":…}` with
/// `"totalResults"` when counted: each item written by `write_item` (a
/// client's answer may be copied as the store keeps it).
pub fn list_body<T>(
    items: &[T],
    write_item: impl Fn(&T, &mut Vec<u8>) -> serde_json::Result<()>,
    links: &Links,
    total_results: Option<i64>,
) -> serde_json::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(256 + 512 * items.len());
    out.extend_from_slice(b"{\"data\":[");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_item(item, &mut out)?;
    }
    out.extend_from_slice(b"],\"links\":");
    serde_json::to_writer(&mut out, links)?;
    if let Some(total) = total_results {
        out.extend_from_slice(b",\"totalResults\":");
        out.extend_from_slice(total.to_string().as_bytes());
    }
    out.push(b'}');
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::client_record::ClientRecord;
    use crate::domain::ids::ClientId;
    use crate::domain::time::Timestamp;
    use crate::domain::validate::{Mode, parse_config};

    const SECRET: &str = "hunter2hunter2hunter2";

    #[test]
    fn debug_of_every_body_that_carries_a_secret_hides_it() {
        let config = parse_config(
            &serde_json::json!({"appType": "web", "clientName": "c"}),
            Mode::Create,
        )
        .unwrap();
        let record = ClientRecord::created(
            ClientId::from_trusted("c"),
            config,
            Timestamp::from_micros(0),
            None,
        );
        let mut created = ClientResponse::new(&record);
        created.client_secret = Some(SECRET);
        let secret = SecretCreated {
            hint: "hint1".into(),
            client_id: "c".into(),
            created_at: String::new(),
            created_by: "me".into(),
            client_secret: SECRET.into(),
        };
        let patched = PatchSecret {
            client_secret: SECRET.into(),
        };
        for shown in [
            format!("{created:?}"),
            format!("{secret:?}"),
            format!("{patched:?}"),
        ] {
            assert!(!shown.contains("hunter2"), "{shown}");
            assert!(shown.contains(REDACTED), "{shown}");
        }
    }
}

#[cfg(test)]
mod list_body_tests {
    use super::*;

    #[test]
    fn a_page_is_json_with_its_items_links_and_count() {
        let links = Links {
            self_: Link {
                href: "https://x/l?a=\"b\"".into(),
            },
            next: Some(Link {
                href: "https://x/n".into(),
            }),
            prev: None,
        };
        let write =
            |n: &u32, out: &mut Vec<u8>| serde_json::to_writer(out, &serde_json::json!({"n": n}));
        let body = list_body(&[1u32, 2], write, &links, Some(7)).unwrap();
        let page: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            page,
            serde_json::json!({
                "data": [{"n": 1}, {"n": 2}],
                "links": {"self": {"href": "https://x/l?a=\"b\""}, "next": {"href": "https://x/n"}},
                "totalResults": 7,
            })
        );
        let empty = list_body(&[] as &[u32], write, &links, None).unwrap();
        let empty: serde_json::Value = serde_json::from_slice(&empty).unwrap();
        assert_eq!(empty["data"], serde_json::json!([]));
        assert!(empty.get("totalResults").is_none());
    }
}
