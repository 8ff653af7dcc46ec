//! `registrar serve`.

use crate::app;
use crate::cli::args::ServeArgs;
use crate::state::{AppState, Settings};
use crate::store::Store;
use anyhow::Context as _;
use tokio::net::TcpListener;

/// The future that resolves on SIGINT or SIGTERM. The handlers are
/// registered here, before the ready line is printed, so a signal sent right
/// after that line already stops the server gracefully (contract §2).
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    let (mut int, mut term) = {
        use tokio::signal::unix::{SignalKind, signal};
        (
            signal(SignalKind::interrupt()).context("cannot handle SIGINT")?,
            signal(SignalKind::terminate()).context("cannot handle SIGTERM")?,
        )
    };
    Ok(async move {
        #[cfg(unix)]
        tokio::select! {
            _ = int.recv() => {},
            _ = term.recv() => {},
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down: finishing in-flight requests");
    })
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
    if cfg!(feature = "bench-without-audit") {
        tracing::warn!(
            "this build records no audit events: it is a benchmark's baseline, not for use"
        );
    }
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
    let shutdown = shutdown_signal()?;
    if let Some((_, ops_bound)) = &ops_listener {
        tracing::info!("operations listener (/metrics, /health) on http://{ops_bound}");
    }
    tracing::info!(
        target: super::READY_TARGET,
        backend = store.backend_name(),
        "listening on http://{bound}"
    );
    app::serve_with_ops(listener, ops_listener.map(|(l, _)| l), state, shutdown)
        .await
        .context("server error")?;
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}
