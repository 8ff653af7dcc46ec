//! Black-box tests over real HTTP: one suite, a module per area.
//!
//! Cargo builds this suite twice: as the test target `api` (SQLite) and as
//! `postgres` (`tests/postgres` is a symbolic link to this directory), so a
//! module listed here runs on both backends; see `support::db::backend()`.

// Table-driven tests list their cases inline and are long by design.
#![allow(clippy::too_many_lines)]

mod support;

mod audit_cli;
mod audit_events;
mod audit_retention;
mod auth;
mod bad_input;
mod cli;
mod cli_client;
mod clients;
mod crash;
mod database;
mod errors;
mod filter_oracle;
mod instances;
mod interop;
mod introspection;
mod key_rotation;
mod limits;
mod list;
mod list_filters;
mod list_props;
mod list_walks;
mod logs;
mod metadata;
mod metrics;
mod openapi;
mod patch;
mod private_key_jwt;
mod rate_limits;
mod schemathesis;
mod secrets;
mod storage;
mod token;
mod validation;
mod webhooks;
