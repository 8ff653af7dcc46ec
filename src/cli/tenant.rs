//! `registrar tenant create NAME`: a tenant, its first admin client and its
//! web console client (contract §2, §11).

use crate::cli::db_args::DbArgs;
use crate::domain::audit::Origin;
use crate::domain::client::ClientConfig;
use crate::domain::client_record::NewClient;
use crate::domain::ids::{ClientId, TenantId};
use crate::domain::patch_plan::secret_to_draw;
use crate::domain::scopes::{
    AUDITS_READ, CLIENTS_READ, CLIENTS_WRITE, USERS_READ, USERS_WRITE, all_management_scopes,
};
use crate::domain::time::Timestamp;
use crate::domain::validate::{Mode, parse_config};
use crate::store::Store;
use anyhow::Context as _;
use serde::Serialize;
use serde_json::json;

const MAX_TENANT_NAME: usize = 256;
/// `createdBy` of the admin client's first secret.
const CLI_ACTOR: &str = "registrar-cli";

/// What `tenant create` prints: the only time the admin secret is shown.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewTenant {
    pub tenant_id: String,
    pub client_id: String,
    pub client_secret: String,
    /// Where the tenant's admins open the console: `<public URL>/console/`
    /// with the console client's id.
    pub console_url: String,
}

/// Everything but the secret.
impl std::fmt::Debug for NewTenant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewTenant")
            .field("tenant_id", &self.tenant_id)
            .field("client_id", &self.client_id)
            .field("console_url", &self.console_url)
            .field("client_secret", &crate::domain::secret::REDACTED)
            .finish()
    }
}

/// The name of every tenant's console client.
pub const CONSOLE_CLIENT_NAME: &str = "Registrar console";

/// The scopes the console may ask for: every management scope (a user's
/// token carries them only when the user is a `TenantAdmin`, contract §8).
pub const CONSOLE_SCOPES: [&str; 5] = [
    CLIENTS_READ,
    CLIENTS_WRITE,
    USERS_READ,
    USERS_WRITE,
    AUDITS_READ,
];

/// The console's client: a trusted `spa` whose one redirect URI is
/// `<public URL>/console/` and whose one origin is the public URL's origin.
fn console_config(public_url: &str) -> anyhow::Result<ClientConfig> {
    let base = public_url.trim_end_matches('/');
    let parsed = url::Url::parse(base)
        .with_context(|| format!("--public-url `{public_url}` is not an absolute URL"))?;
    anyhow::ensure!(
        matches!(parsed.scheme(), "http" | "https"),
        "--public-url must be an http or https URL"
    );
    let config = parse_config(
        &json!({
            "appType": "spa",
            "clientName": CONSOLE_CLIENT_NAME,
            "description": "The web console at /console/, registered by `registrar tenant create`.",
            "redirectUris": [format!("{base}/console/")],
            "allowedOrigins": [parsed.origin().ascii_serialization()],
            "allowedScopes": CONSOLE_SCOPES,
            "connectionConfig": {"consentMethod": "trusted"},
        }),
        Mode::Create,
    )
    .with_context(|| format!("the console client for --public-url `{public_url}`"))?;
    Ok(config)
}

/// Creates a tenant, its admin client (a `web` client with `client_secret`,
/// `client_credentials` and the management scopes) and its console client
/// (for the server at `public_url`) in one transaction.
pub async fn provision(store: &Store, name: &str, public_url: &str) -> anyhow::Result<NewTenant> {
    anyhow::ensure!(!name.trim().is_empty(), "the tenant name must not be blank");
    anyhow::ensure!(
        name.chars().count() <= MAX_TENANT_NAME,
        "the tenant name must be at most {MAX_TENANT_NAME} characters"
    );
    let client_name: String = format!("{name} admin").chars().take(512).collect();
    // The admin client goes through the same validation as any other.
    let config = parse_config(
        &json!({
            "appType": "web",
            "clientName": client_name,
            "description": "Administrator client created by `registrar tenant create`.",
            "allowedAuthMethods": ["client_secret"],
            "allowedGrantTypes": ["client_credentials"],
            "allowedScopes": all_management_scopes(),
        }),
        Mode::Create,
    )?;
    let console = console_config(public_url)?;
    let tenant = TenantId::generate();
    let client_id = ClientId::generate();
    let console_id = ClientId::generate();
    let secret = secret_to_draw(None, &config)
        .ok_or_else(|| anyhow::anyhow!("the admin client must get a secret"))?;
    let now = Timestamp::now();
    let admin = NewClient {
        client_id: &client_id,
        config: &config,
        now,
        first_secret: Some((&secret, CLI_ACTOR)),
    };
    let console_client = NewClient {
        client_id: &console_id,
        config: &console,
        now,
        first_secret: None,
    };
    store
        .create_tenant(
            &tenant,
            name,
            now,
            &[admin, console_client],
            &Origin::command(),
        )
        .await?;
    Ok(NewTenant {
        tenant_id: tenant.to_string(),
        client_id: client_id.to_string(),
        client_secret: secret.plain,
        console_url: format!(
            "{}/console/?client_id={console_id}",
            public_url.trim_end_matches('/')
        ),
    })
}

pub async fn create(name: &str, public_url: &str, db: &DbArgs) -> anyhow::Result<()> {
    let store = Store::connect(&db.database_url, &db.pool()).await?;
    let created = provision(&store, name, public_url).await;
    store.close().await;
    println!("{}", serde_json::to_string(&created?)?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_admin_secret() {
        let t = NewTenant {
            tenant_id: "t".into(),
            client_id: "c".into(),
            client_secret: "hunter2hunter2".into(),
            console_url: "http://127.0.0.1:8080/console/?client_id=d".into(),
        };
        let shown = format!("{t:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("\"c\""), "{shown}");
    }
}
