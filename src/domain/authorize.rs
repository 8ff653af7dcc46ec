//! The rules of an authorization request that need no I/O (contract §8):
//! which clients sign people in, which scopes a request may ask for and
//! which a user is granted, `prompt`, and whether consent must be asked.

use super::client::{AppType, ClientConfig, ConsentMethod};
/// A management scope (`oauth-clients:…`, `users:…`, `audits:read`) reaches a
/// user only when the client allows it and the user is a `TenantAdmin`.
use super::scopes::is_management_scope;

/// Scopes any client that signs people in may request, listed in its
/// `allowedScopes` or not.
pub const OIDC_SCOPES: [&str; 4] = ["openid", "profile", "email", "offline_access"];

/// Most scopes one request may name (contract §4's cap on `allowedScopes`).
pub const MAX_REQUESTED_SCOPES: usize = 100;

/// Whether `config` describes a client that signs people in: `spa` and
/// `native` always, `web` when it has redirect URIs, `anonymous-embed` never.
pub fn signs_people_in(config: &ClientConfig) -> bool {
    match config.app_type {
        AppType::Spa | AppType::Native => true,
        AppType::Web => config.redirect_uris.as_ref().is_some_and(|r| !r.is_empty()),
        AppType::AnonymousEmbed => false,
    }
}

/// Public clients hold no secret: PKCE is their proof of possession.
pub fn is_public(app_type: AppType) -> bool {
    matches!(app_type, AppType::Spa | AppType::Native)
}

/// The scopes of a request, deduplicated in request order, each either an
/// OpenID Connect scope or one of `allowed`; `Err` names the first other.
/// An absent `scope` asks for nothing.
pub fn requested_scopes(
    requested: Option<&str>,
    allowed: &[String],
) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for s in requested.unwrap_or("").split(' ').filter(|s| !s.is_empty()) {
        if out.len() >= MAX_REQUESTED_SCOPES {
            return Err(format!(
                "at most {MAX_REQUESTED_SCOPES} scopes may be requested"
            ));
        }
        if !OIDC_SCOPES.contains(&s) && !allowed.iter().any(|a| a == s) {
            return Err(format!(
                "scope `{}` is not allowed for this client",
                s.chars().take(64).collect::<String>()
            ));
        }
        if !out.iter().any(|o| o == s) {
            out.push(s.to_owned());
        }
    }
    Ok(out)
}

/// What a user is granted of the requested scopes: a management scope is
/// silently left out unless the user is a tenant admin.
pub fn granted_scopes(requested: &[String], is_tenant_admin: bool) -> Vec<String> {
    requested
        .iter()
        .filter(|s| is_tenant_admin || !is_management_scope(s))
        .cloned()
        .collect()
}

pub fn has_scope(scopes: &[String], scope: &str) -> bool {
    scopes.iter().any(|s| s == scope)
}

/// The `prompt` parameter (OpenID Connect Core §3.1.2.1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Prompt {
    /// `none`: answer without showing any page, or fail.
    pub none: bool,
    /// `login`: ask for the password even with a live session.
    pub login: bool,
    /// `consent`: ask for consent even when it was given before.
    pub consent: bool,
}

impl Prompt {
    /// Parses a space-separated `prompt`; `none` combined with another value
    /// and unknown values are refused. `select_account` is accepted and has
    /// no effect (a browser holds one session).
    pub fn parse(raw: Option<&str>) -> Result<Prompt, String> {
        let mut p = Prompt::default();
        let mut count = 0;
        for v in raw.unwrap_or("").split(' ').filter(|s| !s.is_empty()) {
            count += 1;
            match v {
                "none" => p.none = true,
                "login" => p.login = true,
                "consent" => p.consent = true,
                "select_account" => {}
                other => {
                    return Err(format!(
                        "prompt value `{}` is not supported",
                        other.chars().take(32).collect::<String>()
                    ));
                }
            }
        }
        if p.none && count > 1 {
            return Err("prompt=none cannot be combined with other values".into());
        }
        Ok(p)
    }
}

