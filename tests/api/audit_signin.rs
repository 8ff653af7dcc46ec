//! The audit events of sign-in (contract §8, §10): `user.signed-in`,
//! `user.sign-in-failed` (subject the user, or the typed email's hash when
//! none matched), `consent.granted` and `consent.revoked`, each in the
//! transaction of its change, with the request's id; never a password or
//! the email typed.

use crate::support::audit::events_of;
use crate::support::signin::*;
use crate::support::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn of_type<'a>(events: &'a [Value], t: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["type"] == t).collect()
}

#[tokio::test]
async fn sign_ins_failures_and_consents_record_their_events() {
    let app = spawn_app().await;
    let admin = &app.admin.token;
    let user = create_user(&app, admin, "ada@example.com", false).await;
    let client = spa(&app, admin, false, &["photos:read"]).await;
    let mut b = Browser::new(&app.base);
    let (_verifier, challenge) = pkce();
    let start = b
        .get(&authorize_url(
            &client,
            &code_params(&challenge, "openid photos:read", "xyz"),
        ))
        .await;
    let form = b.follow(&start).await;
    let wrong = "not the password at all";
    let again = b
        .submit(&form, &[("email", "ada@example.com"), ("password", wrong)])
        .await;
    assert_eq!(again.status, StatusCode::OK);
    let again = b
        .submit(
            &again,
            &[("email", "Nobody@Example.com"), ("password", wrong)],
        )
        .await;
    assert_eq!(again.status, StatusCode::OK);
    let to_consent = b
        .submit(
            &again,
            &[("email", "ada@example.com"), ("password", PASSWORD)],
        )
        .await;
    let consent = b.follow(&to_consent).await;
    let back = b.submit(&consent, &[("decision", "allow")]).await;
    assert_eq!(back.status, StatusCode::SEE_OTHER, "{}", back.body);
    let revoke = format!("/api/core/users/{user}/consents/{client}");
    let res = app
        .http
        .delete(app.url(&revoke))
        .bearer_auth(admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    // A second revocation changes nothing and records nothing.
    let res = app
        .http
        .delete(app.url(&revoke))
        .bearer_auth(admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);

    let events = events_of(&app, &app.admin.tenant_id).await;
    let failed = of_type(&events, "com.registrar.user.sign-in-failed");
    assert_eq!(failed.len(), 2, "{events:?}");
    assert_eq!(failed[0]["subject"], user.as_str());
    let hashed = registrar::domain::audit::unknown_email_subject("nobody@example.com");
    assert_eq!(failed[1]["subject"], hashed.as_str());
    assert_eq!(failed[1]["data"]["userId"], Value::Null);
    let signed = of_type(&events, "com.registrar.user.signed-in");
    assert_eq!(signed.len(), 1);
    assert_eq!(signed[0]["subject"], user.as_str());
    assert_eq!(signed[0]["actor"], json!({"sub": user, "clientId": client}));
    assert_eq!(signed[0]["data"]["clientId"], client.as_str());
    let granted = of_type(&events, "com.registrar.consent.granted");
    assert_eq!(granted.len(), 1);
    assert_eq!(granted[0]["subject"], user.as_str());
    assert_eq!(granted[0]["data"]["clientId"], client.as_str());
    assert!(
        granted[0]["data"]["scopes"]
            .as_array()
            .unwrap()
            .contains(&json!("photos:read"))
    );
    let revoked = of_type(&events, "com.registrar.consent.revoked");
    assert_eq!(revoked.len(), 1, "one revocation changed something");
    assert_eq!(revoked[0]["subject"], user.as_str());
    let admin_id = app.admin.client_id.as_str();
    assert_eq!(
        revoked[0]["actor"],
        json!({"sub": admin_id, "clientId": admin_id})
    );
    for e in failed.iter().chain(&signed).chain(&granted) {
        assert!(e["traceid"].as_str().is_some_and(|t| !t.is_empty()), "{e}");
        assert!(
            e["source"]
                .as_str()
                .unwrap()
                .ends_with("/oauth/interaction"),
            "{e}"
        );
    }
    for e in &events {
        let text = e.to_string().to_lowercase();
        assert!(
            !text.contains(&PASSWORD.to_lowercase()) && !text.contains(wrong),
            "{text}"
        );
        assert!(
            !text.contains("nobody@example.com"),
            "the typed email: {text}"
        );
    }
}
