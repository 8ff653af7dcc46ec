//! Bulk seeding for the list benchmark (`bench/list.sh`), and cursors to
//! deep pages of a seeded tenant.
//!
//! `seed load` creates tenants through the same code as `registrar tenant
//! create`, then writes clients straight into a SQLite database in large
//! transactions: a million clients through the API would take hours. Every
//! row is a client the API could have created: its `config` is a template
//! that passed `validate::parse_config`, with a name and URIs that keep it
//! valid (a sample of rows is re-validated), `name_key` is the lowercased
//! name, web clients that allow `client_secret` have one hashed secret, and
//! the id is in `client_directory`. Names are drawn from a vocabulary of
//! organisations, products and kinds, timestamps spread over three years.
//! Migration 0003's triggers keep the tenant counters and the trigram index.
//!
//! `seed cursor` prints the `next` cursor the server would put on the page
//! that ends `depth` clients into a sort order, signed with the database's
//! own cursor key, so a benchmark can ask for page 25,000 without walking
//! 24,999 pages. `seed plan` prints the database's plan for the statements
//! of a list request (`Store::explain_list`).
//!
//! Only bench tooling writes SQL outside `src/store/`.

use anyhow::{Context as _, bail};
use clap::{Parser, Subcommand};
use registrar::api::cursor::{self, Binding};
use registrar::api::list::{canonical_sort, parse_sort};
use registrar::app::{AppState, Settings};
use registrar::cli::tenant::provision;
use registrar::domain::client::ClientConfig;
use registrar::domain::ids::{ClientId, TenantId};
use registrar::domain::secret::NewSecret;
use registrar::domain::validate::{Mode, parse_config};
use registrar::store::{ListQuery, PoolSettings, Position, Sort, SortField, SortKey, Store};
use serde_json::{Value, json};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use sqlx::{QueryBuilder, Row as _, Sqlite};
use std::str::FromStr;

#[derive(Parser)]
#[command(about = "Seed a SQLite database for bench/list.sh")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create tenants and bulk-load their clients; prints the tenants as JSON.
    Load {
        #[arg(long)]
        database_url: String,
        /// Clients of the first tenant.
        #[arg(long, default_value_t = 1_000_000)]
        big: usize,
        /// Number of further tenants.
        #[arg(long, default_value_t = 10)]
        tenants: usize,
        /// Clients of each further tenant.
        #[arg(long, default_value_t = 100_000)]
        small: usize,
    },
    /// Print the `next` cursor of the page ending `depth` clients into `sort`.
    Cursor {
        #[arg(long)]
        database_url: String,
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        sort: String,
        #[arg(long)]
        depth: u64,
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// Print the database's plan for every statement of a list request.
    Plan {
        #[arg(long)]
        database_url: String,
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        filter: Option<String>,
        #[arg(long)]
        sort: Option<String>,
        /// Explain the page that starts this many clients into the order.
        #[arg(long)]
        depth: Option<u64>,
        #[arg(long)]
        total: bool,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Load {
            database_url,
            big,
            tenants,
            small,
        } => load(&database_url, big, tenants, small).await,
        Command::Cursor {
            database_url,
            tenant,
            sort,
            depth,
            limit,
        } => print_cursor(&database_url, &tenant, &sort, depth, limit).await,
        Command::Plan {
            database_url,
            tenant,
            filter,
            sort,
            depth,
            total,
        } => {
            print_plan(
                &database_url,
                &tenant,
                filter.as_deref(),
                sort.as_deref(),
                depth,
                total,
            )
            .await
        }
    }
}

