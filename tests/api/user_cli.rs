//! `registrar user create` against the real binary (contract §7): the
//! password from stdin, the user as one JSON object on stdout, refusals with
//! exit 1 and a message.

use crate::support::users::*;
use crate::support::*;
use reqwest::StatusCode;
use serde_json::Value;
use std::io::Write as _;
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_registrar");

fn user_create(db: &str, tenant: &str, email: &str, extra: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(BIN)
        .args([
            "user", "create", "--tenant", tenant, "--email", email, "--name", "Cli User",
        ])
        .args(extra)
        .args(["--database-url", db])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run registrar");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[tokio::test]
async fn user_create_reads_the_password_from_stdin_and_prints_the_user() {
    let app = spawn_app().await;
    let tenant = &app.admin.tenant_id;
    let out = user_create(
        &app.db.url,
        tenant,
        "cli@example.com",
        &["--admin"],
        &format!("{PASSWORD}\n"),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 1, "{stdout:?}");
    assert!(!stdout.contains(PASSWORD) && !stderr.contains(PASSWORD));
    let u: Value = serde_json::from_str(&stdout).expect("one JSON object");
    assert_eq!(u["email"], "cli@example.com");
    assert_eq!(u["name"], "Cli User");
    assert_eq!(u["roles"], serde_json::json!(["TenantAdmin"]));
    assert_eq!(u["status"], "active");
    let (status, got) = get_user(&app, &app.admin.token, u["id"].as_str().unwrap()).await;
    assert_eq!((status, got), (StatusCode::OK, u.clone()));
    // The stored hash verifies the password typed, without its line ending.
    let tenant_id = registrar::domain::ids::TenantId::from_trusted(tenant.clone());
    let found = app
        .store
        .find_sign_in_user(
            &tenant_id,
            registrar::domain::user::UserKey::Email("CLI@example.com"),
        )
        .await
        .unwrap()
        .expect("found by email, case-insensitively");
    assert!(registrar::domain::password::verify(
        PASSWORD,
        &found.password_hash
    ));
}

#[tokio::test]
async fn user_create_refuses_a_short_password_a_taken_email_and_an_unknown_tenant() {
    let app = spawn_app().await;
    let db = &app.db.url;
    let tenant = &app.admin.tenant_id;
    let cases = [
        (
            tenant.as_str(),
            "short@example.com",
            "elevenchars\n",
            "at least 12 characters",
        ),
        (
            tenant.as_str(),
            "bad-email",
            "long enough password\n",
            "email",
        ),
        (
            "no-such-tenant",
            "t@example.com",
            "long enough password\n",
            "no tenant",
        ),
    ];
    for (tenant, email, stdin, needle) in cases {
        let out = user_create(db, tenant, email, &[], stdin);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{email}: {stderr}");
        assert!(out.stdout.is_empty(), "{email}: nothing on stdout");
        assert!(
            stderr.contains(needle),
            "{email}: `{stderr}` should mention `{needle}`"
        );
    }
    let ok = user_create(
        db,
        tenant,
        "taken@example.com",
        &[],
        "long enough password\n",
    );
    assert!(ok.status.success());
    let out = user_create(
        db,
        tenant,
        "TAKEN@example.com",
        &[],
        "long enough password\n",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("already exists"));
}
