//! The users API (contract §7) over real HTTP: create, get, patch, delete,
//! each rule's 400 naming its field, 409 on a taken email or subject, the
//! users scopes, tenant isolation, and the password stored only as an
//! Argon2id hash.

use crate::support::users::*;
use crate::support::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

const INVALID_FIELD: (&str, &str) = ("USERS-1", "Invalid user field value.");

#[tokio::test]
async fn create_answers_201_with_location_and_never_the_password() {
    let app = spawn_app().await;
    let t = &app.admin.token;
    let res = app
        .http
        .post(app.url(USERS))
        .bearer_auth(t)
        .json(&json!({"email": "Ada@Example.com", "name": "Ada", "password": PASSWORD, "roles": ["TenantAdmin"]}))
        .send()
        .await
        .unwrap();
    let location = res
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned());
    let (status, u) = read(res).await;
    assert_eq!(status, StatusCode::CREATED, "{u}");
    let id = u["id"].as_str().unwrap();
    assert_eq!(id.len(), 32);
    assert!(
        id.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    );
    assert_eq!(location.as_deref(), Some(format!("{USERS}/{id}").as_str()));
    let mut keys: Vec<&str> = u.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "createdAt",
            "email",
            "id",
            "name",
            "roles",
            "status",
            "subject",
            "updatedAt"
        ]
    );
    assert_eq!(u["subject"], id, "subject defaults to the id");
    assert_eq!(u["email"], "Ada@Example.com");
    assert_eq!(u["status"], "active");
    assert_eq!(u["roles"], json!(["TenantAdmin"]));
    assert!(!u.to_string().contains(PASSWORD));
    let (status, got) = get_user(&app, t, id).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(got, u);
}

#[tokio::test]
async fn each_create_rule_fails_with_400_naming_the_field() {
    let app = spawn_app().await;
    let t = &app.admin.token;
    let base = json!({"email": "a@example.com", "name": "A", "password": PASSWORD});
    let with = |k: &str, v: Value| {
        let mut b = base.clone();
        b[k] = v;
        b
    };
    let without = |k: &str| {
        let mut b = base.clone();
        b.as_object_mut().unwrap().remove(k);
        b
    };
    let cases = [
        (without("email"), "email"),
        (with("email", json!("not-an-email")), "email"),
        (
            with("email", json!(format!("{}@e.com", "a".repeat(315)))),
            "email",
        ),
        (without("name"), "name"),
        (with("name", json!(" ")), "name"),
        (with("name", json!("n".repeat(513))), "name"),
        (without("password"), "password"),
        (with("password", json!("elevenchars")), "password"),
        (with("password", json!("p".repeat(1025))), "password"),
        (with("roles", json!(["Owner"])), "roles[0]"),
        (with("status", json!("paused")), "status"),
        (with("subject", json!("s".repeat(257))), "subject"),
        (with("id", json!("x")), "id"),
        (with("unknown", json!(1)), "unknown"),
    ];
    for (body, field) in cases {
        let (status, e) = create_user(&app, t, body.clone()).await;
        assert_code(
            status,
            &e,
            StatusCode::BAD_REQUEST,
            INVALID_FIELD.0,
            INVALID_FIELD.1,
        );
        let detail = e["errors"][0]["detail"].as_str().unwrap();
        assert!(
            detail.starts_with(&format!("{field}:")),
            "case {body}: {detail}"
        );
        assert!(!detail.contains(PASSWORD));
    }
    let (status, e) = create_user(&app, t, json!([])).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{e}");
    let (_, list) = app.list(t, "").await;
    assert_eq!(
        list["data"].as_array().unwrap().len(),
        PROVISIONED_CLIENTS,
        "no client was touched"
    );
}

