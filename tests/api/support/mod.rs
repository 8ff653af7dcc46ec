//! Support code of the black-box suite; test modules use it and nothing else
//! of each other (`tests/tidy.rs` checks this).
//!
//! - `db`: which backend this build runs on, a fresh database per test, and a
//!   plain connection for the few tests that look at stored rows.
//! - `env`: tools and servers named by environment variables; a missing one
//!   skips a test on a laptop and fails it under `CI=true`.
//! - `errors`: the documented error codes with their titles, `assert_error_code`.
//! - `app`: the in-process server (`spawn_app()`) and one helper per endpoint.
//! - `process`: the real `registrar` binary as a child process.
//! - `servers`: several real `registrar serve` processes on one database.
//! - `keys`: client key pairs, JWKs and signed client assertions.
//! - `list`: sort orders, page walks and the expected order of list results.
//! - `audit`: a tenant's stored events, and a webhook receiver that checks
//!   signatures.
//! - `users`: requests to `/api/core/users`, impersonating clients, a JWT's claims.
//! - `signin`: a cookie-keeping browser for the sign-in pages, PKCE, sign-in clients and users.
//!
//! The items almost every test needs are re-exported here, so a test module
//! starts with `use crate::support::*;`.

// The suite is compiled twice (once per backend) and not every helper is used
// by every test; unused ones are not worth a warning.
#![allow(dead_code)]

pub mod app;
pub mod audit;
pub mod db;
pub mod env;
pub mod errors;
pub mod keys;
pub mod list;
pub mod process;
pub mod servers;
pub mod signin;
pub mod users;

pub use app::{
    Tenant, TestApp, assert_error, assert_error_detail, assert_expires_at, read, second_instance,
    spawn_app, test_settings,
};
// Some are used by the modules of one target only (`only_*.rs`).
#[allow(unused_imports)]
pub use db::{Backend, RawDb, TestDb, backend, is_postgres, postgres_admin_url};
pub use env::{missing_tool, require_tool};
pub use errors::assert_error_code;
