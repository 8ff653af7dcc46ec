//! The users' statements (contract §7), and `impl_users!`, which runs them
//! on one backend (see `shared.rs`).
//!
//! The email and the subject are unique in a tenant by unique indexes
//! (migration 0005): an insert or update that would take a used one fails on
//! its index, and [`conflict`] names which, so no check-then-write race exists.

use super::list_table::DbRow;
use super::{Result, StoreError};
use crate::domain::time::Timestamp;
use crate::domain::user::{Role, User, UserId, UserStatus};
use sqlx::{ColumnIndex, Decode, Row, Type};

pub(super) const INSERT_USER: &str = "INSERT INTO users (tenant_id, user_id, subject, subject_key, email, email_key, name, name_key, \
     status, roles, password_hash, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)";

/// A whole user (the columns [`decode_user`] reads).
pub(super) const FIND_USER: &str = "SELECT user_id, subject, email, name, status, roles, created_at, updated_at \
     FROM users WHERE tenant_id = $1 AND user_id = $2";

/// `FIND_USER` with a suffix that locks the row in a write transaction.
macro_rules! user_to_change_sql {
    ($lock:literal) => {
        concat!(
            "SELECT user_id, subject, email, name, status, roles, created_at, updated_at \
             FROM users WHERE tenant_id = $1 AND user_id = $2",
            $lock
        )
    };
}

/// The user a write transaction will change, on SQLite (whose `BEGIN
/// IMMEDIATE` already holds the write lock).
pub(super) const USER_TO_CHANGE: &str = user_to_change_sql!("");
/// The same, locking the row, on PostgreSQL.
pub(super) const USER_TO_CHANGE_FOR_UPDATE: &str = user_to_change_sql!(" FOR UPDATE");

/// What sign-in and impersonation read of a user, by id, subject or email.
macro_rules! sign_in_user_sql {
    ($column:literal) => {
        concat!(
            "SELECT user_id, status, roles, password_hash FROM users WHERE tenant_id = $1 AND ",
            $column,
            " = $2"
        )
    };
}

pub(super) const SIGN_IN_USER_BY_ID: &str = sign_in_user_sql!("user_id");
pub(super) const SIGN_IN_USER_BY_SUBJECT: &str = sign_in_user_sql!("subject");
/// `$2` is the lowercased email (`domain::user::email_key`).
pub(super) const SIGN_IN_USER_BY_EMAIL: &str = sign_in_user_sql!("email_key");

/// The password hash is kept unless `$9` gives a new one.
pub(super) const UPDATE_USER: &str = "UPDATE users SET email = $3, email_key = $4, name = $5, name_key = $6, status = $7, roles = $8, \
     password_hash = COALESCE($9, password_hash), updated_at = $10 \
     WHERE tenant_id = $1 AND user_id = $2";

/// Deletes a user and answers it as it was (the columns [`decode_user`]
/// reads), for the audit event.
pub(super) const DELETE_USER: &str = "DELETE FROM users WHERE tenant_id = $1 AND user_id = $2 \
     RETURNING user_id, subject, email, name, status, roles, created_at, updated_at";

/// Sorts a failed write into a taken email, a taken subject, or an unknown
/// tenant; anything else stays a database error.
pub(super) fn conflict(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(d) = &e {
        // PostgreSQL names the index; SQLite's message names its columns.
        let what = format!("{} {}", d.constraint().unwrap_or_default(), d.message());
        match d.kind() {
            sqlx::error::ErrorKind::UniqueViolation if what.contains("email") => {
                return StoreError::EmailTaken;
            }
            sqlx::error::ErrorKind::UniqueViolation if what.contains("subject") => {
                return StoreError::SubjectTaken;
            }
            sqlx::error::ErrorKind::ForeignKeyViolation => return StoreError::TenantNotFound,
            _ => {}
        }
    }
    StoreError::from(e)
}

/// The stored roles column (a JSON array of role names).
pub(super) fn encode_roles(roles: &[Role]) -> String {
    let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
    serde_json::Value::from(names).to_string()
}

fn decode_roles(json: &str) -> Result<Vec<Role>> {
    let names: Vec<String> =
        serde_json::from_str(json).map_err(|e| StoreError::Corrupt(format!("user roles: {e}")))?;
    names
        .iter()
        .map(|n| Role::parse(n).ok_or_else(|| StoreError::Corrupt(format!("user role `{n}`"))))
        .collect()
}

fn decode_status(s: &str) -> Result<UserStatus> {
    UserStatus::parse(s).ok_or_else(|| StoreError::Corrupt(format!("user status `{s}`")))
}

/// A row of [`FIND_USER`] (or of a users list, which selects the same
/// columns).
pub(super) fn decode_user(row: &(impl DbRow + ?Sized)) -> Result<User> {
    Ok(User {
        id: UserId::from_trusted(row.text("user_id")?),
        subject: row.text("subject")?,
        email: row.text("email")?,
        name: row.text("name")?,
        status: decode_status(&row.text("status")?)?,
        roles: decode_roles(&row.text("roles")?)?,
        created_at: Timestamp::from_micros(row.int("created_at")?),
        updated_at: Timestamp::from_micros(row.int("updated_at")?),
    })
}

/// A row of the `SIGN_IN_USER_*` statements.
pub(super) fn decode_sign_in_user<R>(row: &R) -> Result<crate::domain::user::SignInUser>
where
    R: Row,
    for<'c> &'c str: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
{
    Ok(crate::domain::user::SignInUser {
        id: UserId::from_trusted(row.try_get::<String, _>("user_id")?),
        status: decode_status(&row.try_get::<String, _>("status")?)?,
        roles: decode_roles(&row.try_get::<String, _>("roles")?)?,
        password_hash: row.try_get("password_hash")?,
    })
}

