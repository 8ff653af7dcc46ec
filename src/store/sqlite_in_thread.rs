//! The SQLite backend's hot reads: each runs on the calling thread
//! (`sqlite_reads.rs`; the sign-in grants' in `sqlite_reads_signin.rs`; list
//! pages in `sqlite_list_in_thread.rs`), or through the sqlx pool for an
//! in-memory database or when SQLite answers busy.

use super::Result;
use super::list_table::ListTable;
use super::sqlite::SqliteStore;
use super::sqlite_reads::{Busy, InThreadReads};
use crate::domain::client_record::{AuthClient, ClientRecord};
use crate::domain::ids::{ClientId, TenantId, UserId};
use crate::domain::list_query::{ListPage, ListQuery};
use crate::domain::signin_records::{Code, RefreshToken};
use crate::domain::token_liveness::LiveFacts;
use crate::domain::user::User;

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

    /// A list page: every statement of it in one read transaction on the
    /// calling thread (`sqlite_list_in_thread.rs`).
    pub(crate) async fn list_in_thread<R: ListTable>(
        &self,
        q: &ListQuery<'_, R>,
    ) -> Result<ListPage<R>> {
        self.in_thread_or_pool(|r| r.list(q), || self.list(q)).await
    }

    pub(crate) async fn find_code_in_thread(
        &self,
        tenant: &TenantId,
        hash: &[u8],
    ) -> Result<Option<Code>> {
        self.in_thread_or_pool(
            |r| r.find_code(tenant, hash),
            || self.find_code(tenant, hash),
        )
        .await
    }

    pub(crate) async fn find_refresh_token_in_thread(
        &self,
        tenant: &TenantId,
        hash: &[u8],
    ) -> Result<Option<RefreshToken>> {
        self.in_thread_or_pool(
            |r| r.find_refresh_token(tenant, hash),
            || self.find_refresh_token(tenant, hash),
        )
        .await
    }

    pub(crate) async fn find_user_in_thread(
        &self,
        tenant: &TenantId,
        id: &UserId,
    ) -> Result<Option<User>> {
        self.in_thread_or_pool(|r| r.find_user(tenant, id), || self.find_user(tenant, id))
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
