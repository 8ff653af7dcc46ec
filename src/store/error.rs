//! The store's error type, and how a database driver's error is sorted into
//! "try again later" (a 503) or a fault of this program (a 500).

use crate::domain::ValidationError;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("client not found")]
    NotFound,
    #[error("secret not found")]
    SecretNotFound,
    #[error("the client does not support client secrets")]
    SecretsNotSupported,
    #[error("the client already has the maximum number of secrets")]
    SecretLimit,
    #[error("user not found")]
    UserNotFound,
    /// Another user of the tenant has this email (case-insensitively).
    #[error("the email is taken in the tenant")]
    EmailTaken,
    /// Another user of the tenant has this subject.
    #[error("the subject is taken in the tenant")]
    SubjectTaken,
    #[error("tenant not found")]
    TenantNotFound,
    /// The tenant already has this many clients.
    #[error("the tenant already has {0} clients")]
    ClientQuota(u64),
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// The database could not be reached (pool timeout, I/O): a 503.
    #[error("database unavailable: {0}")]
    Unavailable(DbError),
    /// A list statement was interrupted at the request's deadline
    /// (`deadline.rs`); the value is the request timeout: the API's 503.
    #[error("statement interrupted after the request timeout of {0:?}")]
    TimedOut(std::time::Duration),
    #[error("database error: {0}")]
    Db(DbError),
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
    /// The stored private keys were left as they are: the message says why
    /// (a key that the given key-encryption key cannot open, say).
    #[error("{0}")]
    KeysRefused(String),
}

/// A database driver's error (sqlx's, or rusqlite's for in-thread reads).
pub type DbError = Box<dyn std::error::Error + Send + Sync>;

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_) => StoreError::Unavailable(Box::new(e)),
            sqlx::Error::Database(ref d) if is_transient(&d.code().unwrap_or_default()) => {
                StoreError::Unavailable(Box::new(e))
            }
            other => StoreError::Db(Box::new(other)),
        }
    }
}

/// Database errors that mean "try again later" (a 503 with `Retry-After`)
/// rather than a fault of this program (a 500).
///
/// SQLite: busy or locked after the busy timeout (5, 6, 261, 517, 773).
/// PostgreSQL, by SQLSTATE: connection exceptions (class 08); insufficient
/// resources such as too many connections (class 53); the server shutting
/// down, restarting or not yet accepting connections (57P01 to 57P05);
/// `statement_timeout` or `lock_timeout` cutting a statement (57014, 55P03);
/// and the serialization failures and deadlocks a retry resolves (40001,
/// 40P01), which PostgreSQL-compatible distributed databases raise under
/// contention.
pub(super) fn is_transient(code: &str) -> bool {
    const SQLITE_BUSY_OR_LOCKED: [&str; 5] = ["5", "6", "261", "517", "773"];
    const SQLSTATES: [&str; 4] = ["57014", "55P03", "40001", "40P01"];
    const SQLSTATE_CLASSES: [&str; 3] = ["08", "53", "57P0"];
    SQLITE_BUSY_OR_LOCKED.contains(&code)
        || SQLSTATES.contains(&code)
        // SQLSTATEs have five characters; SQLite's numeric codes have at
        // most four digits, so a class prefix never matches one of them.
        || (code.len() == 5 && SQLSTATE_CLASSES.iter().any(|c| code.starts_with(c)))
}

#[cfg(test)]
mod tests {
    use super::is_transient;

    #[test]
    fn retryable_database_errors_are_transient_and_faults_are_not() {
        let transient = [
            "5", "6", "261", "517", "773", "08006", "08001", "53300", "53100", "57P01", "57P03",
            "57014", "55P03", "40001", "40P01",
        ];
        for code in transient {
            assert!(is_transient(code), "{code} is worth a retry (503)");
        }
        // Constraint violations, syntax errors, missing tables, SQLite's
        // constraint and corruption codes: faults of the program (500).
        let faults = [
            "23505", "23503", "42601", "42P01", "22021", "1555", "2067", "11", "",
        ];
        for code in faults {
            assert!(!is_transient(code), "{code} is not transient");
        }
    }
}
