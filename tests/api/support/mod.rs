//! Support code of the black-box suite; test modules use it and nothing else
//! of each other (`tests/tidy.rs` checks this).
//!
//! - `db`: which backend this build runs on, and a fresh database per test.
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
pub mod keys;
pub mod list;
pub mod process;
pub mod servers;
pub mod signin;
pub mod users;

pub use app::{
    Tenant, TestApp, assert_error, assert_error_detail, read, second_instance, spawn_app,
    test_settings,
};
pub use db::{TestDb, is_postgres, postgres_admin_url};
