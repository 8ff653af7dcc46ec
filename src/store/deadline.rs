//! The request's deadline, as the store's list statements see it (issue 12
//! point 6). The request pipeline (`ops::pipeline`) runs each request
//! [`within`] its deadline (a task-local); SQLite's list statements read it
//! ([`current`]) and install a progress handler that interrupts a statement
//! still running at the deadline, on the in-thread rusqlite connection
//! (`sqlite_list_in_thread.rs`) and on the sqlx fallback
//! (`sqlite_list_bounded.rs`). An interrupted statement answers
//! [`StoreError::TimedOut`](super::StoreError::TimedOut), which the API
//! answers as the request timeout's 503, and leaves its connection usable.
//! PostgreSQL bounds statements with its own `statement_timeout`
//! (`--db-statement-timeout`), and its statements are cancelled with the
//! request's future. Without a deadline (the command line) nothing is cut.

use std::future::Future;
use std::time::{Duration, Instant};

/// How many SQLite virtual-machine instructions run between two looks at
/// the clock: a few tenths of a millisecond of work, so a statement stops
/// within a millisecond of its deadline and the clock costs nothing.
pub(super) const PROGRESS_OPS: i32 = 10_000;

/// When a request's time is up, and the limit that set it (for the 503's
/// detail).
#[derive(Debug, Clone, Copy)]
pub struct Deadline {
    pub at: Instant,
    pub limit: Duration,
}

impl Deadline {
    /// The deadline `limit` from `start`.
    pub fn after(start: Instant, limit: Duration) -> Deadline {
        Deadline {
            at: start + limit,
            limit,
        }
    }

    /// Whether the deadline has passed.
    pub fn passed(&self) -> bool {
        Instant::now() >= self.at
    }
}

tokio::task_local! {
    static DEADLINE: Deadline;
}

/// Runs `fut` with `deadline` as the deadline of its list statements.
pub fn within<F: Future>(deadline: Deadline, fut: F) -> impl Future<Output = F::Output> {
    DEADLINE.scope(deadline, fut)
}

/// The deadline of the running request, if it has one.
pub(super) fn current() -> Option<Deadline> {
    DEADLINE.try_with(|d| *d).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_deadline_is_seen_only_within_its_scope() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(async {
            assert!(current().is_none());
            let d = Deadline::after(Instant::now(), Duration::from_secs(5));
            let seen = within(d, async { current().map(|d| d.limit) }).await;
            assert_eq!(seen, Some(Duration::from_secs(5)));
            assert!(!d.passed());
            assert!(Deadline::after(Instant::now(), Duration::ZERO).passed());
        });
    }
}
