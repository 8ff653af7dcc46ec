//! `users create|get|patch|rm` against a real server, checked through the
//! users API after each command; the password never appears in any output.

use super::Cli;
use crate::support::users::{PASSWORD, get_user};
use crate::support::*;
use reqwest::StatusCode;

#[tokio::test]
async fn users_commands_create_get_patch_and_remove_a_user() {
    let app = spawn_app().await;
    let cli = Cli::new();
    cli.login(&app, "default").await.ok();
    let token = app
        .token(&app.admin.client_id, &app.admin.client_secret, None)
        .await;
    cli.secret(PASSWORD);

    let created = cli
        .run_with(
            &[
                "users",
                "create",
                "--email",
                "ada@example.com",
                "--name",
                "Ada",
                "--output",
                "json",
            ],
            Some(&format!("{PASSWORD}\n")),
            &[],
        )
        .await
        .ok();
    assert!(!created.stdout.contains(PASSWORD), "{}", created.stdout);
    let user = created.json();
    let id = user["id"].as_str().expect("id").to_owned();
    assert_eq!(user["email"], "ada@example.com");
    let (status, stored) = get_user(&app, &token, &id).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(stored["name"], "Ada");
    assert_eq!(stored["roles"], serde_json::json!([]));

    let shown = cli
        .run(&["users", "get", &id, "--output", "json"])
        .await
        .ok();
    assert_eq!(shown.json()["id"], id.as_str());

    cli.run(&[
        "users",
        "patch",
        &id,
        "--set",
        "name=Ada King",
        "--set",
        "status=disabled",
        "--add",
        "roles=TenantAdmin",
    ])
    .await
    .ok();
    let (_, patched) = get_user(&app, &token, &id).await;
    assert_eq!(patched["name"], "Ada King");
    assert_eq!(patched["status"], "disabled");
    assert_eq!(patched["roles"], serde_json::json!(["TenantAdmin"]));
    assert!(patched["updatedAt"].as_str() > stored["updatedAt"].as_str());

    let new_password = "another long passphrase";
    cli.secret(new_password);
    let changed = cli
        .run_with(
            &["users", "patch", &id, "--new-password"],
            Some(&format!("{new_password}\n")),
            &[],
        )
        .await
        .ok();
    assert!(!changed.stdout.contains(new_password));

    cli.run(&["users", "rm", &id, "--yes"]).await.ok();
    let (status, _) = get_user(&app, &token, &id).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_taken_email_exits_1_with_the_apis_title_and_detail() {
    let app = spawn_app().await;
    let cli = Cli::new();
    cli.login(&app, "default").await.ok();
    cli.secret(PASSWORD);
    let args = [
        "users",
        "create",
        "--email",
        "bo@example.com",
        "--name",
        "Bo",
    ];
    cli.run_with(&args, Some(&format!("{PASSWORD}\n")), &[])
        .await
        .ok();
    let taken = cli
        .run_with(
            &[
                "users",
                "create",
                "--email",
                "BO@example.com",
                "--name",
                "Bo 2",
            ],
            Some(&format!("{PASSWORD}\n")),
            &[],
        )
        .await
        .code(1);
    assert!(taken.stderr.contains("email"), "{}", taken.stderr);
    assert!(taken.trace_id().is_some(), "{}", taken.stderr);
    let missing = cli.run(&["users", "get", "nosuchuser"]).await.code(1);
    assert!(
        missing.stderr.contains("404") || missing.stderr.to_lowercase().contains("not found"),
        "{}",
        missing.stderr
    );
}
