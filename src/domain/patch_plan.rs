//! What a change to a client does to its secrets, decided in one place.
//!
//! A secret is drawn without being asked for in exactly one situation: a `web`
//! client comes to allow `client_secret` (by creation or by a patch) and has
//! no secret yet ([`secret_to_draw`]). The 201 of a create and the 202 of a
//! patch carry that secret once. A client that stops allowing `client_secret`
//! loses its stored secrets, which could no longer be used.

use super::client::ClientConfig;
use super::client_record::ClientRecord;
use super::secret::NewSecret;

/// What a patch decided, given the client as it was.
pub struct PatchPlan {
    pub config: ClientConfig,
    /// A secret to add in the same transaction (the 202 case).
    pub new_secret: Option<NewSecret>,
    /// Drop every stored secret (the client no longer allows `client_secret`).
    pub drop_secrets: bool,
}

/// The secret a client gets without asking: `before` is the client as it was
/// (`None` when it is being created), `after` its new configuration.
pub fn secret_to_draw(before: Option<&ClientRecord>, after: &ClientConfig) -> Option<NewSecret> {
    if !after.supports_secrets() {
        return None;
    }
    match before {
        None => Some(NewSecret::generate(&[])),
        Some(current) if current.config.supports_secrets() || !current.secrets.is_empty() => None,
        Some(current) => {
            let taken: Vec<String> = current.secrets.iter().map(|s| s.hint.clone()).collect();
            Some(NewSecret::generate(&taken))
        }
    }
}

/// Decides what a patch does, given the client before and its patched
/// configuration.
pub fn plan_patch(current: &ClientRecord, next: ClientConfig) -> PatchPlan {
    let had = current.config.supports_secrets();
    PatchPlan {
        new_secret: secret_to_draw(Some(current), &next),
        drop_secrets: had && !next.supports_secrets(),
        config: next,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::client_record::SecretInfo;
    use crate::domain::ids::ClientId;
    use crate::domain::time::Timestamp;
    use crate::domain::validate::{Mode, parse_config};
    use serde_json::json;

    fn config(methods: &[&str]) -> ClientConfig {
        parse_config(
            &json!({"appType": "web", "clientName": "c", "allowedAuthMethods": methods,
                    "publicKeys": [crate::domain::public_keys::generated_p384_jwk("k")]}),
            Mode::Create,
        )
        .unwrap()
    }

    fn record(methods: &[&str], secrets: usize) -> ClientRecord {
        let now = Timestamp::from_micros(0);
        ClientRecord {
            client_id: ClientId::generate(),
            config: config(methods),
            created_at: now,
            updated_at: now,
            secrets: (0..secrets)
                .map(|i| SecretInfo {
                    hint: format!("hint{i}"),
                    created_at: now,
                    created_by: "x".into(),
                })
                .collect(),
        }
    }

    #[test]
    fn a_secret_is_drawn_only_when_client_secret_is_gained_without_a_secret() {
        assert!(secret_to_draw(None, &config(&["client_secret"])).is_some());
        assert!(secret_to_draw(None, &config(&["private_key_jwt"])).is_none());
        let keys_only = record(&["private_key_jwt"], 0);
        let plan = plan_patch(&keys_only, config(&["client_secret"]));
        assert!(plan.new_secret.is_some() && !plan.drop_secrets);
        let with_secret = record(&["client_secret"], 1);
        let plan = plan_patch(&with_secret, config(&["client_secret", "private_key_jwt"]));
        assert!(plan.new_secret.is_none() && !plan.drop_secrets);
        let plan = plan_patch(&with_secret, config(&["private_key_jwt"]));
        assert!(plan.new_secret.is_none() && plan.drop_secrets);
    }
}
