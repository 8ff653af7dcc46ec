//! Unit tests of the liveness decision.
use super::*;
use crate::domain::public_keys::generated_p384_jwk;
use crate::domain::validate::{Mode, parse_config};
use serde_json::json;

fn config(extra: serde_json::Value) -> ClientConfig {
    let mut body = json!({
        "appType": "web",
        "clientName": "c",
        "allowedGrantTypes": ["client_credentials"],
        "allowedScopes": ["a", "b"],
        "allowedAuthMethods": ["client_secret", "private_key_jwt"],
        "publicKeys": [generated_p384_jwk("k1")],
    });
    for (k, v) in extra.as_object().unwrap() {
        if v.is_null() {
            body.as_object_mut().unwrap().remove(k);
        } else {
            body[k] = v.clone();
        }
    }
    parse_config(&body, Mode::Create).unwrap()
}

fn live(config: ClientConfig) -> LiveFacts {
    LiveFacts {
        client: Some(ClientFacts {
            config,
            secret_ids: vec!["s1".into(), "s2".into()],
            token_generation: 3,
        }),
        revoked: false,
        user_active: false,
        user_admin: false,
        grant_live: false,
    }
}

fn token(credential: &str) -> TokenFacts<'_> {
    TokenFacts {
        scopes: "a b",
        grant: Some("client_credentials"),
        credential: Some(credential),
        generation: Some(3),
        for_user: false,
        sign_in_grant: None,
    }
}

#[test]
fn a_token_lives_while_everything_it_was_issued_on_stands() {
    let now = live(config(json!({})));
    assert_eq!(check(&token("s.s1"), &now), Ok(()));
    assert_eq!(check(&token("s.s2"), &now), Ok(()), "another secret");
    let key = &now
        .client
        .as_ref()
        .unwrap()
        .config
        .public_keys
        .as_ref()
        .unwrap()[0];
    let by_key = format!("k.{}", thumbprint(key));
    assert_eq!(check(&token(&by_key), &now), Ok(()));
    let newer = TokenFacts {
        generation: Some(4),
        ..token("s.s1")
    };
    assert_eq!(check(&newer, &now), Ok(()), "issued after a revocation");
}

#[test]
fn a_users_token_lives_only_while_its_user_is_active() {
    let user_token = TokenFacts {
        for_user: true,
        ..token("s.s1")
    };
    let active = LiveFacts {
        user_active: true,
        ..live(config(json!({})))
    };
    assert_eq!(check(&user_token, &active), Ok(()));
    let gone = live(config(json!({})));
    assert_eq!(check(&user_token, &gone), Err(Refusal::UserGone));
    assert_eq!(
        check(&token("s.s1"), &gone),
        Ok(()),
        "a client's token has no user"
    );
}

#[test]
fn each_change_it_was_issued_on_refuses_it() {
    let base = config(json!({}));
    let key = base.public_keys.as_ref().unwrap()[0].clone();
    let by_key = format!("k.{}", thumbprint(&key));
    let cases: Vec<(&str, LiveFacts, TokenFacts<'_>, Refusal)> = vec![
        (
            "revoked",
            LiveFacts {
                revoked: true,
                ..live(base.clone())
            },
            token("s.s1"),
            Refusal::Revoked,
        ),
        (
            "client deleted",
            LiveFacts {
                client: None,
                ..live(base.clone())
            },
            token("s.s1"),
            Refusal::ClientGone,
        ),
        (
            "tokens revoked",
            live(base.clone()),
            TokenFacts {
                generation: Some(2),
                ..token("s.s1")
            },
            Refusal::TokensRevoked,
        ),
        (
            "secret deleted",
            live(base.clone()),
            token("s.gone"),
            Refusal::CredentialGone,
        ),
        (
            "key removed",
            live(config(json!({"publicKeys": [generated_p384_jwk("k2")]}))),
            token(&by_key),
            Refusal::CredentialGone,
        ),
        (
            "client_secret no longer allowed",
            live(config(json!({"allowedAuthMethods": ["private_key_jwt"]}))),
            token("s.s1"),
            Refusal::AuthMethodNotAllowed,
        ),
        (
            "private_key_jwt no longer allowed",
            live(config(
                json!({"allowedAuthMethods": ["client_secret"], "publicKeys": null}),
            )),
            token(&by_key),
            Refusal::AuthMethodNotAllowed,
        ),
        (
            "grant no longer allowed",
            live(config(json!({"allowedGrantTypes": []}))),
            token("s.s1"),
            Refusal::GrantNotAllowed,
        ),
        (
            "a scope no longer allowed",
            live(config(json!({"allowedScopes": ["a"]}))),
            token("s.s1"),
            Refusal::ScopeNotAllowed("b".into()),
        ),
        (
            "no credential claim",
            live(base.clone()),
            TokenFacts {
                credential: None,
                ..token("s.s1")
            },
            Refusal::Unbound,
        ),
        (
            "a credential claim of no known kind",
            live(base),
            token("x.s1"),
            Refusal::Unbound,
        ),
    ];
    for (name, now, token, expected) in cases {
        assert_eq!(check(&token, &now), Err(expected), "{name}");
    }
}

