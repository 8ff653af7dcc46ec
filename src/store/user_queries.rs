//! The users' statements (contract §7), written once for both backends.
//!
//! `impl_user_queries!` expands to a child module of the backend's module
//! holding an `impl` block for its store type, like `token_queries.rs`. The
//! email and subject are unique in a tenant by unique indexes (migration
//! 0005): an insert or update that would take a used one fails on the index,
//! and [`conflict`] names which, so no check-then-write race exists.

use super::StoreError;
use crate::domain::user::{Role, User, UserId, UserStatus};
use crate::domain::time::Timestamp;

/// The columns every read of a whole user selects, in [`decode_user`]'s order.
pub(crate) const USER_COLUMNS: &str =
    "user_id, subject, email, name, status, roles, created_at, updated_at";

/// Sorts a failed write into a taken email, a taken subject, or an unknown
/// tenant; anything else stays a database error.
pub(crate) fn conflict(e: sqlx::Error) -> StoreError {
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
pub(crate) fn encode_roles(roles: &[Role]) -> String {
    let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
    serde_json::Value::from(names).to_string()
}

pub(crate) fn decode_roles(json: &str) -> Result<Vec<Role>, StoreError> {
    let names: Vec<String> = serde_json::from_str(json)
        .map_err(|e| StoreError::Corrupt(format!("user roles: {e}")))?;
    names
        .iter()
        .map(|n| Role::parse(n).ok_or_else(|| StoreError::Corrupt(format!("user role `{n}`"))))
        .collect()
}

pub(crate) fn decode_status(s: &str) -> Result<UserStatus, StoreError> {
    UserStatus::parse(s).ok_or_else(|| StoreError::Corrupt(format!("user status `{s}`")))
}

/// The raw columns of a user row, as both drivers read them.
pub(crate) struct UserRow {
    pub user_id: String,
    pub subject: String,
    pub email: String,
    pub name: String,
    pub status: String,
    pub roles: String,
    pub created_at: i64,
    pub updated_at: i64,
}

pub(crate) fn decode_user(r: UserRow) -> Result<User, StoreError> {
    Ok(User {
        id: UserId::from_trusted(r.user_id),
        subject: r.subject,
        email: r.email,
        name: r.name,
        status: decode_status(&r.status)?,
        roles: decode_roles(&r.roles)?,
        created_at: Timestamp::from_micros(r.created_at),
        updated_at: Timestamp::from_micros(r.updated_at),
    })
}

macro_rules! impl_user_queries {
    ($Store:ident, $DB:ty, $for_update:literal) => {
        mod user_queries {
            use sqlx::Row as _;
            use $crate::domain::ValidationError;
            use $crate::domain::ids::TenantId;
            use $crate::domain::user::{NewUser, SignInUser, User, UserChange, UserId, UserKey, email_key};
            use $crate::store::user_queries::{USER_COLUMNS, UserRow, conflict, decode_roles, decode_status, decode_user, encode_roles};
            use $crate::store::{Result, StoreError};

            type Row = <$DB as sqlx::Database>::Row;

            fn user_of(row: &Row) -> Result<User> {
                decode_user(UserRow {
                    user_id: row.try_get("user_id")?,
                    subject: row.try_get("subject")?,
                    email: row.try_get("email")?,
                    name: row.try_get("name")?,
                    status: row.try_get("status")?,
                    roles: row.try_get("roles")?,
                    created_at: row.try_get("created_at")?,
                    updated_at: row.try_get("updated_at")?,
                })
            }

            impl super::$Store {
                pub(crate) async fn insert_user(&self, tenant: &TenantId, new: NewUser<'_>) -> Result<()> {
                    let u = new.user;
                    let mut tx = self.begin_write().await?;
                    sqlx::query(
                        "INSERT INTO users (tenant_id, user_id, subject, subject_key, email, email_key, name, name_key, \
                         status, roles, password_hash, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                    )
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
                    tx.commit().await?;
                    Ok(())
                }

                pub(crate) async fn find_user(&self, tenant: &TenantId, id: &UserId) -> Result<Option<User>> {
                    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "SELECT {USER_COLUMNS} FROM users WHERE tenant_id = $1 AND user_id = $2"
                    )))
                    .bind(tenant.as_str())
                    .bind(id.as_str())
                    .fetch_optional(&self.read)
                    .await?;
                    row.as_ref().map(user_of).transpose()
                }

                pub(crate) async fn find_sign_in_user(&self, tenant: &TenantId, key: UserKey<'_>) -> Result<Option<SignInUser>> {
                    let (column, value) = match key {
                        UserKey::Id(id) => ("user_id", id.as_str().to_owned()),
                        UserKey::Subject(s) => ("subject", s.to_owned()),
                        UserKey::Email(e) => ("email_key", email_key(e)),
                    };
                    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "SELECT user_id, status, roles, password_hash FROM users WHERE tenant_id = $1 AND {column} = $2"
                    )))
                    .bind(tenant.as_str())
                    .bind(value)
                    .fetch_optional(&self.read)
                    .await?;
                    let Some(row) = row else { return Ok(None) };
                    Ok(Some(SignInUser {
                        id: UserId::from_trusted(row.try_get::<String, _>("user_id")?),
                        status: decode_status(&row.try_get::<String, _>("status")?)?,
                        roles: decode_roles(&row.try_get::<String, _>("roles")?)?,
                        password_hash: row.try_get("password_hash")?,
                    }))
                }

                pub(crate) async fn update_user<F>(&self, tenant: &TenantId, id: &UserId, plan: F) -> Result<User>
                where
                    F: FnOnce(&User) -> Result<UserChange, ValidationError> + Send,
                {
                    let mut tx = self.begin_write().await?;
                    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "SELECT {USER_COLUMNS} FROM users WHERE tenant_id = $1 AND user_id = $2{}",
                        $for_update
                    )))
                    .bind(tenant.as_str())
                    .bind(id.as_str())
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or(StoreError::UserNotFound)?;
                    let current = user_of(&row)?;
                    let UserChange { user: u, password_hash } = plan(&current)?;
                    sqlx::query(
                        "UPDATE users SET email = $3, email_key = $4, name = $5, name_key = $6, status = $7, roles = $8, \
                         password_hash = COALESCE($9, password_hash), updated_at = $10 \
                         WHERE tenant_id = $1 AND user_id = $2",
                    )
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
                    tx.commit().await?;
                    Ok(u)
                }

                pub(crate) async fn is_user_active(&self, tenant: &TenantId, id: &UserId) -> Result<bool> {
                    let row = sqlx::query($crate::store::sqlite_reads::USER_ACTIVE)
                        .bind(tenant.as_str())
                        .bind(id.as_str())
                        .fetch_optional(&self.read)
                        .await?;
                    Ok(row.is_some())
                }

                pub(crate) async fn delete_user(&self, tenant: &TenantId, id: &UserId) -> Result<()> {
                    let mut tx = self.begin_write().await?;
                    let done = sqlx::query("DELETE FROM users WHERE tenant_id = $1 AND user_id = $2")
                        .bind(tenant.as_str())
                        .bind(id.as_str())
                        .execute(&mut *tx)
                        .await?;
                    if done.rows_affected() == 0 {
                        return Err(StoreError::UserNotFound);
                    }
                    tx.commit().await?;
                    Ok(())
                }
            }
        }
    };
}

pub(crate) use impl_user_queries;
