//! `clients ls`: one page as a JSON array, `--all` over 250 clients as JSON
//! lines, sorting, filtering, and the forced table.

use super::{Cli, id_of};
use crate::support::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// 250 clients through the API, concurrently (the in-process server has no
/// rate limits).
async fn create_many(app: &TestApp, n: usize) -> BTreeSet<String> {
    let mut tasks = tokio::task::JoinSet::new();
    let mut ids = BTreeSet::new();
    for batch in (0..n).collect::<Vec<_>>().chunks(25) {
        for i in batch {
            let (http, url, token) = (
                app.http.clone(),
                app.url("/api/core/oauth-clients"),
                app.admin.token.clone(),
            );
            let body = json!({"appType": "spa", "clientName": format!("bulk {i:03}")});
            tasks.spawn(async move {
                let res = http
                    .post(url)
                    .bearer_auth(token)
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                let (status, c) = read(res).await;
                assert_eq!(status, StatusCode::CREATED, "{c}");
                id_of(&c)
            });
        }
        while let Some(id) = tasks.join_next().await {
            ids.insert(id.unwrap());
        }
    }
    ids
}

#[tokio::test]
async fn ls_all_follows_next_over_250_clients_as_one_json_object_per_line() {
    let app = spawn_app().await;
    let cli = Cli::new();
    cli.login(&app, "default").await.ok();
    let mut expected = create_many(&app, 250).await;
    expected.extend(app.admin.provisioned_ids());

    let all = cli
        .run(&[
            "clients", "ls", "--all", "--limit", "100", "--output", "json",
        ])
        .await
        .ok();
    let lines: Vec<&str> = all.stdout.lines().collect();
    assert_eq!(
        lines.len(),
        250 + PROVISIONED_CLIENTS,
        "one line per client"
    );
    let seen: Vec<String> = lines
        .iter()
        .map(|l| id_of(&serde_json::from_str(l).expect("each line is JSON")))
        .collect();
    assert_eq!(
        seen.iter().cloned().collect::<BTreeSet<_>>(),
        expected,
        "every client once"
    );
    assert_eq!(seen.len(), expected.len(), "no client twice");
    assert!(
        !all.stderr.contains("fetched"),
        "no progress when stderr is not a terminal: {}",
        all.stderr
    );

    // `| head -1`: a reader that goes away after one line ends the command
    // quietly with status 0 (the rest does not fit in the pipe's buffer).
    let mut cmd = cli.command(&["clients", "ls", "--all", "--output", "json"]);
    let status = tokio::task::spawn_blocking(move || {
        use std::io::BufRead as _;
        let mut child = cmd
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut first = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        assert!(first.starts_with('{'), "{first}");
        child.wait().unwrap()
    })
    .await
    .unwrap();
    assert_eq!(status.code(), Some(0), "a closed stdout is not an error");

    // The default page size, piped: JSON lines all the same, and a sort.
    let sorted = cli
        .run(&["clients", "ls", "--all", "--sort", "+clientName"])
        .await
        .ok();
    let names: Vec<String> = sorted
        .stdout
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["clientName"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(names.len(), 250 + PROVISIONED_CLIENTS);
    assert!(
        names
            .windows(2)
            .all(|w| w[0].to_lowercase() <= w[1].to_lowercase()),
        "sorted by name"
    );

    // Without --all: one page, one JSON array, and a note that more follow.
    let page = cli.run(&["clients", "ls", "--limit", "100"]).await.ok();
    assert_eq!(page.json().as_array().unwrap().len(), 100);
    assert!(
        page.stderr.contains("more clients follow"),
        "{}",
        page.stderr
    );

    // --output table forces the table when piped: a header and a line per client.
    let table = cli
        .run(&[
            "clients",
            "ls",
            "--all",
            "--output",
            "table",
            "--filter",
            "clientName sw \"bulk 00\"",
        ])
        .await
        .ok();
    let rows: Vec<&str> = table.stdout.lines().collect();
    assert_eq!(rows.len(), 11, "{}", table.stdout);
    let header: Vec<&str> = rows[0].split_whitespace().collect();
    assert_eq!(header, ["CLIENT", "ID", "NAME", "TYPE", "CREATED"]);
    let name_at = rows[0].find("NAME").unwrap();
    assert!(
        rows[1..]
            .iter()
            .all(|r| r[name_at..].starts_with("bulk 00")),
        "aligned: {}",
        table.stdout
    );
}