#[test]
fn credential_claims_round_trip() {
    for c in [
        Credential::Secret("abc".into()),
        Credential::Key("t-_x".into()),
        Credential::Public,
    ] {
        assert_eq!(Credential::parse(&c.claim()), Some(c));
    }
    assert_eq!(Credential::parse("s."), None);
    assert_eq!(Credential::parse("nodot"), None);
}

fn spa() -> ClientConfig {
    parse_config(
        &json!({
            "appType": "spa",
            "clientName": "s",
            "redirectUris": ["https://app.example/cb"],
            "allowedScopes": ["a", "oauth-clients:read"],
        }),
        Mode::Create,
    )
    .unwrap()
}

fn signed_in(config: ClientConfig) -> LiveFacts {
    LiveFacts {
        user_active: true,
        grant_live: true,
        ..live(config)
    }
}

fn user_token<'a>(grant: &'a str, scopes: &'a str) -> TokenFacts<'a> {
    TokenFacts {
        scopes,
        grant: Some(grant),
        credential: Some("none"),
        generation: Some(3),
        for_user: true,
        sign_in_grant: Some("g1"),
    }
}

#[test]
fn a_sign_in_token_lives_while_its_grant_stands() {
    let now = signed_in(spa());
    for grant in [AUTHORIZATION_CODE, REFRESH_TOKEN] {
        assert_eq!(
            check(
                &user_token(grant, "openid profile email offline_access a"),
                &now
            ),
            Ok(()),
            "{grant}: the OpenID Connect scopes need no listing"
        );
    }
    let web = config(json!({"redirectUris": ["https://web.example/cb"]}));
    let by_secret = TokenFacts {
        credential: Some("s.s1"),
        ..user_token(AUTHORIZATION_CODE, "openid a")
    };
    assert_eq!(check(&by_secret, &signed_in(web)), Ok(()), "a web client");
}

#[test]
fn each_change_a_sign_in_token_was_issued_on_refuses_it() {
    let web_without_uris = config(json!({}));
    let cases: Vec<(&str, LiveFacts, TokenFacts<'_>, Refusal)> = vec![
        (
            "grant revoked (code or refresh token reused, consent revoked)",
            LiveFacts {
                grant_live: false,
                ..signed_in(spa())
            },
            user_token(AUTHORIZATION_CODE, "openid"),
            Refusal::GrantRevoked,
        ),
        (
            "user disabled",
            LiveFacts {
                user_active: false,
                ..signed_in(spa())
            },
            user_token(REFRESH_TOKEN, "openid"),
            Refusal::UserGone,
        ),
        (
            "client's tokens revoked",
            signed_in(spa()),
            TokenFacts {
                generation: Some(2),
                ..user_token(REFRESH_TOKEN, "openid")
            },
            Refusal::TokensRevoked,
        ),
        (
            "a management scope of a user no longer TenantAdmin",
            signed_in(spa()),
            user_token(AUTHORIZATION_CODE, "openid oauth-clients:read"),
            Refusal::ScopeNotAllowed("oauth-clients:read".into()),
        ),
        (
            "a scope the client no longer allows",
            signed_in(spa()),
            user_token(AUTHORIZATION_CODE, "openid b"),
            Refusal::ScopeNotAllowed("b".into()),
        ),
        (
            "the client no longer signs people in",
            signed_in(web_without_uris),
            TokenFacts {
                credential: Some("s.s1"),
                ..user_token(AUTHORIZATION_CODE, "openid")
            },
            Refusal::GrantNotAllowed,
        ),
        (
            "no credential is a public client's only",
            signed_in(config(json!({"redirectUris": ["https://web.example/cb"]}))),
            user_token(AUTHORIZATION_CODE, "openid"),
            Refusal::AuthMethodNotAllowed,
        ),
        (
            "a sign-in grant type without its grant",
            signed_in(spa()),
            TokenFacts {
                sign_in_grant: None,
                ..user_token(AUTHORIZATION_CODE, "openid")
            },
            Refusal::Unbound,
        ),
        (
            "a grant on a client's own token",
            signed_in(spa()),
            TokenFacts {
                for_user: false,
                ..user_token(AUTHORIZATION_CODE, "openid")
            },
            Refusal::Unbound,
        ),
        (
            "a grant on a client-credentials token",
            signed_in(config(json!({}))),
            TokenFacts {
                sign_in_grant: Some("g1"),
                ..token("s.s1")
            },
            Refusal::Unbound,
        ),
    ];
    for (name, now, token, expected) in cases {
        assert_eq!(check(&token, &now), Err(expected), "{name}");
    }
    let admin = LiveFacts {
        user_admin: true,
        ..signed_in(spa())
    };
    assert_eq!(
        check(
            &user_token(AUTHORIZATION_CODE, "openid oauth-clients:read"),
            &admin
        ),
        Ok(()),
        "a TenantAdmin keeps the management scope"
    );
}
