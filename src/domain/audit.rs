//! The audit log as the domain states it (contract §10): the kinds of
//! events, who made a change and from where ([`Origin`]), and an event as the
//! CloudEvents 1.0 JSON object that is stored, listed, exported and delivered
//! ([`AuditEvent`]). Every event's `data` passes [`redact`] on the way in, so
//! no secret, password or token value can reach the log whatever a caller
//! hands it.
//!
//! The store writes an event in the same transaction as the change it
//! describes: adding a kind is a variant here and one `record` call in that
//! transaction.

use super::ids::{TenantId, random_alnum};
use super::time::Timestamp;
use serde_json::{Value, json};

/// The `type` of every event, with the resource its `subject` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    /// Subject: the client id (also for the clients made by `tenant create`).
    ClientCreated,
    ClientUpdated,
    ClientDeleted,
    /// Subject: the client id; `data` the secret's hint and metadata.
    SecretCreated,
    SecretDeleted,
    /// Subject: the client id (`…/actions/revoke-tokens`).
    ClientTokensRevoked,
    /// Subject: the client id; `data` holds the access token's `jti`, or
    /// for a sign-in grant (its refresh tokens and access tokens, revoked
    /// together) the `grantId` and a `reason`; never the token.
    TokenRevoked,
    /// Subject: the user id.
    UserCreated,
    UserUpdated,
    UserDeleted,
    UserSignedIn,
    /// Subject: the user id, or [`unknown_email_subject`] when none matched.
    UserSignInFailed,
    /// Subject: the user id.
    ConsentGranted,
    ConsentRevoked,
    /// Subject: the key id; server-wide (no tenant).
    SigningKeyRotated,
}

impl EventType {
    pub const ALL: [EventType; 15] = [
        EventType::ClientCreated,
        EventType::ClientUpdated,
        EventType::ClientDeleted,
        EventType::SecretCreated,
        EventType::SecretDeleted,
        EventType::ClientTokensRevoked,
        EventType::TokenRevoked,
        EventType::UserCreated,
        EventType::UserUpdated,
        EventType::UserDeleted,
        EventType::UserSignedIn,
        EventType::UserSignInFailed,
        EventType::ConsentGranted,
        EventType::ConsentRevoked,
        EventType::SigningKeyRotated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::ClientCreated => "com.registrar.oauth-client.created",
            EventType::ClientUpdated => "com.registrar.oauth-client.updated",
            EventType::ClientDeleted => "com.registrar.oauth-client.deleted",
            EventType::SecretCreated => "com.registrar.oauth-client.secret.created",
            EventType::SecretDeleted => "com.registrar.oauth-client.secret.deleted",
            EventType::ClientTokensRevoked => "com.registrar.oauth-client.tokens.revoked",
            EventType::TokenRevoked => "com.registrar.token.revoked",
            EventType::UserCreated => "com.registrar.user.created",
            EventType::UserUpdated => "com.registrar.user.updated",
            EventType::UserDeleted => "com.registrar.user.deleted",
            EventType::UserSignedIn => "com.registrar.user.signed-in",
            EventType::UserSignInFailed => "com.registrar.user.sign-in-failed",
            EventType::ConsentGranted => "com.registrar.consent.granted",
            EventType::ConsentRevoked => "com.registrar.consent.revoked",
            EventType::SigningKeyRotated => "com.registrar.signing-key.rotated",
        }
    }
}

/// `actor.sub` of the changes `registrar` commands make on the database.
pub const SYSTEM_ACTOR: &str = "system";
/// `source` of the events of `registrar` commands.
pub const COMMAND_SOURCE: &str = "registrar";

/// Who made a change: the access token's `sub` and client, or the system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub sub: String,
    pub client_id: Option<String>,
}

/// Who made a change and from where: what an event takes from its request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub actor: Actor,
    /// The request id (`x-request-id`); `None` for commands.
    pub trace_id: Option<String>,
    /// The CloudEvents `source`: the API's URL, or [`COMMAND_SOURCE`].
    pub source: String,
}

impl Origin {
    /// A change made by a `registrar` command on the database.
    pub fn command() -> Origin {
        Origin {
            actor: Actor {
                sub: SYSTEM_ACTOR.to_owned(),
                client_id: None,
            },
            trace_id: None,
            source: COMMAND_SOURCE.to_owned(),
        }
    }

