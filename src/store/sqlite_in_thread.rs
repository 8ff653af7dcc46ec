//! The SQLite backend's hot reads: each runs on the calling thread
//! (`sqlite_reads.rs`), or through the sqlx pool for an in-memory database
//! or when SQLite answers busy.

use super::Result;
use super::sqlite::SqliteStore;
use super::sqlite_reads::{Busy, InThreadReads};
use crate::domain::client_record::{AuthClient, ClientRecord};
use crate::domain::ids::{ClientId, TenantId, UserId};

impl SqliteStore {
    /// `read` on the calling thread (`sqlite_reads.rs`); through the pool
    /// (`pool`) for an in-memory database or when SQLite answers busy.
    async fn in_thread_or_pool<T, Fut>(
        &self,
        read: impl FnOnce(&InThreadReads) -> Result<Result<T>, Busy>,
        pool: impl FnOnce() -> Fut,
    ) -> Result<T>
    where
        Fut: std::future::Future<Output = Result<T>>,
    {
        match self.reads.as_deref().map(read) {
            Some(Ok(answer)) => answer,
            Some(Err(Busy)) | None => pool().await,
        }
    }

    pub(crate) async fn ping_in_thread(&self) -> Result<()> {
        self.in_thread_or_pool(InThreadReads::ping, || self.ping())
            .await
    }

    pub(crate) async fn find_client_in_thread(
        &self,
        tenant: &TenantId,
        id: &ClientId,
    ) -> Result<Option<ClientRecord>> {
        self.in_thread_or_pool(
            |r| r.find_client(tenant, id),
            || self.find_client(tenant, id),
        )
        .await
    }

    pub(crate) async fn find_auth_client_in_thread(
        &self,
        id: &ClientId,
    ) -> Result<Option<AuthClient>> {
        self.in_thread_or_pool(|r| r.find_auth_client(id), || self.find_auth_client(id))
            .await
    }

    pub(crate) async fn is_user_active_in_thread(
        &self,
        tenant: &TenantId,
        user: &UserId,
    ) -> Result<bool> {
        self.in_thread_or_pool(
            |r| r.is_user_active(tenant, user),
            || self.is_user_active(tenant, user),
        )
        .await
    }

    pub(crate) async fn is_token_active_in_thread(
        &self,
        tenant: &TenantId,
        client: &ClientId,
        jti: &str,
    ) -> Result<bool> {
        self.in_thread_or_pool(
            |r| r.is_token_active(tenant, client, jti),
            || self.is_token_active(tenant, client, jti),
        )
        .await
    }
}
