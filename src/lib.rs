//! Registrar: a multi-tenant OAuth 2.0 client registry and the token service
//! that consumes it. See ARCHITECTURE.md for the map.

pub mod api;
pub mod app;
pub mod audit;
pub mod cli;
pub mod client;
pub mod domain;
pub mod filter;
pub mod http;
pub mod oauth;
pub mod ops;
pub mod pages;
pub mod signing;
pub mod state;
pub mod store;
