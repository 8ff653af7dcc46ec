//! The webhook delivery worker: claims due outbox rows under a lease,
//! POSTs each event to its tenant's URL signed as the Standard Webhooks
//! specification says, and marks it delivered on a 2xx answer or reschedules
//! it with exponential backoff (capped, with jitter) on anything else.
//!
//! Delivery is at least once: a worker that dies holding a lease (a crash, a
//! `kill -9`) leaves its rows to be claimed again when the lease ends, and an
//! answer lost after the receiver took the event means it comes again (the
//! receiver tells by `webhook-id`). Only the oldest undelivered event of a
//! subject is ever due, so a subject's events arrive in order; different
//! subjects are delivered side by side.

use super::AuditSettings;
use super::target;
use crate::domain::ids::random_alnum;
use crate::domain::outbox::{Claimed, Target};
use crate::domain::time::Timestamp;
use crate::domain::webhook::{check_target, retry_delay};
use crate::store::Store;
use std::time::Duration;
use tokio::task::JoinSet;

/// Rows claimed at once (at most this many deliveries in flight).
const BATCH: i64 = 32;
/// How long a claim holds its rows: longer than a delivery can take.
const LEASE: Duration = Duration::from_secs(30);
/// Wait between two looks at an empty (or unreachable) outbox.
const IDLE: Duration = Duration::from_millis(200);
/// Longest error text kept with a row.
const MAX_ERROR: usize = 300;

/// Delivers until aborted.
pub async fn run(store: Store, settings: AuditSettings) {
    let client = match target::client(settings.allow_internal_webhooks) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!("webhook deliveries disabled: cannot build the HTTP client: {e}");
            return;
        }
    };
    loop {
        let claim = random_alnum(16);
        let now = Timestamp::now();
        match store
            .claim_deliveries(&claim, now, now.plus(LEASE), BATCH)
            .await
        {
            Ok(batch) if !batch.is_empty() => {
                let mut set = JoinSet::new();
                for claimed in batch {
                    let (store, client, settings) =
                        (store.clone(), client.clone(), settings.clone());
                    set.spawn(async move { deliver(&store, &client, &settings, claimed).await });
                }
                while set.join_next().await.is_some() {}
            }
            Ok(_) => tokio::time::sleep(IDLE).await,
            Err(e) => {
                tracing::warn!("webhook deliveries: cannot read the outbox: {e}");
                tokio::time::sleep(IDLE).await;
            }
        }
    }
}

/// Delivers one claimed row and records the outcome.
async fn deliver(store: &Store, client: &reqwest::Client, settings: &AuditSettings, c: Claimed) {
    let target = match store.delivery_target(&c).await {
        // The webhook was unset meanwhile: its rows went with it.
        Ok(None) => return,
        Ok(Some(t)) => t,
        // The lease runs out and another attempt follows.
        Err(e) => return tracing::warn!("webhook delivery: {e}"),
    };
    let outcome = match &target.event {
        // Retention removed the event before it could be delivered.
        None => Ok(()),
        Some(body) => send(client, settings, &target, &c.event_id, body).await,
    };
    let recorded = match outcome {
        Ok(()) => store
            .complete_delivery(&c, Timestamp::now())
            .await
            .map(|_| ()),
        Err(why) => {
            let attempts = u32::try_from(c.attempts.saturating_add(1)).unwrap_or(u32::MAX);
            let delay = retry_delay(
                attempts,
                settings.retry_initial,
                settings.retry_cap,
                jitter(),
            );
            tracing::warn!(
                tenant = %c.tenant,
                event = %c.event_id,
                attempts,
                retry_in_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                "webhook delivery failed: {why}"
            );
            let why: String = why.chars().take(MAX_ERROR).collect();
            store
                .retry_delivery(&c, Timestamp::now().plus(delay), &why)
                .await
        }
    };
    if let Err(e) = recorded {
        tracing::warn!("webhook delivery: cannot record the outcome: {e}");
    }
}

/// POSTs one event; `Ok` on a 2xx answer.
async fn send(
    client: &reqwest::Client,
    settings: &AuditSettings,
    target: &Target,
    event_id: &str,
    body: &str,
) -> Result<(), String> {
    let url = check_target(&target.url, settings.allow_internal_webhooks)?;
    let timestamp = Timestamp::now().unix_seconds();
    let signature = target.key.sign(event_id, timestamp, body.as_bytes());
    let res = client
        .post(url)
        .header("content-type", "application/cloudevents+json")
        .header("webhook-id", event_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(body.to_owned())
        .send()
        .await
        .map_err(|e| describe(&e))?;
    if res.status().is_success() {
        Ok(())
    } else {
        Err(format!("the receiver answered {}", res.status()))
    }
}

/// A transport error with its causes, without the URL.
fn describe(e: &reqwest::Error) -> String {
    let mut text = if e.is_timeout() {
        "timed out".to_owned()
    } else if e.is_connect() {
        "cannot connect".to_owned()
    } else {
        "request failed".to_owned()
    };
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// A number from 0 to 1 for spreading retries.
fn jitter() -> f64 {
    let mut b = [0u8; 2];
    if aws_lc_rs::rand::fill(&mut b).is_err() {
        return 1.0;
    }
    f64::from(u16::from_le_bytes(b)) / f64::from(u16::MAX)
}
