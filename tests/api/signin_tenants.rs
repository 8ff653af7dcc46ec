//! Tenant isolation at sign-in (contract §6, §8): a client signs in only the
//! users of its own tenant, a session covers only the clients of its tenant,
//! and a code or refresh token of one tenant is nothing to a client of
//! another.

use crate::support::signin::*;
use crate::support::*;
use reqwest::StatusCode;

#[tokio::test]
async fn a_client_signs_in_only_the_users_of_its_tenant() {
    let app = spawn_app().await;
    let other = app.new_tenant("other").await;
    create_user(&app, &other.token, "only-b@example.com", false).await;
    let a_client = spa(&app, &app.admin.token, true, &[]).await;
    let mut b = Browser::new(&app.base);
    let (_, challenge) = pkce();
    let start = b
        .get(&authorize_url(
            &a_client,
            &code_params(&challenge, "openid", "s"),
        ))
        .await;
    let form = b.follow(&start).await;
    let page = b
        .submit(
            &form,
            &[("email", "only-b@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("The email or password is incorrect."),
        "another tenant's user is no user here"
    );
}

#[tokio::test]
async fn a_session_does_not_reach_another_tenants_clients_nor_do_its_codes() {
    let app = spawn_app().await;
    let other = app.new_tenant("other").await;
    let email = "both@example.com";
    let in_a = create_user(&app, &app.admin.token, email, false).await;
    let in_b = create_user(&app, &other.token, email, false).await;
    let a_client = spa(&app, &app.admin.token, true, &[]).await;
    let b_client = spa(&app, &other.token, true, &[]).await;
    let mut b = Browser::new(&app.base);
    let (verifier, challenge) = pkce();
    let start = b
        .get(&authorize_url(
            &a_client,
            &code_params(&challenge, "openid offline_access", "a"),
        ))
        .await;
    let back = b.sign_in_through(start, email, PASSWORD, "allow").await;
    let a_code = back.redirect_params()["code"].clone();

    // Signed in to tenant A: tenant B's client still asks for a sign-in.
    let mut silent = code_params(&challenge, "openid", "b");
    silent.push(("prompt", "none"));
    let refused = b.get(&authorize_url(&b_client, &silent)).await;
    assert_eq!(refused.redirect_params()["error"], "login_required");
    let start = b
        .get(&authorize_url(
            &b_client,
            &code_params(&challenge, "openid", "b"),
        ))
        .await;
    let page = b.follow(&start).await;
    assert!(
        page.body.contains("name=\"password\""),
        "no single sign-on across tenants"
    );

    // Tenant A's code is nothing to tenant B's client, and stays usable.
    let (status, body) = exchange(&app, &b_client, &a_code, &verifier).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant")),
        "{body}"
    );
    let (status, tokens) = exchange(&app, &a_client, &a_code, &verifier).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let access = claims(tokens["access_token"].as_str().unwrap());
    assert_eq!(access["sub"], in_a.as_str());
    assert_eq!(access["tenant_id"], app.admin.tenant_id.as_str());
    assert_ne!(in_a, in_b);

    // So is its refresh token, which also stays usable.
    let refresh_token = tokens["refresh_token"].as_str().unwrap();
    let (status, body) = refresh(&app, &b_client, refresh_token).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant")),
        "{body}"
    );
    let (status, body) = refresh(&app, &a_client, refresh_token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}
