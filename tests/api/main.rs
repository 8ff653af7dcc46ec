//! Black-box tests over real HTTP: one test binary, a module per area.

// Table-driven tests list their cases inline and are long by design.
#![allow(clippy::too_many_lines)]

mod helpers;

mod auth;
mod cli;
mod clients;
mod errors;
mod list;
mod list_filters;
mod list_props;
mod list_support;
mod list_walks;
mod patch;
mod secrets;
mod token;
mod validation;
