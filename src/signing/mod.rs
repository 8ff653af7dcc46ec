//! JOSE for the server's own tokens: the ES256 signing keys kept in the store
//! (the key ring), the claims of access tokens, and the memo of tokens this
//! process already verified. Below the application state, which holds the
//! ring; above the store, which keeps the keys.

pub mod at_rest;
pub mod claims;
pub mod key_ring;
pub mod verified;

pub use claims::{ACCESS_TOKEN_TYPE, AccessClaims, Actor};
pub use key_ring::{KeyRing, VerifyError, generate_key, seal};
