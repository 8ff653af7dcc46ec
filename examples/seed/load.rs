//! `seed load`: tenants through `registrar tenant create`'s own code, then
//! clients written straight into SQLite in large transactions.

use crate::data::{SplitMix, Templates};
use registrar::cli::tenant::provision;
use registrar::domain::secret::NewSecret;
use registrar::store::{PoolSettings, Store};
use serde_json::json;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use sqlx::{QueryBuilder, Sqlite};
use std::str::FromStr;

pub async fn load(url: &str, big: usize, tenants: usize, small: usize) -> anyhow::Result<()> {
    // Connecting through the store runs the migrations.
    let store = Store::connect(url, &PoolSettings::default()).await?;
    let mut created = Vec::new();
    for (n, size) in std::iter::once(big)
        .chain(std::iter::repeat_n(small, tenants))
        .enumerate()
    {
        // The console client's URLs do not matter to the benchmarks.
        let tenant = provision(
            &store,
            &format!("bench tenant {n}"),
            "http://127.0.0.1:8080",
        )
        .await?;
        created.push((tenant, size));
    }
    store.close().await;
    drop(store);

    let pool = bulk_pool(url).await?;
    let templates = Templates::new()?;
    let mut rng = SplitMix(0x5eed_0000_0000_0001);
    let mut out = Vec::new();
    for (tenant, size) in &created {
        let started = std::time::Instant::now();
        load_tenant(&pool, &templates, &mut rng, &tenant.tenant_id, *size).await?;
        eprintln!(
            "seed: {size} clients for {} in {:.1?}",
            tenant.tenant_id,
            started.elapsed()
        );
        out.push(json!({
            "tenantId": tenant.tenant_id,
            "clientId": tenant.client_id,
            "clientSecret": tenant.client_secret,
            "clients": size + 1,
        }));
    }
    let started = std::time::Instant::now();
    // Statistics as a long-lived database would have them (`PRAGMA optimize`).
    sqlx::query("ANALYZE").execute(&pool).await?;
    sqlx::query("PRAGMA journal_mode = WAL")
        .execute(&pool)
        .await?;
    eprintln!("seed: ANALYZE in {:.1?}", started.elapsed());
    pool.close().await;
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}

/// One connection with durability off (the database stays in WAL mode, which
/// the store's background connections keep it in): a failed seed is simply
/// re-run.
async fn bulk_pool(url: &str) -> anyhow::Result<SqlitePool> {
    let opts = SqliteConnectOptions::from_str(url)?
        .pragma("synchronous", "OFF")
        .pragma("cache_size", "-2000000")
        .pragma("temp_store", "MEMORY")
        .foreign_keys(false);
    Ok(SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(opts)
        .await?)
}

/// Rows per INSERT statement (SQLite allows 32766 bound values).
const BATCH: usize = 1000;
/// Rows per transaction.
const TX_ROWS: usize = 50_000;
/// 2022-01-01T00:00:00Z and 2025-06-01T00:00:00Z in microseconds.
pub const START_US: i64 = 1_640_995_200_000_000;
pub const END_US: i64 = 1_748_736_000_000_000;

pub struct Row {
    pub client_id: String,
    pub app_type: &'static str,
    pub name: String,
    pub config: String,
    pub wire: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub secret: Option<NewSecret>,
}

async fn load_tenant(
    pool: &SqlitePool,
    templates: &Templates,
    rng: &mut SplitMix,
    tenant: &str,
    size: usize,
) -> anyhow::Result<()> {
    let step = (END_US - START_US) / i64::try_from(size.max(1))?;
    let mut done = 0;
    while done < size {
        let mut tx = pool.begin().await?;
        let end = (done + TX_ROWS).min(size);
        let mut rows = Vec::with_capacity(BATCH);
        for i in done..end {
            let created_at = START_US + step * i64::try_from(i)? + rng.below(step.max(1));
            rows.push(templates.row(rng, i, created_at)?);
            if rows.len() == BATCH || i + 1 == end {
                insert_rows(&mut tx, tenant, &rows).await?;
                rows.clear();
            }
        }
        tx.commit().await?;
        done = end;
    }
    Ok(())
}

async fn insert_rows(
    tx: &mut sqlx::Transaction<'static, Sqlite>,
    tenant: &str,
    rows: &[Row],
) -> anyhow::Result<()> {
    let mut q = QueryBuilder::<Sqlite>::new("INSERT INTO client_directory (client_id, tenant_id) ");
    q.push_values(rows, |mut b, r| {
        b.push_bind(&r.client_id).push_bind(tenant);
    });
    q.build().execute(&mut **tx).await?;
    let mut q = QueryBuilder::<Sqlite>::new(
        "INSERT INTO clients (tenant_id, client_id, app_type, client_name, name_key, created_at, updated_at, secret_count, config, wire, wire_at) ",
    );
    q.push_values(rows, |mut b, r| {
        b.push_bind(tenant)
            .push_bind(&r.client_id)
            .push_bind(r.app_type)
            .push_bind(&r.name)
            .push_bind(r.name.to_lowercase())
            .push_bind(r.created_at)
            .push_bind(r.updated_at)
            .push_bind(i64::from(r.secret.is_some()))
            .push_bind(&r.config)
            .push_bind(&r.wire)
            .push_bind(r.updated_at);
    });
    q.build().execute(&mut **tx).await?;
    let with_secrets: Vec<&Row> = rows.iter().filter(|r| r.secret.is_some()).collect();
    if !with_secrets.is_empty() {
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO client_secrets (tenant_id, client_id, hint, secret_hash, created_at, created_by) ",
        );
        q.push_values(with_secrets, |mut b, r| {
            let s = r.secret.as_ref();
            b.push_bind(tenant)
                .push_bind(&r.client_id)
                .push_bind(s.map(|s| s.hint.clone()))
                .push_bind(s.map(|s| s.hash.clone()))
                .push_bind(r.created_at)
                .push_bind("seed");
        });
        q.build().execute(&mut **tx).await?;
    }
    Ok(())
}
