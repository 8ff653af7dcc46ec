//! The server's own secrets (the cursor MAC key), made once by whichever
//! instance comes first and read by all: the statements, and
//! `impl_server_secrets!`, which runs them on one backend (see `shared.rs`).

/// Stores a fresh value unless an instance already stored one.
pub(super) const INSERT_SERVER_SECRET: &str = "INSERT INTO server_secrets (name, value, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING";

pub(super) const SERVER_SECRET: &str = "SELECT value FROM server_secrets WHERE name = $1";

/// The server-secret method of `$Store`.
macro_rules! impl_server_secrets {
    ($Store:ident) => {
        mod server_secrets {
            use sqlx::Row as _;
            use $crate::domain::time::Timestamp;
            use $crate::store::Result;
            use $crate::store::server_secrets::{INSERT_SERVER_SECRET, SERVER_SECRET};

            impl super::$Store {
                pub(crate) async fn server_secret(
                    &self,
                    name: &str,
                    fresh: Vec<u8>,
                    now: Timestamp,
                ) -> Result<Vec<u8>> {
                    let mut tx = self.begin_write().await?;
                    sqlx::query(INSERT_SERVER_SECRET)
                        .bind(name)
                        .bind(fresh)
                        .bind(now.micros())
                        .execute(&mut *tx)
                        .await?;
                    let row = sqlx::query(SERVER_SECRET)
                        .bind(name)
                        .fetch_one(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(row.try_get(0)?)
                }
            }
        }
    };
}

pub(super) use impl_server_secrets;
