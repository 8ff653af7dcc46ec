//! `registrar serve`.

use crate::app;
use crate::cli::args::ServeArgs;
use crate::state::{AppState, Settings};
use crate::store::Store;
use anyhow::Context as _;
use tokio::net::TcpListener;

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}

fn public_url(given: Option<&str>, bound: std::net::SocketAddr) -> anyhow::Result<String> {
    match given {
        Some(u) => {
            let parsed = url::Url::parse(u)
                .with_context(|| format!("--public-url `{u}` is not an absolute URL"))?;
            anyhow::ensure!(
                matches!(parsed.scheme(), "http" | "https"),
                "--public-url must be an http or https URL"
            );
            Ok(u.trim_end_matches('/').to_owned())
        }
        None => Ok(format!("http://{bound}")),
    }
}

async fn bind(addr: &str) -> anyhow::Result<(TcpListener, std::net::SocketAddr)> {
    let listener = TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let bound = listener
        .local_addr()
        .context("cannot read the bound address")?;
    Ok((listener, bound))
}

pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let kek = args.db.kek()?.map(std::sync::Arc::new);
    let store = Store::connect(&args.db.database_url, &args.db.pool()).await?;
    let (listener, bound) = bind(&args.listen).await?;
    let ops_listener = match args.ops_listen.as_deref() {
        Some(addr) => Some(bind(addr).await?),
        None => None,
    };
    let settings = Settings {
        public_url: public_url(args.public_url.as_deref(), bound)?,
        token_ttl: args.token_ttl,
        audit: args.audit(),
        max_clients_per_tenant: args.max_clients_per_tenant,
        key_encryption_key: kek,
        sessions: args.sessions(),
    };
    let state = AppState::new(store.clone(), settings)
        .await?
        .with_ops(&args.ops());
    if let Some((_, ops_bound)) = &ops_listener {
        tracing::info!("operations listener (/metrics, /health) on http://{ops_bound}");
    }
    tracing::info!(
        target: super::READY_TARGET,
        backend = store.backend_name(),
        "listening on http://{bound}"
    );
    app::serve_with_ops(
        listener,
        ops_listener.map(|(l, _)| l),
        state,
        shutdown_signal(),
    )
    .await
    .context("server error")?;
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}
