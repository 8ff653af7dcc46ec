//! Who is calling the management API: taken from a verified, live access
//! token by `api::auth` and put in the request's extensions for handlers.

use crate::domain::ids::{ClientId, TenantId};

#[derive(Debug, Clone)]
pub struct Caller {
    pub tenant: TenantId,
    /// The token's `sub`: the id of the client the token was issued to.
    pub subject: String,
    pub client: ClientId,
    pub scopes: Vec<String>,
    pub jti: String,
}
