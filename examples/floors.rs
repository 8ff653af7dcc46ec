//! Costs the benchmark targets must fit around, measured in-process without
//! HTTP: what one ES256 access-token signature costs, what the two in-thread
//! SQLite reads of an authenticated `GET` cost, and how many clients per
//! second the store alone creates (32 concurrent writers, group commit),
//! through the same `Store` the server uses.
//!
//! `bench/ops.sh` and `bench/tokens.sh` run it pinned to the server's CPU and
//! put its figures beside the hello world's time per request.
//!
//! ```text
//! cargo run --release --example floors -- sign
//! cargo run --release --example floors -- store sqlite:///path/ops.db TENANT_ID CLIENT_ID SECONDS
//! ```
//! Prints one JSON object on stdout.

use registrar::domain::client::ClientConfig;
use registrar::domain::client_record::NewClient;
use registrar::domain::ids::{ClientId, TenantId};
use registrar::domain::secret::NewSecret;
use registrar::domain::time::Timestamp;
use registrar::domain::validate::{Mode, parse_config};
use registrar::store::{PoolSettings, Store};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Microseconds per call of `f`, over at least `min` of wall time.
fn micros_per_call(min: Duration, mut f: impl FnMut()) -> f64 {
    for _ in 0..100 {
        f();
    }
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < min {
        for _ in 0..100 {
            f();
        }
        n += 100;
    }
    start.elapsed().as_secs_f64() * 1e6 / n as f64
}

/// One ES256 signature over a signing input of an access token's size.
fn sign() -> anyhow::Result<()> {
    use aws_lc_rs::rand::SystemRandom;
    use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
    let rng = SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
        .map_err(|_| anyhow::anyhow!("key generation failed"))?;
    let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref())
        .map_err(|_| anyhow::anyhow!("bad key"))?;
    // Header and claims of a typical token, base64url: about 420 bytes.
    let input = vec![b'e'; 420];
    let us = micros_per_call(Duration::from_secs(2), || {
        let sig = key.sign(&rng, &input);
        assert!(sig.is_ok());
    });
    println!("{{\"es256_sign_us\": {us:.2}}}");
    Ok(())
}

async fn store(url: &str, tenant: &str, client: &str, seconds: u64) -> anyhow::Result<()> {
    let store = Store::connect(url, &PoolSettings::default()).await?;
    let tenant = TenantId::from_trusted(tenant);
    let client = ClientId::from_trusted(client);
    anyhow::ensure!(
        store.find_client(&tenant, &client).await?.is_some(),
        "client {} not found",
        client.as_str()
    );
    // The two reads of an authenticated GET, on this thread as in the server.
    let reads_us = {
        let start = Instant::now();
        let mut n = 0u64;
        while start.elapsed() < Duration::from_secs(2) {
            let live = store
                .token_facts(&tenant, &client, "jti", None, None)
                .await?;
            let found = store.find_client(&tenant, &client).await?;
            anyhow::ensure!(
                live.client.is_some() && found.is_some(),
                "the reads found nothing"
            );
            n += 1;
        }
        start.elapsed().as_secs_f64() * 1e6 / n as f64
    };

    // Creates of the benchmark's body by 32 concurrent writers.
    let body = serde_json::json!({
        "appType": "web", "clientName": "Load test",
        "allowedGrantTypes": ["client_credentials"], "allowedScopes": ["read:x"],
        "redirectUris": ["https://load.example/cb"],
    });
    let config: Arc<ClientConfig> = Arc::new(parse_config(&body, Mode::Create)?);
    let done = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for _ in 0..32 {
        let (store, tenant, config, done) =
            (store.clone(), tenant.clone(), config.clone(), done.clone());
        tasks.push(tokio::spawn(async move {
            while Instant::now() < deadline {
                let id = ClientId::generate();
                let secret = NewSecret::generate(&[]);
                let new = NewClient {
                    client_id: &id,
                    config: &config,
                    now: Timestamp::now(),
                    first_secret: Some((&secret, "floors")),
                };
                store
                    .insert_client(
                        &tenant,
                        new,
                        u64::MAX,
                        &registrar::domain::audit::Origin::command(),
                    )
                    .await?;
                done.fetch_add(1, Ordering::Relaxed);
            }
            anyhow::Ok(())
        }));
    }
    let start = Instant::now();
    for t in tasks {
        t.await??;
    }
    let creates = done.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64();
    println!("{{\"get_reads_us\": {reads_us:.2}, \"store_creates_per_s\": {creates:.0}}}");
    store.close().await;
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["sign"] => sign(),
        ["store", url, tenant, client, seconds] => {
            let seconds: u64 = seconds.parse()?;
            // One worker thread, as the server has when pinned to one CPU.
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()?
                .block_on(store(url, tenant, client, seconds))
        }
        _ => anyhow::bail!("usage: floors sign | floors store URL TENANT CLIENT SECONDS"),
    }
}
