//! A tenant's user (contract §7): the model, its wire form, and the shapes
//! in which a user goes into the store and comes out for sign-in.
//!
//! The create rules and JSON Patch of a user are in `user_rules.rs`; password
//! hashing is in `password.rs`. A password is never part of a [`User`]: only
//! its Argon2id PHC string is stored, and only [`SignInUser`] carries it out of
//! the store, with a `Debug` that hides it.

pub use super::ids::UserId;
use super::time::Timestamp;
use serde::Serialize;

/// Whether a user may sign in and whether its tokens are honoured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum UserStatus {
    Active,
    Disabled,
}

impl UserStatus {
    pub const ALL: [UserStatus; 2] = [UserStatus::Active, UserStatus::Disabled];

    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Active => "active",
            UserStatus::Disabled => "disabled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// A role a user holds in its tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Role {
    /// May be granted the management scopes (`oauth-clients:…`, `users:…`,
    /// `audits:read`) in a user token (contract §8).
    TenantAdmin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::TenantAdmin => "TenantAdmin",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        (s == "TenantAdmin").then_some(Role::TenantAdmin)
    }
}

/// A stored user, as the API and the `user create` command show it
/// (`{"id","subject","email","name","status","roles","createdAt","updatedAt"}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    #[serde(serialize_with = "serialize_id")]
    pub id: UserId,
    pub subject: String,
    pub email: String,
    pub name: String,
    pub status: UserStatus,
    pub roles: Vec<Role>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn serialize_id<S: serde::Serializer>(id: &UserId, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(id.as_str())
}

impl User {
    pub fn is_active(&self) -> bool {
        self.status == UserStatus::Active
    }

    pub fn is_tenant_admin(&self) -> bool {
        self.roles.contains(&Role::TenantAdmin)
    }

    /// The key under which the email is unique in the tenant.
    pub fn email_key(&self) -> String {
        email_key(&self.email)
    }

    /// The key names sort and filter on (case-insensitive, like every
    /// string comparison of the list query language).
    pub fn name_key(&self) -> String {
        self.name.to_lowercase()
    }
}

/// An email as it is compared: emails are unique in a tenant and matched at
/// sign-in case-insensitively, so the store keeps this lowercased form with a
/// unique index beside the email as written.
pub fn email_key(email: &str) -> String {
    email.to_lowercase()
}

/// A user to insert: the user as it will be shown, and its password hash.
pub struct NewUser<'a> {
    pub user: &'a User,
    /// The Argon2id PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`).
    pub password_hash: &'a str,
}

/// What sign-in and user impersonation need of a user found by email in a
/// tenant. `Debug` shows the hash's presence only.
#[derive(Clone)]
pub struct SignInUser {
    pub id: UserId,
    pub status: UserStatus,
    pub roles: Vec<Role>,
    /// The Argon2id PHC string, for `password::verify` only.
    pub password_hash: String,
}

impl std::fmt::Debug for SignInUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInUser")
            .field("id", &self.id)
            .field("status", &self.status)
            .field("roles", &self.roles)
            .field("password_hash", &"<redacted>")
            .finish()
    }
}

/// How a user is looked up for sign-in or impersonation (contract §9's
/// `user_lookup` fields): by id, by subject, or by email (case-insensitive).
#[derive(Debug, Clone, Copy)]
pub enum UserKey<'a> {
    Id(&'a UserId),
    Subject(&'a str),
    Email(&'a str),
}

/// What a patch decided, given the user as it was: the user as it will be,
/// and a new password hash when the patch sets a password.
#[derive(Debug)]
pub struct UserChange {
    pub user: User,
    pub password_hash: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> User {
        User {
            id: UserId::from_trusted("u".repeat(32)),
            subject: "sub-1".into(),
            email: "Ada@Example.com".into(),
            name: "Ada".into(),
            status: UserStatus::Active,
            roles: vec![Role::TenantAdmin],
            created_at: Timestamp::from_micros(1_762_439_400_123_456),
            updated_at: Timestamp::from_micros(1_762_439_400_123_457),
        }
    }

    #[test]
    fn wire_form_is_camel_case_with_rfc3339_times() {
        let v = serde_json::to_value(sample()).unwrap();
        assert_eq!(
            v,
            serde_json::json!({
                "id": "u".repeat(32), "subject": "sub-1", "email": "Ada@Example.com",
                "name": "Ada", "status": "active", "roles": ["TenantAdmin"],
                "createdAt": "2025-11-06T14:30:00.123456Z",
                "updatedAt": "2025-11-06T14:30:00.123457Z"
            })
        );
    }

    #[test]
    fn email_key_ignores_case() {
        assert_eq!(sample().email_key(), "ada@example.com");
    }

    #[test]
    fn sign_in_user_debug_hides_the_hash() {
        let u = SignInUser {
            id: UserId::generate(),
            status: UserStatus::Active,
            roles: vec![],
            password_hash: "$argon2id$secret-material".into(),
        };
        let shown = format!("{u:?}");
        assert!(!shown.contains("argon2id"), "{shown}");
        assert!(shown.contains("redacted"));
    }
}
