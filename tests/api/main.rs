//! Black-box tests over real HTTP: one suite, a module per area.
//!
//! Cargo builds this suite twice: as the test target `api` (SQLite) and as
//! `postgres` (`tests/postgres` is a symbolic link to this directory), so a
//! module listed here runs on both backends; see `support::db::backend()`.
//!
//! The rule: every test runs on the backend its target names. It gets its
//! database from `support::TestDb::fresh()` (also for the `registrar`
//! processes it starts), never from a `sqlite:` URL of its own, and never
//! returns early because of the backend. A test that is about one backend
//! only (SQLite's files and pragmas, a PostgreSQL server that goes away) lives
//! in a module listed in `only_api.rs` or `only_postgres.rs` instead of here:
//! each target includes the list named after it, so such a test exists in
//! one target and runs there unconditionally. `tests/tidy.rs` checks this.

// Table-driven tests list their cases inline and are long by design.
#![allow(clippy::too_many_lines)]

mod support;

mod audit_cli;
mod audit_events;
mod audit_list;
mod audit_retention;
mod audit_revocations;
mod audit_signin;
mod audit_users;
mod auth;
mod bad_input;
mod browser;
mod caps;
mod cli;
mod cli_client;
mod clients;
mod console;
mod console_browser;
mod crash;
mod error_codes;
mod errors;
mod expiry_pruning;
mod filter_oracle;
mod hardening;
mod impersonation;
mod instances;
mod interop;
mod introspection;
mod key_rotation;
mod keys_at_rest;
mod limits;
mod list;
mod list_answers;
mod list_filters;
mod list_props;
mod list_walks;
mod logs;
mod metadata;
mod metrics;
mod openapi;
mod ops_listener;
mod patch;
mod private_key_jwt;
mod rate_limits;
mod schemathesis;
mod secrets;
mod signin_consents;
mod signin_cors;
mod signin_errors;
mod signin_flow;
mod signin_instances;
mod signin_liveness;
mod signin_security;
mod signin_tenants;
mod signin_tokens;
mod slow_clients;
mod storage;
mod token;
mod token_liveness;
mod user_cli;
mod users;
mod users_list;
mod validation;
mod webhooks;

// The modules of this target's backend only (see above).
include!(concat!("only_", env!("CARGO_CRATE_NAME"), ".rs"));

// rustfmt does not look into `include!`: these declarations, never compiled,
// show it the modules of both lists (`tests/tidy.rs` checks they match).
#[cfg(any())]
mod database;
#[cfg(any())]
mod sqlite_files;
#[cfg(any())]
mod sqlite_list_deadline;
