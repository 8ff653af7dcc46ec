//! Expired client-assertion `jti`s and revocations of expired tokens are
//! deleted by a periodic task (issue 12, point 9), not only by the same
//! tenant's next insert; unexpired ones stay.

use crate::support::*;
use registrar::domain::audit::Origin;
use registrar::domain::ids::{ClientId, TenantId};
use registrar::domain::time::Timestamp;
use registrar::ops::OpsConfig;
use std::time::{Duration, Instant};

/// Rows of `table` whose `jti` is `jti`.
async fn rows(app: &TestApp, table: &str, jti: &str) -> i64 {
    let sql = format!("SELECT count(*) FROM {table} WHERE jti = $1");
    if is_postgres() {
        let pool = sqlx::PgPool::connect(&app.db.url).await.unwrap();
        let n = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(jti)
            .fetch_one(&pool)
            .await
            .unwrap();
        pool.close().await;
        n
    } else {
        let pool = sqlx::SqlitePool::connect(&app.db.url).await.unwrap();
        let n = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(jti)
            .fetch_one(&pool)
            .await
            .unwrap();
        pool.close().await;
        n
    }
}

#[tokio::test]
async fn expired_jtis_and_revocations_are_pruned_by_the_periodic_task() {
    let app = TestApp::spawn_with_ops(
        test_settings(),
        OpsConfig {
            prune_expired_every: Duration::from_millis(200),
            ..Default::default()
        },
    )
    .await;
    let tenant = TenantId::from_trusted(app.admin.tenant_id.clone());
    let client = ClientId::from_trusted(app.admin.client_id.clone());
    let now = Timestamp::now();
    // Recorded "two minutes ago", expired a minute ago: the insert's own
    // pruning (of rows expired before its `now`) leaves them.
    let (then, expired) = (now.plus_seconds(-120), now.plus_seconds(-60));
    let store = &app.store;
    // The live rows first: an insert prunes its tenant's rows expired
    // before its own `now`.
    assert!(
        store
            .use_assertion_jti(&tenant, &client, "live-jti", now.plus_seconds(3600), now)
            .await
            .unwrap()
    );
    store
        .revoke_token(
            &tenant,
            &client,
            "live-token",
            now.plus_seconds(3600),
            now,
            &Origin::command(),
        )
        .await
        .unwrap();
    assert!(
        store
            .use_assertion_jti(&tenant, &client, "old-jti", expired, then)
            .await
            .unwrap()
    );
    store
        .revoke_token(
            &tenant,
            &client,
            "old-token",
            expired,
            then,
            &Origin::command(),
        )
        .await
        .unwrap();
    assert_eq!(rows(&app, "client_assertion_jtis", "old-jti").await, 1);
    assert_eq!(rows(&app, "revoked_tokens", "old-token").await, 1);

    let deadline = Instant::now() + Duration::from_secs(30);
    while (rows(&app, "client_assertion_jtis", "old-jti").await
        + rows(&app, "revoked_tokens", "old-token").await)
        > 0
    {
        assert!(
            Instant::now() < deadline,
            "the expired rows were not pruned"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(rows(&app, "client_assertion_jtis", "live-jti").await, 1);
    assert_eq!(rows(&app, "revoked_tokens", "live-token").await, 1);
}

#[tokio::test]
async fn pruning_walks_every_tenant_in_small_batches() {
    let app = spawn_app().await;
    let other = app.new_tenant("other").await;
    let now = Timestamp::now();
    let (then, expired) = (now.plus_seconds(-120), now.plus_seconds(-60));
    for t in [&app.admin, &other] {
        let tenant = TenantId::from_trusted(t.tenant_id.clone());
        let client = ClientId::from_trusted(t.client_id.clone());
        for i in 0..7 {
            app.store
                .use_assertion_jti(&tenant, &client, &format!("j{i}"), expired, then)
                .await
                .unwrap();
        }
    }
    // Batches of 3: 7 rows take three transactions per tenant.
    let pruned = app.store.prune_expired(now, 3).await.unwrap();
    assert_eq!(pruned, 14);
    assert_eq!(app.store.prune_expired(now, 3).await.unwrap(), 0);
}
