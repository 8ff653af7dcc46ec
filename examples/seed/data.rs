//! What seeded clients look like: names from a vocabulary of organisations,
//! products and kinds, validated configuration templates, and a small
//! deterministic random generator.

use crate::load::{END_US, Row};
use anyhow::bail;
use registrar::domain::client::ClientConfig;
use registrar::domain::client_record::{ClientRecord, SecretInfo};
use registrar::domain::client_view::wire_text;
use registrar::domain::ids::ClientId;
use registrar::domain::secret::NewSecret;
use registrar::domain::time::Timestamp;
use registrar::domain::validate::{Mode, parse_config};
use serde_json::{Value, json};

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
pub struct Templates([ClientConfig; 4]);

impl Templates {
    pub fn new() -> anyhow::Result<Templates> {
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

    pub fn row(&self, rng: &mut SplitMix, i: usize, created_at: i64) -> anyhow::Result<Row> {
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
        let client_id = ClientId::generate();
        let secret = (kind == 0).then(|| NewSecret::generate(&[]));
        // The answer the server keeps for the client (migration 0011).
        let record = ClientRecord {
            client_id: client_id.clone(),
            config,
            created_at: Timestamp::from_micros(created_at),
            updated_at: Timestamp::from_micros(updated_at),
            secrets: secret
                .iter()
                .map(|s| SecretInfo {
                    hint: s.hint.clone(),
                    created_at: Timestamp::from_micros(created_at),
                    created_by: "seed".to_owned(),
                })
                .collect(),
        };
        Ok(Row {
            client_id: client_id.to_string(),
            app_type: APP_TYPES[kind],
            name,
            config: json,
            wire: wire_text(&record)?,
            created_at,
            updated_at,
            secret,
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
pub struct SplitMix(pub u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` for `n > 0` (the modulo bias is irrelevant here).
    pub fn below(&mut self, n: i64) -> i64 {
        i64::try_from(self.next() % n.unsigned_abs().max(1)).unwrap_or(0)
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        let i = usize::try_from(self.below(i64::try_from(items.len()).unwrap_or(1))).unwrap_or(0);
        items.get(i).copied().unwrap_or_default()
    }
}
