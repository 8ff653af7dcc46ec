//! `Store`'s users methods (contract §7); each calls the same method on
//! whichever backend the store is (the statements are in `users.rs`).

use super::{Result, Store, dispatch};
use crate::domain::ValidationError;
use crate::domain::audit::Origin;
use crate::domain::ids::TenantId;
use crate::domain::time::Timestamp;
use crate::domain::user::{NewUser, SignInUser, User, UserChange, UserId, UserKey};

impl Store {
    /// Inserts a user and its `created` event; `EmailTaken` or
    /// `SubjectTaken` when the unique index of the email or subject refuses
    /// it, `TenantNotFound` for an unknown tenant.
    pub async fn insert_user(
        &self,
        tenant: &TenantId,
        user: NewUser<'_>,
        origin: &Origin,
    ) -> Result<()> {
        dispatch!(self.insert_user(tenant, user, origin))
    }

    pub async fn find_user(&self, tenant: &TenantId, id: &UserId) -> Result<Option<User>> {
        dispatch!(self.find_user(tenant, id) or in_thread find_user_in_thread)
    }

    /// A user of the tenant by id, subject or email (case-insensitively),
    /// with its password hash, for sign-in and impersonation.
    pub async fn find_sign_in_user(
        &self,
        tenant: &TenantId,
        key: UserKey<'_>,
    ) -> Result<Option<SignInUser>> {
        dispatch!(self.find_sign_in_user(tenant, key))
    }

    /// Reads the user, lets `plan` decide the change, and writes it, all in
    /// one transaction that holds the user's row; `EmailTaken` when the new
    /// email belongs to another user of the tenant. The `updated` event
    /// records `operations` (the patch; a password value is redacted).
    pub async fn update_user<F>(
        &self,
        tenant: &TenantId,
        id: &UserId,
        origin: &Origin,
        operations: serde_json::Value,
        plan: F,
    ) -> Result<User>
    where
        F: FnOnce(&User) -> Result<UserChange, ValidationError> + Send,
    {
        dispatch!(self.update_user(tenant, id, origin, operations, plan))
    }

    /// Deletes a user; the `deleted` event shows the user as it was.
    pub async fn delete_user(
        &self,
        tenant: &TenantId,
        id: &UserId,
        now: Timestamp,
        origin: &Origin,
    ) -> Result<()> {
        dispatch!(self.delete_user(tenant, id, now, origin))
    }
}