/// Whether the user must be asked: never for a `trusted` client; otherwise
/// when asked to (`prompt=consent`) or when `requested` is not covered by
/// what the user allowed this client before.
pub fn needs_consent(
    method: ConsentMethod,
    remembered: Option<&[String]>,
    requested: &[String],
    prompt: Prompt,
) -> bool {
    if method == ConsentMethod::Trusted {
        return false;
    }
    if prompt.consent {
        return true;
    }
    match remembered {
        None => true,
        Some(allowed) => !requested.iter().all(|s| allowed.contains(s)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::client::ConnectionConfig;

    fn client(app_type: AppType, redirects: Option<Vec<&str>>) -> ClientConfig {
        ClientConfig {
            app_type,
            client_name: "c".into(),
            description: None,
            logo_uri: None,
            client_uri: None,
            redirect_uris: redirects.map(|r| r.into_iter().map(str::to_owned).collect()),
            allowed_origins: None,
            allowed_scopes: None,
            allowed_grant_types: None,
            allowed_auth_methods: None,
            public_keys: None,
            connection_config: ConnectionConfig {
                consent_method: ConsentMethod::Required,
            },
        }
    }

    #[test]
    fn spa_and_native_sign_in_web_only_with_redirects_embed_never() {
        assert!(signs_people_in(&client(AppType::Spa, None)));
        assert!(signs_people_in(&client(AppType::Native, None)));
        assert!(signs_people_in(&client(
            AppType::Web,
            Some(vec!["https://a/cb"])
        )));
        assert!(!signs_people_in(&client(AppType::Web, None)));
        assert!(!signs_people_in(&client(AppType::Web, Some(vec![]))));
        assert!(!signs_people_in(&client(
            AppType::AnonymousEmbed,
            Some(vec!["https://a/cb"])
        )));
    }

    #[test]
    fn oidc_scopes_are_always_allowed_others_only_when_listed() {
        let allowed = vec!["billing:read".to_owned(), "oauth-clients:read".to_owned()];
        assert_eq!(
            requested_scopes(
                Some("openid email openid offline_access billing:read"),
                &allowed
            ),
            Ok(vec![
                "openid".into(),
                "email".into(),
                "offline_access".into(),
                "billing:read".into()
            ])
        );
        assert!(requested_scopes(Some("openid billing:write"), &allowed).is_err());
        assert_eq!(requested_scopes(None, &allowed), Ok(vec![]));
        let many = (0..101).map(|i| format!("s{i}")).collect::<Vec<_>>();
        assert!(requested_scopes(Some(&many.join(" ")), &many).is_err());
    }

    #[test]
    fn management_scopes_only_for_tenant_admins() {
        let req: Vec<String> = [
            "openid",
            "oauth-clients:read",
            "users:write",
            "billing:read",
        ]
        .into_iter()
        .map(str::to_owned)
        .collect();
        assert_eq!(granted_scopes(&req, true), req);
        assert_eq!(
            granted_scopes(&req, false),
            vec!["openid".to_owned(), "billing:read".to_owned()]
        );
    }

    #[test]
    fn prompt_values() {
        assert_eq!(Prompt::parse(None), Ok(Prompt::default()));
        let p = Prompt::parse(Some("login consent")).unwrap();
        assert!(p.login && p.consent && !p.none);
        assert!(Prompt::parse(Some("none")).unwrap().none);
        assert!(Prompt::parse(Some("none login")).is_err());
        assert!(Prompt::parse(Some("bogus")).is_err());
        assert_eq!(Prompt::parse(Some("select_account")), Ok(Prompt::default()));
    }

    #[test]
    fn consent_is_asked_for_new_scopes_or_when_prompted_never_for_trusted() {
        let s = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
        let before = s(&["openid", "email"]);
        let none = Prompt::default();
        let consent = Prompt {
            consent: true,
            ..none
        };
        assert!(needs_consent(
            ConsentMethod::Required,
            None,
            &s(&["openid"]),
            none
        ));
        assert!(!needs_consent(
            ConsentMethod::Required,
            Some(&before),
            &s(&["openid"]),
            none
        ));
        assert!(needs_consent(
            ConsentMethod::Required,
            Some(&before),
            &s(&["openid", "profile"]),
            none
        ));
        assert!(needs_consent(
            ConsentMethod::Required,
            Some(&before),
            &s(&["openid"]),
            consent
        ));
        assert!(!needs_consent(
            ConsentMethod::Trusted,
            None,
            &s(&["openid"]),
            consent
        ));
    }
}
