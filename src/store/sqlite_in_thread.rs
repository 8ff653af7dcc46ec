//! The SQLite backend's hot reads: each runs on the calling thread
//! (`sqlite_reads.rs`), or through the sqlx pool for an in-memory database
//! or when SQLite answers busy.

use super::Result;
use super::sqlite::SqliteStore;
use super::sqlite_reads::{Busy, InThreadReads};
use crate::domain::client_record::{AuthClient, ClientRecord};
use crate::domain::ids::{ClientId, TenantId, UserId};
use crate::domain::token_liveness::LiveFacts;

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

    pub(crate) async fn token_facts_in_thread(
        &self,
        tenant: &TenantId,
        client: &ClientId,
        jti: &str,
        user: Option<&UserId>,
        grant: Option<&str>,
    ) -> Result<LiveFacts> {
        self.in_thread_or_pool(
            |r| r.token_facts(tenant, client, jti, user, grant),
            || self.token_facts(tenant, client, jti, user, grant),
        )
        .await
    }
}
