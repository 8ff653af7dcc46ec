//! Black-box tests over real HTTP: one test binary, a module per area.

// Table-driven tests list their cases inline and are long by design.
#![allow(clippy::too_many_lines)]

mod helpers;

mod auth;
mod bad_input;
mod cli;
mod clients;
mod crash;
mod errors;
mod limits;
mod list;
mod logs;
mod metrics;
mod openapi;
mod patch;
mod process;
mod rate_limits;
mod schemathesis;
mod secrets;
mod token;
mod validation;
