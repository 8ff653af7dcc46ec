//! Retention (`--audit-retention-days`): the periodic task started by
//! `app::serve` deletes events older than the retention period and keeps
//! the newer ones; `sweep` deletes in batches until none is left.

use crate::support::audit::{events_of, exported};
use crate::support::*;
use registrar::audit::AuditSettings;
use registrar::state::Settings;
use std::time::{Duration, Instant};

#[tokio::test]
async fn the_retention_task_deletes_old_events_and_keeps_new_ones() {
    // A retention of 4 s (`--audit-retention-days` takes fractions: this is
    // 0.0000463 days); the task then sweeps every second.
    let retention = Duration::from_secs(4);
    let app = TestApp::spawn_with(Settings {
        audit: AuditSettings {
            retention: Some(retention),
            ..Default::default()
        },
        ..Default::default()
    })
    .await;
    let tenant = app.admin.tenant_id.clone();
    let old = app.web_client(&app.admin.token, "old").await;
    let old_id = old["clientId"].as_str().unwrap().to_owned();
    tokio::time::sleep(retention + Duration::from_millis(500)).await;
    let new = app.web_client(&app.admin.token, "new").await;
    let new_id = new["clientId"].as_str().unwrap().to_owned();
    let created = Instant::now();
    let subjects = |events: Vec<serde_json::Value>| -> Vec<String> {
        events
            .iter()
            .map(|e| e["subject"].as_str().unwrap().to_owned())
            .collect()
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut left = subjects(events_of(&app, &tenant).await);
    while left.contains(&old_id) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
        left = subjects(events_of(&app, &tenant).await);
    }
    assert!(!left.contains(&old_id), "the old event is gone: {left:?}");
    assert!(
        !left.contains(&app.admin.client_id),
        "so is the admin client's"
    );
    // Checked before the new event itself is older than the retention.
    assert!(
        created.elapsed() < retention,
        "the machine is too slow for this test"
    );
    assert_eq!(left, [new_id], "the new event is kept");
}

#[tokio::test]
async fn a_sweep_deletes_in_batches_every_expired_event_of_every_tenant() {
    let app = spawn_app().await;
    let other = app.new_tenant("other").await;
    let app = std::sync::Arc::new(app);
    // More events than one batch: clients created by 16 writers at once.
    let mut tasks = Vec::new();
    for w in 0..16 {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..70 {
                let (s, _) = app
                    .create_client(&app.admin.token, serde_json::json!({"appType":"native","clientName":format!("c{w}-{i}"),"redirectUris":["com.example.app:/cb"]}))
                    .await;
                assert_eq!(s, 201);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let cutoff = registrar::domain::time::Timestamp::now();
    app.web_client(&other.token, "after the cutoff").await;
    let before = exported(&app.store, None).await.0.len();
    // Each tenant's `created` events of its admin and console clients.
    assert_eq!(before, PROVISIONED_CLIENTS + 1120 + PROVISIONED_CLIENTS + 1);
    let deleted = registrar::audit::retention::sweep(&app.store, cutoff)
        .await
        .unwrap();
    assert_eq!(
        usize::try_from(deleted).unwrap(),
        PROVISIONED_CLIENTS + 1120 + PROVISIONED_CLIENTS,
        "both tenants' expired events"
    );
    assert!(events_of(&app, &app.admin.tenant_id).await.is_empty());
    assert_eq!(events_of(&app, &other.tenant_id).await.len(), 1);
    assert_eq!(
        registrar::audit::retention::sweep(&app.store, cutoff)
            .await
            .unwrap(),
        0
    );
}
