//! `users create|get|patch|rm|ls` against a real server, checked through the
//! users API after each command; the password never appears in any output.

use super::Cli;
use crate::support::users::{PASSWORD, create_user, get_user};
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

#[tokio::test]
async fn users_ls_sorts_filters_and_follows_every_page() {
    let app = spawn_app().await;
    let cli = Cli::new();
    cli.login(&app, "default").await.ok();
    let token = &app.admin.token;
    let mut ids = std::collections::BTreeSet::new();
    for (email, status) in [
        ("Carol@example.com", "active"),
        ("alice@example.com", "disabled"),
        ("bob@example.org", "active"),
        ("Dave@example.com", "disabled"),
        ("erin@example.net", "active"),
        ("frank@example.com", "active"),
        ("grace@example.org", "active"),
    ] {
        let body = serde_json::json!({"email": email, "name": email, "password": PASSWORD, "status": status});
        let (status, u) = create_user(&app, token, body).await;
        assert_eq!(status, StatusCode::CREATED, "{u}");
        ids.insert(u["id"].as_str().unwrap().to_owned());
    }

    // --all over pages of 3: one JSON object per line, every user once.
    let all = cli
        .run(&["users", "ls", "--all", "--limit", "3", "--output", "json"])
        .await
        .ok();
    let seen: Vec<String> = all
        .stdout
        .lines()
        .map(|l| {
            let u: serde_json::Value = serde_json::from_str(l).expect("a JSON line");
            u["id"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(seen.len(), 7, "{}", all.stdout);
    assert_eq!(
        seen.into_iter().collect::<std::collections::BTreeSet<_>>(),
        ids
    );

    // One page, sorted by email (case-insensitively): a JSON array.
    let sorted = cli
        .run(&["users", "ls", "--sort", "+email", "--output", "json"])
        .await
        .ok();
    let emails: Vec<String> = sorted
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap().to_lowercase())
        .collect();
    let mut expected = emails.clone();
    expected.sort();
    assert_eq!(emails, expected);
    assert_eq!(emails.len(), 7);

    // A filter, and the table's columns.
    let disabled = cli
        .run(&[
            "users",
            "ls",
            "--filter",
            "status eq \"disabled\" and email ew \"@EXAMPLE.com\"",
            "--sort=-email",
            "--output",
            "table",
        ])
        .await
        .ok();
    let rows: Vec<&str> = disabled.stdout.lines().collect();
    assert_eq!(rows.len(), 3, "{}", disabled.stdout);
    let header: Vec<&str> = rows[0].split_whitespace().collect();
    assert_eq!(
        header,
        ["ID", "EMAIL", "NAME", "STATUS", "ROLES", "CREATED"]
    );
    assert!(rows[1].contains("Dave@example.com"), "{}", disabled.stdout);
    assert!(rows[2].contains("alice@example.com"), "{}", disabled.stdout);

    // One short page says more follow; a bad sort exits 1 with the API's detail.
    let page = cli.run(&["users", "ls", "--limit", "2"]).await.ok();
    assert_eq!(page.json().as_array().unwrap().len(), 2);
    assert!(page.stderr.contains("more users follow"), "{}", page.stderr);
    let bad = cli
        .run(&["users", "ls", "--sort", "clientName"])
        .await
        .code(1);
    assert!(bad.stderr.contains("sort"), "{}", bad.stderr);
    assert!(bad.trace_id().is_some(), "{}", bad.stderr);
}