#[tokio::test]
async fn a_taken_email_is_409_on_create_and_patch_case_insensitively() {
    let app = spawn_app().await;
    let t = &app.admin.token;
    user(&app, t, "grace@example.com").await;
    let (status, e) = create_user(
        &app,
        t,
        json!({"email": "GRACE@example.COM", "name": "G", "password": PASSWORD}),
    )
    .await;
    assert_code(
        status,
        &e,
        StatusCode::CONFLICT,
        "USERS-5",
        "Email already in use.",
    );
    let other = user(&app, t, "other@example.com").await;
    let id = other["id"].as_str().unwrap();
    let (status, e) = patch_user(
        &app,
        t,
        id,
        json!([{"op": "replace", "path": "/email", "value": "Grace@Example.com"}]),
    )
    .await;
    assert_code(
        status,
        &e,
        StatusCode::CONFLICT,
        "USERS-5",
        "Email already in use.",
    );
    let (_, unchanged) = get_user(&app, t, id).await;
    assert_eq!(unchanged, other, "a refused patch changes nothing");
    // Changing the case of one's own email is no conflict.
    let (status, _) = patch_user(
        &app,
        t,
        id,
        json!([{"op": "replace", "path": "/email", "value": "OTHER@example.com"}]),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn a_taken_subject_is_409() {
    let app = spawn_app().await;
    let t = &app.admin.token;
    let body = |email: &str| json!({"email": email, "name": "S", "password": PASSWORD, "subject": "idp|42"});
    let (status, u) = create_user(&app, t, body("s1@example.com")).await;
    assert_eq!(status, StatusCode::CREATED, "{u}");
    assert_eq!(u["subject"], "idp|42");
    let (status, e) = create_user(&app, t, body("s2@example.com")).await;
    assert_code(
        status,
        &e,
        StatusCode::CONFLICT,
        "USERS-6",
        "Subject already in use.",
    );
}

#[tokio::test]
async fn patch_changes_fields_and_the_password_and_moves_updated_at() {
    let app = spawn_app().await;
    let t = &app.admin.token;
    let u = user(&app, t, "lin@example.com").await;
    let id = u["id"].as_str().unwrap();
    let (status, body) = patch_user(
        &app,
        t,
        id,
        json!([
            {"op": "replace", "path": "/name", "value": "Lin L."},
            {"op": "replace", "path": "/status", "value": "disabled"},
            {"op": "replace", "path": "/roles", "value": ["TenantAdmin"]},
            {"op": "replace", "path": "/password", "value": "a brand new passphrase"}
        ]),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (_, after) = get_user(&app, t, id).await;
    assert_eq!(after["name"], "Lin L.");
    assert_eq!(after["status"], "disabled");
    assert_eq!(after["roles"], json!(["TenantAdmin"]));
    assert_eq!(after["createdAt"], u["createdAt"]);
    assert!(after["updatedAt"].as_str() > u["updatedAt"].as_str());
    let hash = stored_hash(&app, id).await;
    assert!(registrar::domain::password::verify(
        "a brand new passphrase",
        &hash
    ));
    assert!(!registrar::domain::password::verify(PASSWORD, &hash));
}

#[tokio::test]
async fn bad_patches_are_400_and_change_nothing() {
    let app = spawn_app().await;
    let t = &app.admin.token;
    let u = user(&app, t, "kim@example.com").await;
    let id = u["id"].as_str().unwrap();
    let patch_code = ("USERS-2", "Invalid user patch document.");
    for (ops, code, needle) in [
        (json!([]), patch_code, ""),
        (
            json!([{"op": "replace", "path": "/subject", "value": "x"}]),
            patch_code,
            "[0].path",
        ),
        (
            json!([{"op": "remove", "path": "/password"}]),
            patch_code,
            "[0].op",
        ),
        (
            json!([{"op": "replace", "path": "/password", "value": "short"}]),
            patch_code,
            "[0].value",
        ),
        (
            json!([{"op": "copy", "path": "/name", "from": "/email"}]),
            patch_code,
            "[0].op",
        ),
        (
            json!([{"op": "replace", "path": "/name", "value": "New"}, {"op": "replace", "path": "/email", "value": "bad"}]),
            INVALID_FIELD,
            "email",
        ),
        (
            json!([{"op": "remove", "path": "/name"}]),
            INVALID_FIELD,
            "name",
        ),
        (
            json!([{"op": "replace", "path": "/roles", "value": ["Root"]}]),
            INVALID_FIELD,
            "roles[0]",
        ),
    ] {
        let (status, e) = patch_user(&app, t, id, ops.clone()).await;
        assert_code(status, &e, StatusCode::BAD_REQUEST, code.0, code.1);
        assert!(
            e["errors"][0]["detail"].as_str().unwrap().contains(needle),
            "case {ops}: {e}"
        );
    }
    let (_, after) = get_user(&app, t, id).await;
    assert_eq!(after, u);
    let res = app
        .http
        .patch(app.url(&format!("{USERS}/{id}")))
        .bearer_auth(t)
        .header("content-type", "text/plain")
        .body("[]")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[tokio::test]
async fn delete_needs_confirmation_and_then_the_user_is_gone() {
    let app = spawn_app().await;
    let t = &app.admin.token;
    let u = user(&app, t, "del@example.com").await;
    let id = u["id"].as_str().unwrap();
    let res = app
        .http
        .delete(app.url(&format!("{USERS}/{id}")))
        .bearer_auth(t)
        .header("qlik-confirm-delete", "someone-else")
        .send()
        .await
        .unwrap();
    let (status, e) = read(res).await;
    assert_code(
        status,
        &e,
        StatusCode::BAD_REQUEST,
        "USERS-3",
        "User deletion not confirmed.",
    );
    assert_eq!(get_user(&app, t, id).await.0, StatusCode::OK);
    let (status, _) = delete_user(&app, t, id).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, e) = get_user(&app, t, id).await;
    assert_code(
        status,
        &e,
        StatusCode::NOT_FOUND,
        "USERS-4",
        "User not found.",
    );
    let (status, _) = delete_user(&app, t, id).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, e) = patch_user(
        &app,
        t,
        id,
        json!([{"op": "replace", "path": "/name", "value": "x"}]),
    )
    .await;
    assert_code(
        status,
        &e,
        StatusCode::NOT_FOUND,
        "USERS-4",
        "User not found.",
    );
    // The email is free again.
    user(&app, t, "del@example.com").await;
    let (status, _) = get_user(&app, t, "not-an-id").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_users_scopes_govern_the_users_api_alone() {
    let app = spawn_app().await;
    let admin = &app.admin;
    let u = user(&app, &admin.token, "scope@example.com").await;
    let id = u["id"].as_str().unwrap();
    let body = || json!({"email": "new@example.com", "name": "N", "password": PASSWORD});

    let clients_only = app
        .token_with_scopes(admin, &["oauth-clients:read", "oauth-clients:write"])
        .await;
    let (status, e) = get_user(&app, &clients_only, id).await;
    assert_code(
        status,
        &e,
        StatusCode::FORBIDDEN,
        "OAUTH-CLIENTS-13",
        "Forbidden.",
    );
    assert!(
        e["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("users:read")
    );
    let (status, e) = create_user(&app, &clients_only, body()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{e}");

    let read_only = app.token_with_scopes(admin, &["users:read"]).await;
    assert_eq!(get_user(&app, &read_only, id).await.0, StatusCode::OK);
    let (status, e) = create_user(&app, &read_only, body()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        e["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("users:write")
    );
    assert_eq!(
        delete_user(&app, &read_only, id).await.0,
        StatusCode::FORBIDDEN
    );
    let (status, _) = app.list(&read_only, "").await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "users:read is not oauth-clients:read"
    );

    let write = app.token_with_scopes(admin, &["users:write"]).await;
    assert_eq!(get_user(&app, &write, id).await.0, StatusCode::OK);
    assert_eq!(
        create_user(&app, &write, body()).await.0,
        StatusCode::CREATED
    );
    let ops = json!([{"op": "replace", "path": "/name", "value": "W"}]);
    assert_eq!(
        patch_user(&app, &write, id, ops).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        delete_user(&app, &write, id).await.0,
        StatusCode::NO_CONTENT
    );
}

#[tokio::test]
async fn a_user_of_another_tenant_is_answered_like_a_missing_one() {
    let app = spawn_app().await;
    let other = app.new_tenant("other").await;
    let theirs = user(&app, &other.token, "shared@example.com").await;
    let id = theirs["id"].as_str().unwrap();
    let missing = "a".repeat(32);
    let strip = |mut v: Value| {
        v.as_object_mut().unwrap().remove("traceId");
        v
    };
    let t = &app.admin.token;
    let (s1, foreign) = get_user(&app, t, id).await;
    let (s2, absent) = get_user(&app, t, &missing).await;
    assert_eq!((s1, strip(foreign)), (s2, strip(absent)));
    let ops = json!([{"op": "replace", "path": "/status", "value": "disabled"}]);
    let (s1, foreign) = patch_user(&app, t, id, ops.clone()).await;
    let (s2, absent) = patch_user(&app, t, &missing, ops).await;
    assert_eq!(s1, StatusCode::NOT_FOUND);
    assert_eq!((s1, strip(foreign)), (s2, strip(absent)));
    let (s1, foreign) = delete_user(&app, t, id).await;
    let (s2, absent) = delete_user(&app, t, &missing).await;
    assert_eq!((s1, strip(foreign)), (s2, strip(absent)));
    // Untouched in its own tenant, and its email is free in this one.
    let (status, still) = get_user(&app, &other.token, id).await;
    assert_eq!((status, still), (StatusCode::OK, theirs));
    user(&app, t, "SHARED@example.com").await;
}

/// The stored password hash of a user, read from the store directly.
async fn stored_hash(app: &TestApp, id: &str) -> String {
    let tenant = registrar::domain::ids::TenantId::from_trusted(app.admin.tenant_id.clone());
    let uid = registrar::domain::user::UserId::from_trusted(id);
    let found = app
        .store
        .find_sign_in_user(&tenant, registrar::domain::user::UserKey::Id(&uid))
        .await
        .unwrap()
        .expect("user stored");
    found.password_hash
}

#[tokio::test]
async fn the_password_is_stored_only_as_an_argon2id_hash() {
    let app = spawn_app().await;
    let password = "plaintext-canary-7f3a9c2e";
    let (status, u) = create_user(
        &app,
        &app.admin.token,
        json!({"email": "canary@example.com", "name": "C", "password": password}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{u}");
    let id = u["id"].as_str().unwrap();
    let second = "second-canary-0b1d2e3f";
    let ops = json!([{"op": "replace", "path": "/password", "value": second}]);
    assert_eq!(
        patch_user(&app, &app.admin.token, id, ops).await.0,
        StatusCode::NO_CONTENT
    );
    let hash = stored_hash(&app, id).await;
    assert!(
        hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{hash}"
    );
    let (_, got) = get_user(&app, &app.admin.token, id).await;
    assert!(
        !got.to_string().contains("argon2"),
        "the hash is never shown"
    );
    let stored = stored_bytes(&app).await;
    for canary in [password, second] {
        assert!(
            !stored.windows(canary.len()).any(|w| w == canary.as_bytes()),
            "`{canary}` found in the database"
        );
    }
    assert!(
        stored.windows(10).any(|w| w == b"$argon2id$"),
        "the scan must see the stored hash, or it proves nothing"
    );
}

/// Everything the database holds: the SQLite file and its WAL, or every
/// PostgreSQL row of the users table as text.
async fn stored_bytes(app: &TestApp) -> Vec<u8> {
    if let Some(path) = app.db.sqlite_path() {
        let mut bytes = std::fs::read(&path).unwrap();
        let wal = path.with_extension("db-wal");
        if let Ok(more) = std::fs::read(wal) {
            bytes.extend(more);
        }
        return bytes;
    }
    use sqlx::Connection as _;
    let mut conn = sqlx::PgConnection::connect(&app.db.url).await.unwrap();
    let rows: Vec<(String,)> = sqlx::query_as("SELECT row_to_json(u)::text FROM users u")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    rows.into_iter().flat_map(|(r,)| r.into_bytes()).collect()
}
