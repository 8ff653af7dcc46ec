//! `registrar tenant webhook set TENANT_ID URL [--secret-stdin]` and
//! `registrar tenant webhook unset TENANT_ID`: the one URL a tenant's audit
//! events are delivered to (contract §10), signed with its secret.

use crate::cli::db_args::DbArgs;
use crate::domain::time::Timestamp;
use crate::domain::webhook::{WebhookKey, check_target, is_public};
use crate::store::{Store, StoreError};
use serde::Serialize;
use std::io::BufRead as _;

/// What `webhook set` prints; `secret` only when it was generated.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookSet {
    pub tenant_id: String,
    pub url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// The options of `webhook set`.
pub struct SetRequest<'a> {
    pub tenant_id: &'a str,
    pub url: &'a str,
    /// The secret read from stdin, or `None` to generate one.
    pub secret: Option<String>,
    pub allow_internal: bool,
}

/// Checks and stores a tenant's webhook.
pub async fn set_in(store: &Store, req: SetRequest<'_>) -> anyhow::Result<WebhookSet> {
    let url = check_target(req.url, req.allow_internal).map_err(|e| anyhow::anyhow!("URL: {e}"))?;
    if !req.allow_internal {
        refuse_internal_names(&url).await?;
    }
    let (key, shown) = match req.secret {
        Some(text) => (WebhookKey::parse(&text).map_err(anyhow::Error::msg)?, None),
        None => {
            let key = WebhookKey::generate().map_err(anyhow::Error::msg)?;
            let text = key.to_secret_text();
            (key, Some(text))
        }
    };
    match store
        .set_webhook(req.tenant_id, url.as_str(), &key, Timestamp::now())
        .await
    {
        Err(StoreError::TenantNotFound) => anyhow::bail!("no tenant {}", req.tenant_id),
        other => other?,
    }
    Ok(WebhookSet {
        tenant_id: req.tenant_id.to_owned(),
        url: url.to_string(),
        secret: shown,
    })
}

/// Refuses a host name that resolves to an internal address now (deliveries
/// check again each time); a name that does not resolve yet is accepted.
async fn refuse_internal_names(url: &url::Url) -> anyhow::Result<()> {
    let Some(url::Host::Domain(host)) = url.host() else {
        return Ok(());
    };
    if let Ok(addrs) = tokio::net::lookup_host((host, 0)).await {
        for addr in addrs {
            anyhow::ensure!(
                is_public(addr.ip()),
                "URL: {host} resolves to the internal address {} (allowed only with --allow-loopback-webhooks)",
                addr.ip()
            );
        }
    }
    Ok(())
}

/// Reads the secret: the first line of stdin.
fn read_secret() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let line = line.trim().to_owned();
    anyhow::ensure!(!line.is_empty(), "--secret-stdin: stdin holds no secret");
    Ok(line)
}

pub async fn set(
    tenant_id: &str,
    url: &str,
    secret_stdin: bool,
    allow_internal: bool,
    db: &DbArgs,
) -> anyhow::Result<()> {
    let secret = secret_stdin.then(read_secret).transpose()?;
    let store = Store::connect(&db.database_url, &db.pool()).await?;
    let req = SetRequest {
        tenant_id,
        url,
        secret,
        allow_internal,
    };
    let done = set_in(&store, req).await;
    store.close().await;
    println!("{}", serde_json::to_string(&done?)?);
    Ok(())
}

pub async fn unset(tenant_id: &str, db: &DbArgs) -> anyhow::Result<()> {
    let store = Store::connect(&db.database_url, &db.pool()).await?;
    let removed = store.unset_webhook(tenant_id).await;
    store.close().await;
    let removed = removed?;
    println!(
        "{}",
        serde_json::json!({"tenantId": tenant_id, "removed": removed})
    );
    Ok(())
}