    /// A change made through the API by `sub` with a token of `client_id`,
    /// in request `trace_id`, at `source`.
    pub fn request(sub: &str, client_id: &str, trace_id: &str, source: String) -> Origin {
        Origin {
            actor: Actor {
                sub: sub.to_owned(),
                client_id: Some(client_id.to_owned()),
            },
            trace_id: Some(trace_id.to_owned()),
            source,
        }
    }

    /// A change made in a browser by the person `sub` (signed in, or
    /// trying to), through the pages of `client_id` when there is one.
    pub fn person(sub: &str, client_id: Option<&str>, trace_id: &str, source: String) -> Origin {
        Origin {
            actor: Actor {
                sub: sub.to_owned(),
                client_id: client_id.map(str::to_owned),
            },
            trace_id: Some(trace_id.to_owned()),
            source,
        }
    }

    /// The event of a change of this origin; `tenant` is `None` for a
    /// server-wide change. `data` is redacted.
    pub fn event(
        &self,
        kind: EventType,
        tenant: Option<&TenantId>,
        subject: &str,
        time: Timestamp,
        mut data: Value,
    ) -> AuditEvent {
        redact(&mut data);
        let id = random_alnum(32);
        let json = serde_json::to_string(&CloudEvent {
            actor: ActorJson {
                sub: &self.actor.sub,
                client_id: self.actor.client_id.as_deref(),
            },
            data: &data,
            datacontenttype: "application/json",
            id: &id,
            source: &self.source,
            specversion: "1.0",
            subject,
            tenantid: tenant.map(TenantId::as_str),
            time: time.to_rfc3339(),
            traceid: self.trace_id.as_deref(),
            kind: kind.as_str(),
        })
        .unwrap_or_default();
        AuditEvent {
            id,
            tenant: tenant.cloned(),
            kind,
            time,
            subject: subject.to_owned(),
            actor_sub: self.actor.sub.clone(),
            trace_id: self.trace_id.clone(),
            json,
        }
    }
}

/// The CloudEvents 1.0 object as recorded, written straight to text (its
/// members in name order, as a JSON object map would put them).
#[derive(serde::Serialize)]
struct CloudEvent<'a> {
    actor: ActorJson<'a>,
    data: &'a Value,
    datacontenttype: &'static str,
    id: &'a str,
    source: &'a str,
    specversion: &'static str,
    subject: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    tenantid: Option<&'a str>,
    time: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    traceid: Option<&'a str>,
    #[serde(rename = "type")]
    kind: &'static str,
}

#[derive(serde::Serialize)]
struct ActorJson<'a> {
    #[serde(rename = "clientId", skip_serializing_if = "Option::is_none")]
    client_id: Option<&'a str>,
    sub: &'a str,
}

/// One event: what the store indexes, and the CloudEvent itself.
#[derive(Debug, Clone)]
pub struct AuditEvent {
    pub id: String,
    /// `None` for server-wide events (signing keys), which no tenant lists.
    pub tenant: Option<TenantId>,
    pub kind: EventType,
    pub time: Timestamp,
    pub subject: String,
    pub actor_sub: String,
    pub trace_id: Option<String>,
    /// The CloudEvents 1.0 JSON object, as recorded.
    pub json: String,
}

/// How an attribute is kept for filtering: filters compare strings without
/// regard to case, so the store keeps (and compares) lowercased copies.
pub fn filter_key(value: &str) -> String {
    value.to_lowercase()
}

/// What replaces a secret value in an event (as in every `Debug` output).
pub use super::secret::REDACTED;

/// Member names whose values are never recorded (compared in lowercase,
/// without `_` and `-`).
const SENSITIVE: [&str; 11] = [
    "clientsecret",
    "secret",
    "password",
    "newpassword",
    "token",
    "accesstoken",
    "refreshtoken",
    "idtoken",
    "privatekey",
    "clientassertion",
    "codeverifier",
];

fn is_sensitive(name: &str) -> bool {
    let norm: String = name
        .chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect();
    SENSITIVE.contains(&norm.as_str())
}