/// The users' methods of `$Store`.
macro_rules! impl_users {
    ($Store:ident) => {
        mod users {
            use super::audit::record_event;
            use super::{LOCK_USER, WriteTx};
            use $crate::domain::ValidationError;
            use $crate::domain::audit::{EventType, Origin};
            use $crate::domain::ids::TenantId;
            use $crate::domain::time::Timestamp;
            use $crate::domain::user::{
                NewUser, SignInUser, User, UserChange, UserId, UserKey, email_key,
            };
            use $crate::store::users::{
                DELETE_USER, FIND_USER, INSERT_USER, SIGN_IN_USER_BY_EMAIL, SIGN_IN_USER_BY_ID,
                SIGN_IN_USER_BY_SUBJECT, UPDATE_USER, conflict, decode_sign_in_user, decode_user,
                encode_roles,
            };
            use $crate::store::{Result, StoreError};

            impl super::$Store {
                pub(crate) async fn insert_user(
                    &self,
                    tenant: &TenantId,
                    new: NewUser<'_>,
                    origin: &Origin,
                ) -> Result<()> {
                    let u = new.user;
                    let mut tx: WriteTx = self.begin_write().await?;
                    sqlx::query(INSERT_USER)
                        .bind(tenant.as_str())
                        .bind(u.id.as_str())
                        .bind(&u.subject)
                        .bind(u.subject.to_lowercase())
                        .bind(&u.email)
                        .bind(u.email_key())
                        .bind(&u.name)
                        .bind(u.name_key())
                        .bind(u.status.as_str())
                        .bind(encode_roles(&u.roles))
                        .bind(new.password_hash)
                        .bind(u.created_at.micros())
                        .bind(u.updated_at.micros())
                        .execute(&mut *tx)
                        .await
                        .map_err(conflict)?;
                    let data = serde_json::to_value(u).unwrap_or_default();
                    let event = origin.event(
                        EventType::UserCreated,
                        Some(tenant),
                        u.id.as_str(),
                        u.created_at,
                        data,
                    );
                    record_event(&mut tx, &event).await?;
                    tx.commit().await?;
                    Ok(())
                }

                pub(crate) async fn find_user(
                    &self,
                    tenant: &TenantId,
                    id: &UserId,
                ) -> Result<Option<User>> {
                    let row = sqlx::query(FIND_USER)
                        .bind(tenant.as_str())
                        .bind(id.as_str())
                        .fetch_optional(&self.read)
                        .await?;
                    row.as_ref().map(|r| decode_user(r)).transpose()
                }

                pub(crate) async fn find_sign_in_user(
                    &self,
                    tenant: &TenantId,
                    key: UserKey<'_>,
                ) -> Result<Option<SignInUser>> {
                    let (sql, value) = match key {
                        UserKey::Id(id) => (SIGN_IN_USER_BY_ID, id.as_str().to_owned()),
                        UserKey::Subject(s) => (SIGN_IN_USER_BY_SUBJECT, s.to_owned()),
                        UserKey::Email(e) => (SIGN_IN_USER_BY_EMAIL, email_key(e)),
                    };
                    let row = sqlx::query(sql)
                        .bind(tenant.as_str())
                        .bind(value)
                        .fetch_optional(&self.read)
                        .await?;
                    row.as_ref().map(decode_sign_in_user).transpose()
                }

                pub(crate) async fn update_user<F>(
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
                    let mut tx: WriteTx = self.begin_write().await?;
                    let row = sqlx::query(LOCK_USER)
                        .bind(tenant.as_str())
                        .bind(id.as_str())
                        .fetch_optional(&mut *tx)
                        .await?
                        .ok_or(StoreError::UserNotFound)?;
                    let current = decode_user(&row)?;
                    let UserChange {
                        user: u,
                        password_hash,
                    } = plan(&current)?;
                    sqlx::query(UPDATE_USER)
                        .bind(tenant.as_str())
                        .bind(id.as_str())
                        .bind(&u.email)
                        .bind(u.email_key())
                        .bind(&u.name)
                        .bind(u.name_key())
                        .bind(u.status.as_str())
                        .bind(encode_roles(&u.roles))
                        .bind(password_hash)
                        .bind(u.updated_at.micros())
                        .execute(&mut *tx)
                        .await
                        .map_err(conflict)?;
                    let event = origin.event(
                        EventType::UserUpdated,
                        Some(tenant),
                        id.as_str(),
                        u.updated_at,
                        operations,
                    );
                    record_event(&mut tx, &event).await?;
                    tx.commit().await?;
                    Ok(u)
                }

                pub(crate) async fn delete_user(
                    &self,
                    tenant: &TenantId,
                    id: &UserId,
                    now: Timestamp,
                    origin: &Origin,
                ) -> Result<()> {
                    let mut tx: WriteTx = self.begin_write().await?;
                    let gone = sqlx::query(DELETE_USER)
                        .bind(tenant.as_str())
                        .bind(id.as_str())
                        .fetch_optional(&mut *tx)
                        .await?
                        .ok_or(StoreError::UserNotFound)?;
                    let data = serde_json::to_value(decode_user(&gone)?).unwrap_or_default();
                    let event =
                        origin.event(EventType::UserDeleted, Some(tenant), id.as_str(), now, data);
                    record_event(&mut tx, &event).await?;
                    tx.commit().await?;
                    Ok(())
                }
            }
        }
    };
}

pub(super) use impl_users;