async fn load(url: &str, big: usize, tenants: usize, small: usize) -> anyhow::Result<()> {
    // Connecting through the store runs the migrations.
    let store = Store::connect(url, &PoolSettings::default()).await?;
    let mut created = Vec::new();
    for (n, size) in std::iter::once(big)
        .chain(std::iter::repeat_n(small, tenants))
        .enumerate()
    {
        let tenant = provision(&store, &format!("bench tenant {n}")).await?;
        created.push((tenant, size));
    }
    store.close().await;

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

/// One connection with durability off: a failed seed is simply re-run.
async fn bulk_pool(url: &str) -> anyhow::Result<SqlitePool> {
    let opts = SqliteConnectOptions::from_str(url)?
        .pragma("journal_mode", "MEMORY")
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
const START_US: i64 = 1_640_995_200_000_000;
const END_US: i64 = 1_748_736_000_000_000;

struct Row {
    client_id: String,
    app_type: &'static str,
    name: String,
    config: String,
    created_at: i64,
    updated_at: i64,
    secret: Option<NewSecret>,
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
        "INSERT INTO clients (tenant_id, client_id, app_type, client_name, name_key, created_at, updated_at, secret_count, config) ",
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
            .push_bind(&r.config);
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

#[rustfmt::skip]
const ORGS: &[&str] = &[
    "Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Wonka", "Tyrell", "Cyberdyne", "Soylent",
    "Hooli", "Pied Piper", "Vandelay", "Northwind", "Contoso", "Fabrikam", "Litware", "Adventure Works",
    "Tailspin", "Woodgrove", "Blue Yonder", "Proseware", "Lucerne", "Humongous", "Coho", "Alpine",
    "Fourth Coffee", "Wide World", "Trey Research", "Xenon", "Zenith", "Apex", "Summit", "Vertex",
    "Quantum", "Nimbus", "Orbit", "Pioneer", "Horizon", "Evergreen", "Redwood", "Bluebird", "Falcon",
    "Osprey", "Kestrel", "Harbor", "Beacon", "Lantern", "Meridian", "Polaris", "Sterling", "Cobalt",
    "Crimson", "Ivory", "Jade", "Onyx", "Sable", "Xylem", "Yellowstone", "Émile & Søn",
];
#[rustfmt::skip]
const PRODUCTS: &[&str] = &[
    "Billing", "Payments", "Invoicing", "Reports", "Analytics", "Dashboard", "CRM", "Inventory",
    "Shipping", "Logistics", "HR", "Payroll", "Recruiting", "Support", "Helpdesk", "Chat", "Messaging",
    "Notifications", "Search", "Catalog", "Checkout", "Orders", "Identity", "Directory", "Audit",
    "Compliance", "Backup", "Storage", "Data Pipeline", "ETL", "Warehouse", "Forecasting", "Pricing",
    "Marketing", "Campaigns", "Email", "SMS Gateway", "Kiosk", "POS", "Scheduler", "Calendar", "Docs",
    "Wiki", "Gateway", "Sync", "Importer", "Exporter", "Monitor", "Ticketing", "Loyalty",
];
const KINDS: [&[&str]; 4] = [
    &[
        "Service",
        "Backend",
        "API",
        "Worker",
        "Integration",
        "Connector",
        "Batch Job",
    ],
    &["Web App", "Portal", "Console", "Dashboard UI", "Frontend"],
    &["iOS", "Android", "Desktop", "Mobile App", "CLI"],
    &["Embed", "Widget", "Public Chart", "Embedded Analytics"],
];
const APP_TYPES: [&str; 4] = ["web", "spa", "native", "anonymous-embed"];
#[rustfmt::skip]
const SUFFIXES: &[&str] = &[" (prod)", " (staging)", " (dev)", " - EU", " - US", " v2", " v3", " 2024"];

/// One validated configuration per app type, cloned for every row.
struct Templates([ClientConfig; 4]);

impl Templates {
    fn new() -> anyhow::Result<Templates> {
        let configs = [
            json!({"appType": "web", "clientName": "t", "redirectUris": ["https://app.example.com/callback"],
                   "allowedScopes": ["user_default"], "allowedGrantTypes": ["client_credentials"],
                   "allowedAuthMethods": ["client_secret"]}),
            json!({"appType": "spa", "clientName": "t", "redirectUris": ["https://app.example.com/callback"],
                   "allowedOrigins": ["https://app.example.com"]}),
            json!({"appType": "native", "clientName": "t", "redirectUris": ["com.example.app:/callback"]}),
            json!({"appType": "anonymous-embed", "clientName": "t", "allowedOrigins": ["https://app.example.com"]}),
        ]
        .map(|v| parse_config(&v, Mode::Create));
        let [a, b, c, d] = configs;
        Ok(Templates([a?, b?, c?, d?]))
    }

    fn row(&self, rng: &mut SplitMix, i: usize, created_at: i64) -> anyhow::Result<Row> {
        // web 40%, spa 25%, native 20%, anonymous-embed 15%.
        let kind = match rng.below(100) {
            0..40 => 0,
            40..65 => 1,
            65..85 => 2,
            _ => 3,
        };
        let name = name(rng, kind);
        let host = format!("app{}.example.com", rng.below(100_000));
        let mut config = self.0[kind].clone();
        config.client_name.clone_from(&name);
        match kind {
            0 => config.redirect_uris = Some(vec![format!("https://{host}/callback")]),
            1 => {
                config.redirect_uris = Some(vec![format!("https://{host}/callback")]);
                config.allowed_origins = Some(vec![format!("https://{host}")]);
            }
            2 => {
                config.redirect_uris = Some(vec![format!(
                    "com.example.app{}:/callback",
                    rng.below(1000)
                )])
            }
            _ => config.allowed_origins = Some(vec![format!("https://{host}")]),
        }
        let json = serde_json::to_string(&config)?;
        if i.is_multiple_of(10_000) {
            // What is stored must pass the rules unchanged (those of a patch:
            // a stored config spells out the default `consentMethod`, which a
            // create request may not).
            let value: Value = serde_json::from_str(&json)?;
            if parse_config(&value, Mode::Patch)? != config {
                bail!("seeded config does not round-trip: {json}");
            }
        }
        // Just over half were never changed after creation.
        let updated_at = if rng.below(100) < 55 {
            created_at
        } else {
            created_at + rng.below((END_US - created_at).max(1))
        };
        Ok(Row {
            client_id: ClientId::generate().to_string(),
            app_type: APP_TYPES[kind],
            name,
            config: json,
            created_at,
            updated_at,
            secret: (kind == 0).then(|| NewSecret::generate(&[])),
        })
    }
}

/// "Acme Billing Service", "acme-billing-service (prod)", "Billing Portal #42"…
fn name(rng: &mut SplitMix, kind: usize) -> String {
    let org = rng.pick(ORGS);
    let product = rng.pick(PRODUCTS);
    let what = rng.pick(KINDS[kind]);
    let mut name = match rng.below(10) {
        0 => format!("{org}-{product}-{what}")
            .to_lowercase()
            .replace(' ', "-"),
        1 => format!("{product} {what}"),
        _ => format!("{org} {product} {what}"),
    };
    match rng.below(4) {
        0 => name.push_str(rng.pick(SUFFIXES)),
        1 => name.push_str(&format!(" #{}", 1 + rng.below(999))),
        _ => {}
    }
    name
}

/// A small deterministic generator (SplitMix64), so every seed run draws the
/// same names and timestamps; ids and secrets still come from the CSPRNG.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` for `n > 0` (the modulo bias is irrelevant here).
    fn below(&mut self, n: i64) -> i64 {
        i64::try_from(self.next() % n.unsigned_abs().max(1)).unwrap_or(0)
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        let i = usize::try_from(self.below(i64::try_from(items.len()).unwrap_or(1))).unwrap_or(0);
        items.get(i).copied().unwrap_or_default()
    }
}

/// The position a `next` cursor holds after `depth` clients in `sort` order.
async fn position_at(url: &str, tenant: &str, sort: Sort, depth: u64) -> anyhow::Result<Position> {
    let (column, text) = match sort.field {
        SortField::ClientId => ("client_id", true),
        SortField::ClientName => ("name_key", true),
        SortField::AppType => ("app_type", true),
        SortField::CreatedAt => ("created_at", false),
        SortField::UpdatedAt => ("updated_at", false),
    };
    let dir = if sort.descending { "DESC" } else { "ASC" };
    let pool = SqlitePool::connect(url).await?;
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {column} AS k, client_id FROM clients WHERE tenant_id = $1 \
         ORDER BY {column} {dir}, client_id {dir} LIMIT 1 OFFSET $2"
    )))
    .bind(tenant)
    .bind(i64::try_from(depth.saturating_sub(1))?)
    .fetch_optional(&pool)
    .await?
    .context("the tenant has fewer clients than the depth")?;
    pool.close().await;
    let key = if text {
        SortKey::Text(row.try_get("k")?)
    } else {
        SortKey::Int(row.try_get("k")?)
    };
    Ok(Position {
        forward: true,
        inclusive: false,
        key,
        client_id: row.try_get("client_id")?,
    })
}

