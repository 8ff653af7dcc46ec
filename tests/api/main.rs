//! Black-box tests over real HTTP: one test binary, a module per area.

// Table-driven tests list their cases inline and are long by design.
#![allow(clippy::too_many_lines)]

mod helpers;

mod auth;
mod cli;
mod clients;
mod errors;
mod interop;
mod introspection;
mod key_rotation;
mod keypairs;
mod list;
mod metadata;
mod patch;
mod private_key_jwt;
mod secrets;
mod token;
mod validation;
