//! `Store`'s client methods: tenants, clients, their secrets, and the
//! lookups of client authentication; each calls the same method on whichever
//! backend the store is (the statements are in `clients.rs` and
//! `secrets.rs`; clients are listed by `api_lists.rs`).

use super::{Result, Store, dispatch};
use crate::domain::ValidationError;
use crate::domain::audit::Origin;
use crate::domain::client_record::{AuthClient, ClientRecord, NewClient, SecretInfo};
use crate::domain::ids::{ClientId, TenantId};
use crate::domain::patch_plan::PatchPlan;
use crate::domain::time::Timestamp;

impl Store {
    pub async fn create_tenant(
        &self,
        tenant: &TenantId,
        name: &str,
        now: Timestamp,
        clients: &[NewClient<'_>],
        origin: &Origin,
    ) -> Result<()> {
        dispatch!(self.create_tenant(tenant, name, now, clients, origin))
    }

    /// Inserts a client (with its first secret, if it gets one) and its
    /// `created` event, unless the tenant already has `max_clients`
    /// (`ClientQuota`); the statement that takes the tenant's row decides,
    /// so concurrent creates on any instance cannot pass the limit.
    pub async fn insert_client(
        &self,
        tenant: &TenantId,
        client: NewClient<'_>,
        max_clients: u64,
        origin: &Origin,
    ) -> Result<()> {
        dispatch!(self.insert_client(tenant, client, max_clients, origin))
    }

    pub async fn find_client(
        &self,
        tenant: &TenantId,
        id: &ClientId,
    ) -> Result<Option<ClientRecord>> {
        dispatch!(self.find_client(tenant, id) or in_thread find_client_in_thread)
    }

    /// Reads the client, lets `plan` decide the change, and writes it, all in
    /// one transaction that holds the client's row. The `updated` event
    /// records `operations` (the patch, redacted); a secret the change draws
    /// or drops has its own event.
    pub async fn update_client<F>(
        &self,
        tenant: &TenantId,
        id: &ClientId,
        now: Timestamp,
        origin: &Origin,
        operations: serde_json::Value,
        plan: F,
    ) -> Result<PatchPlan>
    where
        F: FnOnce(&ClientRecord) -> Result<PatchPlan, ValidationError> + Send,
    {
        dispatch!(self.update_client(tenant, id, now, origin, operations, plan))
    }

    /// Deletes a client and its secrets; the `deleted` event shows the
    /// client as it was.
    pub async fn delete_client(
        &self,
        tenant: &TenantId,
        id: &ClientId,
        now: Timestamp,
        origin: &Origin,
    ) -> Result<()> {
        dispatch!(self.delete_client(tenant, id, now, origin))
    }

    /// Adds a secret, created by the origin's actor, unless the client is
    /// missing (`NotFound`), does not support secrets, or already has the
    /// maximum (`SecretLimit`).
    pub async fn add_secret(
        &self,
        tenant: &TenantId,
        id: &ClientId,
        now: Timestamp,
        origin: &Origin,
    ) -> Result<(SecretInfo, String)> {
        dispatch!(self.add_secret(tenant, id, now, origin))
    }

    pub async fn delete_secret(
        &self,
        tenant: &TenantId,
        id: &ClientId,
        hint: &str,
        now: Timestamp,
        origin: &Origin,
    ) -> Result<()> {
        dispatch!(self.delete_secret(tenant, id, hint, now, origin))
    }

    /// Finds a live client by id across tenants, for client authentication.
    pub async fn find_auth_client(&self, id: &ClientId) -> Result<Option<AuthClient>> {
        dispatch!(self.find_auth_client(id) or in_thread find_auth_client_in_thread)
    }

    /// Whether the client a token was issued to still exists in its tenant.
    pub async fn client_exists(&self, tenant: &TenantId, id: &ClientId) -> Result<bool> {
        dispatch!(self.client_exists(tenant, id))
    }
}
