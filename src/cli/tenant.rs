//! `registrar tenant create NAME`.

use crate::cli::args::DbArgs;
use crate::domain::audit::Origin;
use crate::domain::client_record::NewClient;
use crate::domain::ids::{ClientId, TenantId};
use crate::domain::patch_plan::secret_to_draw;
use crate::domain::scopes::all_management_scopes;
use crate::domain::time::Timestamp;
use crate::domain::validate::{Mode, parse_config};
use crate::store::Store;
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
}

/// Everything but the secret.
impl std::fmt::Debug for NewTenant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewTenant")
            .field("tenant_id", &self.tenant_id)
            .field("client_id", &self.client_id)
            .field("client_secret", &crate::domain::secret::REDACTED)
            .finish()
    }
}

/// Creates a tenant and its admin client (a `web` client with
/// `client_secret`, `client_credentials` and every management scope) in one
/// transaction.
pub async fn provision(store: &Store, name: &str) -> anyhow::Result<NewTenant> {
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
    let tenant = TenantId::generate();
    let client_id = ClientId::generate();
    let secret = secret_to_draw(None, &config)
        .ok_or_else(|| anyhow::anyhow!("the admin client must get a secret"))?;
    let admin = NewClient {
        client_id: &client_id,
        config: &config,
        now: Timestamp::now(),
        first_secret: Some((&secret, CLI_ACTOR)),
    };
    store
        .create_tenant(&tenant, name, admin, &Origin::command())
        .await?;
    Ok(NewTenant {
        tenant_id: tenant.to_string(),
        client_id: client_id.to_string(),
        client_secret: secret.plain,
    })
}

pub async fn create(name: &str, db: &DbArgs) -> anyhow::Result<()> {
    let store = Store::connect(&db.database_url, &db.pool()).await?;
    let created = provision(&store, name).await;
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
        };
        let shown = format!("{t:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("\"c\""), "{shown}");
    }
}