/// Replaces every secret value in `v`: the value of a sensitive member at
/// any depth, and the `value` of a JSON Patch operation whose `path` ends in
/// a sensitive name (`{"op":"replace","path":"/password","value":…}`).
pub fn redact(v: &mut Value) {
    match v {
        Value::Object(map) => {
            let patches_secret = map
                .get("path")
                .and_then(Value::as_str)
                .and_then(|p| p.rsplit('/').next())
                .is_some_and(is_sensitive);
            for (k, member) in map.iter_mut() {
                if is_sensitive(k) || (patches_secret && k == "value") {
                    *member = json!(REDACTED);
                } else {
                    redact(member);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}

/// The subject of a failed sign-in whose email matched no user: the
/// SHA-256 of the email as typed, lowercased, in hex (so failures for one
/// address can be counted without recording it).
pub fn unknown_email_subject(email: &str) -> String {
    let digest = aws_lc_rs::digest::digest(
        &aws_lc_rs::digest::SHA256,
        email.trim().to_lowercase().as_bytes(),
    );
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_is_a_cloudevent_with_the_origin_and_redacted_data() {
        let tenant = TenantId::from_trusted("t1");
        let origin = Origin::request("alice", "c1", "req1", "https://r.test/api/core/x".into());
        let ev = origin.event(
            EventType::ClientUpdated,
            Some(&tenant),
            "Client1",
            Timestamp::from_micros(1_762_439_400_123_456),
            json!([{"op":"replace","path":"/password","value":"hunter2"},
                   {"op":"add","path":"/clientName","value":"n"},
                   {"op":"add","path":"/","value":{"clientSecret":"s3cr3t","n":1}}]),
        );
        let v: Value = serde_json::from_str(&ev.json).unwrap();
        assert_eq!(v["specversion"], "1.0");
        assert_eq!(v["id"], ev.id);
        assert_eq!(ev.id.len(), 32);
        assert_eq!(v["type"], "com.registrar.oauth-client.updated");
        assert_eq!(v["time"], "2025-11-06T14:30:00.123456Z");
        assert_eq!(v["subject"], "Client1");
        assert_eq!(v["tenantid"], "t1");
        assert_eq!(v["actor"], json!({"sub":"alice","clientId":"c1"}));
        assert_eq!(v["traceid"], "req1");
        assert_eq!(v["source"], "https://r.test/api/core/x");
        assert_eq!(v["datacontenttype"], "application/json");
        assert_eq!(v["data"][0]["value"], REDACTED);
        assert_eq!(v["data"][1]["value"], "n");
        assert_eq!(v["data"][2]["value"]["clientSecret"], REDACTED);
        assert_eq!(v["data"][2]["value"]["n"], 1);
        assert!(!ev.json.contains("hunter2") && !ev.json.contains("s3cr3t"));
    }

    #[test]
    fn a_command_event_has_the_system_actor_and_no_trace() {
        let ev = Origin::command().event(
            EventType::SigningKeyRotated,
            None,
            "kid",
            Timestamp::from_micros(0),
            json!({"kid":"kid","privateKey":"x"}),
        );
        let v: Value = serde_json::from_str(&ev.json).unwrap();
        assert_eq!(v["actor"], json!({"sub":"system"}));
        assert_eq!(v["source"], "registrar");
        assert!(v.get("traceid").is_none() && v.get("tenantid").is_none());
        assert_eq!(v["data"]["privateKey"], REDACTED);
    }

    #[test]
    fn sensitive_names_are_found_in_any_spelling() {
        for name in [
            "password",
            "client_secret",
            "clientSecret",
            "access_token",
            "Refresh-Token",
            "token",
        ] {
            assert!(is_sensitive(name), "{name}");
        }
        for name in ["jti", "hint", "clientId", "tokenType", "secretHint", "path"] {
            assert!(!is_sensitive(name), "{name}");
        }
    }

    #[test]
    fn every_type_is_distinct_and_namespaced() {
        let names: std::collections::BTreeSet<&str> =
            EventType::ALL.iter().map(|t| t.as_str()).collect();
        assert_eq!(names.len(), EventType::ALL.len());
        assert!(names.iter().all(|n| n.starts_with("com.registrar.")));
    }

    #[test]
    fn unknown_emails_are_hashed_case_insensitively() {
        let a = unknown_email_subject("Bob@Example.com ");
        assert_eq!(a, unknown_email_subject("bob@example.com"));
        assert_eq!(a.len(), 64);
        assert!(!a.contains("bob"));
    }
}
