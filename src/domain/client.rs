//! The configuration of an OAuth client and its enumerations.
//!
//! `ClientConfig` is what an admin can write: the fields of a create request,
//! and the document a JSON Patch is applied to. Its serde form is the wire form
//! (camelCase), and it is also how the store keeps it, so reading it back never
//! needs validation again. A `ClientConfig` only comes into being through
//! `validate::parse_config`, so one that exists has passed every rule.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AppType {
    Web,
    Native,
    Spa,
    AnonymousEmbed,
}

impl AppType {
    pub const ALL: [AppType; 4] = [
        AppType::Web,
        AppType::Native,
        AppType::Spa,
        AppType::AnonymousEmbed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AppType::Web => "web",
            AppType::Native => "native",
            AppType::Spa => "spa",
            AppType::AnonymousEmbed => "anonymous-embed",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum GrantType {
    #[serde(rename = "client_credentials")]
    ClientCredentials,
    #[serde(rename = "urn:qlik:oauth:user-impersonation")]
    UserImpersonation,
}

impl GrantType {
    pub const ALL: [GrantType; 2] = [GrantType::ClientCredentials, GrantType::UserImpersonation];
    pub fn as_str(self) -> &'static str {
        match self {
            GrantType::ClientCredentials => "client_credentials",
            GrantType::UserImpersonation => "urn:qlik:oauth:user-impersonation",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthMethod {
    ClientSecret,
    PrivateKeyJwt,
}

impl AuthMethod {
    pub const ALL: [AuthMethod; 2] = [AuthMethod::ClientSecret, AuthMethod::PrivateKeyJwt];
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMethod::ClientSecret => "client_secret",
            AuthMethod::PrivateKeyJwt => "private_key_jwt",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentMethod {
    Required,
    Trusted,
}

impl ConsentMethod {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "required" => Some(Self::Required),
            "trusted" => Some(Self::Trusted),
            _ => None,
        }
    }
}

/// A public key registered for `private_key_jwt`, kept exactly as validated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicKey {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub e: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub n: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub x: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub y: Option<String>,
    pub alg: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub crv: Option<String>,
    pub kid: String,
    pub kty: String,
    #[serde(rename = "use")]
    pub use_: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionConfig {
    pub consent_method: ConsentMethod,
}

/// Everything about a client that an admin sets. Optional fields that were
/// never set stay `None` and are absent from responses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientConfig {
    pub app_type: AppType,
    pub client_name: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub logo_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub client_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub redirect_uris: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub allowed_origins: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub allowed_scopes: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub allowed_grant_types: Option<Vec<GrantType>>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub allowed_auth_methods: Option<Vec<AuthMethod>>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub public_keys: Option<Vec<PublicKey>>,
    pub connection_config: ConnectionConfig,
}

impl ClientConfig {
    pub fn allows_auth_method(&self, m: AuthMethod) -> bool {
        self.allowed_auth_methods
            .as_ref()
            .is_some_and(|v| v.contains(&m))
    }
    /// Client secrets exist only for `web` clients that allow `client_secret`.
    pub fn supports_secrets(&self) -> bool {
        self.app_type == AppType::Web && self.allows_auth_method(AuthMethod::ClientSecret)
    }
    pub fn allows_grant(&self, g: GrantType) -> bool {
        self.app_type == AppType::Web
            && self
                .allowed_grant_types
                .as_ref()
                .is_some_and(|v| v.contains(&g))
    }
    pub fn scopes(&self) -> &[String] {
        self.allowed_scopes.as_deref().unwrap_or(&[])
    }
    /// The key under which names are filtered and sorted: names compare
    /// case-insensitively, so both backends index the lowercased form.
    pub fn name_key(&self) -> String {
        self.client_name.to_lowercase()
    }
}