fn sort_of(sort: Option<&str>) -> anyhow::Result<Sort> {
    parse_sort(sort).map_err(|e| anyhow::anyhow!("{e}"))
}

async fn print_cursor(
    url: &str,
    tenant: &str,
    sort: &str,
    depth: u64,
    limit: u32,
) -> anyhow::Result<()> {
    let sort = sort_of(Some(sort))?;
    let store = Store::connect(url, &PoolSettings::default()).await?;
    // The same key the server loads, from the same place.
    let settings = Settings {
        public_url: String::new(),
        token_ttl: 60,
    };
    let state = AppState::new(store, settings).await?;
    state.store.close().await;
    let position = position_at(url, tenant, sort, depth).await?;
    let sort_text = canonical_sort(sort);
    let binding = Binding {
        tenant,
        filter: "",
        sort: &sort_text,
        limit,
    };
    println!(
        "{}",
        cursor::encode(&state.cursor_key, &binding, "next", &position)
    );
    Ok(())
}

async fn print_plan(
    url: &str,
    tenant: &str,
    filter: Option<&str>,
    sort: Option<&str>,
    depth: Option<u64>,
    total: bool,
) -> anyhow::Result<()> {
    let sort = sort_of(sort)?;
    let filter = filter.map(registrar::filter::parse).transpose()?;
    let position = match depth {
        Some(depth) => Some(position_at(url, tenant, sort, depth).await?),
        None => None,
    };
    let store = Store::connect(url, &PoolSettings::default()).await?;
    let tenant = TenantId::from_trusted(tenant);
    let query = ListQuery {
        tenant: &tenant,
        filter: filter.as_ref(),
        sort,
        limit: 20,
        position,
        count_total: total,
    };
    for (role, lines) in store.explain_list(&query).await? {
        println!("{role}:");
        for line in lines {
            println!("  {line}");
        }
    }
    store.close().await;
    Ok(())
}
