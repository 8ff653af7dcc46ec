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
//! of a list request (`Store::explain_list`), `seed audit-plan` those of
//! an audit page (`bench/audit.sh`).
//!
//! Only bench tooling writes SQL outside `src/store/`.

mod data;
mod load;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use registrar::api::cursor::{self, Binding};
use registrar::api::list::{ListEndpoint as _, canonical_sort, parse_sort};
use registrar::domain::audit_list::{AuditSort, ListedEvent};
use registrar::domain::client_list::ClientSort;
use registrar::domain::client_list::ListedClient;
use registrar::domain::ids::TenantId;
use registrar::domain::list_query::{ListQuery, Position, SortField as _, SortKey};
use registrar::filter::{AuditAttr, ClientAttr, Filter};
use registrar::state::{AppState, Settings};
use registrar::store::{PoolSettings, Store};
use sqlx::Row as _;
use sqlx::sqlite::SqlitePool;
use std::time::Instant;

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
    Plan(ListArgs),
    /// Print the database's plan for every statement of an audit page
    /// (`GET /api/core/audits?filter=…&limit=20`, newest first).
    AuditPlan {
        #[arg(long)]
        database_url: String,
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        filter: Option<String>,
        #[arg(long)]
        total: bool,
    },
    /// Time the store's answer to a list request, one call after another,
    /// without HTTP or a token: prints "p50 p99" in microseconds.
    Time {
        #[command(flatten)]
        list: ListArgs,
        #[arg(long, default_value_t = 2000)]
        iterations: usize,
    },
}

/// A list request as the store sees it.
#[derive(clap::Args)]
struct ListArgs {
    #[arg(long)]
    database_url: String,
    #[arg(long)]
    tenant: String,
    #[arg(long)]
    filter: Option<String>,
    #[arg(long)]
    sort: Option<String>,
    /// The page that starts this many clients into the order.
    #[arg(long)]
    depth: Option<u64>,
    #[arg(long)]
    total: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Load {
            database_url,
            big,
            tenants,
            small,
        } => load::load(&database_url, big, tenants, small).await,
        Command::Cursor {
            database_url,
            tenant,
            sort,
            depth,
            limit,
        } => print_cursor(&database_url, &tenant, &sort, depth, limit).await,
        Command::Plan(list) => print_plan(&list).await,
        Command::AuditPlan {
            database_url,
            tenant,
            filter,
            total,
        } => print_audit_plan(&database_url, &tenant, filter.as_deref(), total).await,
        Command::Time { list, iterations } => time_list(&list, iterations).await,
    }
}

/// The position a `next` cursor holds after `depth` clients in `sort` order.
async fn position_at(url: &str, tenant: &str, sort: Sort, depth: u64) -> anyhow::Result<Position> {
    let (column, text) = match sort.field {
        ClientSort::ClientId => ("client_id", true),
        ClientSort::ClientName => ("name_key", true),
        ClientSort::AppType => ("app_type", true),
        ClientSort::CreatedAt => ("created_at", false),
        ClientSort::UpdatedAt => ("updated_at", false),
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
        id: row.try_get("client_id")?,
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
    // The same key the server loads, from the same place (opened with the
    // key-encryption key in REGISTRAR_KEY_ENCRYPTION_KEY, if the store's
    // keys are encrypted).
    let kek = registrar::cli::db_args::read_kek(None, registrar::cli::db_args::KEK_ENV)?;
    let settings = Settings {
        public_url: String::new(),
        token_ttl: 60,
        key_encryption_key: kek.map(std::sync::Arc::new),
        ..Default::default()
    };
    let state = AppState::new(store, settings).await?;
    state.store.close().await;
    let position = position_at(url, tenant, sort, depth).await?;
    let sort_text = canonical_sort(sort);
    let binding = Binding {
        resource: ListedClient::CURSOR_LABEL,
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

/// The clients' sort.
type Sort = registrar::domain::list_query::Sort<ClientSort>;

/// The parts of a list query that outlive the borrow `ListQuery` takes.
struct Request {
    store: Store,
    tenant: TenantId,
    filter: Option<Filter<ClientAttr>>,
    sort: Sort,
    position: Option<Position>,
    total: bool,
}

impl Request {
    async fn new(args: &ListArgs) -> anyhow::Result<Request> {
        let sort = sort_of(args.sort.as_deref())?;
        let filter = args
            .filter
            .as_deref()
            .map(registrar::filter::parse)
            .transpose()?;
        let position = match args.depth {
            Some(depth) => Some(position_at(&args.database_url, &args.tenant, sort, depth).await?),
            None => None,
        };
        let store = Store::connect(&args.database_url, &PoolSettings::default()).await?;
        let tenant = TenantId::from_trusted(args.tenant.as_str());
        Ok(Request {
            store,
            tenant,
            filter,
            sort,
            position,
            total: args.total,
        })
    }

    fn query(&self) -> ListQuery<'_, ListedClient> {
        ListQuery {
            tenant: &self.tenant,
            filter: self.filter.as_ref(),
            sort: self.sort,
            limit: 20,
            position: self.position.clone(),
            count_total: self.total,
        }
    }
}

async fn print_plan(args: &ListArgs) -> anyhow::Result<()> {
    let request = Request::new(args).await?;
    for (role, lines) in request.store.explain_list(&request.query()).await? {
        println!("{role}:");
        for line in lines {
            println!("  {line}");
        }
    }
    request.store.close().await;
    Ok(())
}

async fn print_audit_plan(
    url: &str,
    tenant: &str,
    filter: Option<&str>,
    total: bool,
) -> anyhow::Result<()> {
    let filter = filter
        .map(registrar::filter::parse::<AuditAttr>)
        .transpose()?;
    let store = Store::connect(url, &PoolSettings::default()).await?;
    let tenant = TenantId::from_trusted(tenant);
    let query: ListQuery<'_, ListedEvent> = ListQuery {
        tenant: &tenant,
        filter: filter.as_ref(),
        sort: AuditSort::DEFAULT,
        limit: 20,
        position: None,
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

async fn time_list(args: &ListArgs, iterations: usize) -> anyhow::Result<()> {
    let request = Request::new(args).await?;
    // The first calls warm the page cache and the statement cache.
    for _ in 0..iterations.min(100) {
        request.store.list(&request.query()).await?;
    }
    let mut micros = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let started = Instant::now();
        request.store.list(&request.query()).await?;
        micros.push(started.elapsed().as_micros());
    }
    micros.sort_unstable();
    let at = |q: usize| {
        micros
            .get((micros.len() * q / 100).min(micros.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0)
    };
    println!("{} {}", at(50), at(99));
    request.store.close().await;
    Ok(())
}
