//! The rules of a user (contract §7): the create body, and JSON Patch of
//! `/name`, `/email`, `/status`, `/roles` and `/password`, all-or-nothing and
//! re-validated by the same field rules, so a patched user is always one that
//! could have been created.

use super::ValidationError;
use super::patch::{ValueKind, apply_operations, check_operations};
use super::time::Timestamp;
use super::user::{Role, User, UserId, UserStatus};
use serde_json::{Map, Value, json};

pub const MAX_EMAIL: usize = 320;
pub const MAX_NAME: usize = 512;
pub const MAX_SUBJECT: usize = 256;
pub const MIN_PASSWORD: usize = 12;
pub const MAX_PASSWORD: usize = 1024;

/// Fields a create request may carry.
const WRITABLE: [&str; 6] = ["email", "name", "password", "roles", "status", "subject"];
/// Fields the server owns: sending them is an error rather than ignored.
const READ_ONLY: [&str; 3] = ["id", "createdAt", "updatedAt"];

/// Paths a patch may touch, and the type of each value.
const PATHS: [(&str, ValueKind); 5] = [
    ("/name", ValueKind::String),
    ("/email", ValueKind::String),
    ("/status", ValueKind::String),
    ("/roles", ValueKind::StringArray),
    ("/password", ValueKind::String),
];

/// A password as typed: at least 12 and at most 1024 characters. `Debug`
/// never shows it.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    pub fn parse(s: &str, field: &str) -> Result<Password, ValidationError> {
        let n = s.chars().count();
        if n < MIN_PASSWORD {
            return Err(ValidationError::new(
                field,
                format!("must be at least {MIN_PASSWORD} characters"),
            ));
        }
        if n > MAX_PASSWORD {
            return Err(ValidationError::new(
                field,
                format!("must be at most {MAX_PASSWORD} characters"),
            ));
        }
        Ok(Password(s.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// A valid create body: the user's fields and the password to hash.
#[derive(Debug, Clone)]
pub struct NewUserInput {
    pub subject: Option<String>,
    pub email: String,
    pub name: String,
    pub status: UserStatus,
    pub roles: Vec<Role>,
    pub password: Password,
}

impl NewUserInput {
    /// The user this input creates; `subject` defaults to the id.
    pub fn into_user(self, id: UserId, now: Timestamp) -> (User, Password) {
        let subject = self.subject.unwrap_or_else(|| id.as_str().to_owned());
        let user = User {
            id,
            subject,
            email: self.email,
            name: self.name,
            status: self.status,
            roles: self.roles,
            created_at: now,
            updated_at: now,
        };
        (user, self.password)
    }
}

/// Validates a create body (`{"email","name","password","roles"?,"status"?,"subject"?}`).
pub fn parse_new_user(body: &Value) -> Result<NewUserInput, ValidationError> {
    let obj = body
        .as_object()
        .ok_or_else(|| ValidationError::new("", "the request body must be a JSON object"))?;
    check_keys(obj)?;
    let password = match obj.get("password") {
        None => return Err(ValidationError::new("password", "is required")),
        Some(Value::String(s)) => Password::parse(s, "password")?,
        Some(_) => return Err(ValidationError::new("password", "must be a string")),
    };
    let subject = match obj.get("subject") {
        None => None,
        Some(v) => Some(parse_subject(v)?),
    };
    Ok(NewUserInput {
        subject,
        email: parse_email(obj.get("email"))?,
        name: parse_name(obj.get("name"))?,
        status: parse_status(obj.get("status"), UserStatus::Active)?,
        roles: parse_roles(obj.get("roles"))?,
        password,
    })
}

fn check_keys(obj: &Map<String, Value>) -> Result<(), ValidationError> {
    for key in obj.keys() {
        if READ_ONLY.contains(&key.as_str()) {
            return Err(ValidationError::new(key, "is read-only and cannot be set"));
        }
        if !WRITABLE.contains(&key.as_str()) {
            return Err(ValidationError::new(key, "is not a known field"));
        }
    }
    Ok(())
}

/// A string without NUL or other control characters (PostgreSQL cannot hold
/// a NUL in text, and none belongs in these fields).
fn plain_string<'v>(v: &'v Value, field: &str) -> Result<&'v str, ValidationError> {
    let s = v
        .as_str()
        .ok_or_else(|| ValidationError::new(field, "must be a string"))?;
    if s.chars().any(char::is_control) {
        return Err(ValidationError::new(
            field,
            "must not contain control characters",
        ));
    }
    Ok(s)
}

fn parse_email(v: Option<&Value>) -> Result<String, ValidationError> {
    let v = v.ok_or_else(|| ValidationError::new("email", "is required"))?;
    let s = plain_string(v, "email")?;
    if s.chars().count() > MAX_EMAIL {
        return Err(ValidationError::new(
            "email",
            format!("must be at most {MAX_EMAIL} characters"),
        ));
    }
    if !is_email(s) {
        return Err(ValidationError::new(
            "email",
            "must be an email address such as name@example.com",
        ));
    }
    Ok(s.to_owned())
}

/// The WHATWG HTML "valid email address" shape: a local part of `atext` and
/// dots, `@`, and a domain of dot-separated labels of letters, digits and
/// inner hyphens, each at most 63 characters.
pub fn is_email(s: &str) -> bool {
    const LOCAL_EXTRA: &str = ".!#$%&'*+/=?^_`{|}~-";
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || LOCAL_EXTRA.contains(c));
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    local_ok && domain.split('.').all(label_ok)
}

fn parse_name(v: Option<&Value>) -> Result<String, ValidationError> {
    let v = v.ok_or_else(|| ValidationError::new("name", "is required"))?;
    let s = plain_string(v, "name")?;
    if s.trim().is_empty() {
        return Err(ValidationError::new("name", "must not be blank"));
    }
    if s.chars().count() > MAX_NAME {
        return Err(ValidationError::new(
            "name",
            format!("must be at most {MAX_NAME} characters"),
        ));
    }
    Ok(s.to_owned())
}

fn parse_subject(v: &Value) -> Result<String, ValidationError> {
    let s = plain_string(v, "subject")?;
    if s.trim().is_empty() {
        return Err(ValidationError::new("subject", "must not be blank"));
    }
    if s.chars().count() > MAX_SUBJECT {
        return Err(ValidationError::new(
            "subject",
            format!("must be at most {MAX_SUBJECT} characters"),
        ));
    }
    Ok(s.to_owned())
}

fn parse_status(v: Option<&Value>, default: UserStatus) -> Result<UserStatus, ValidationError> {
    match v {
        None => Ok(default),
        Some(Value::String(s)) => UserStatus::parse(s)
            .ok_or_else(|| ValidationError::new("status", "must be \"active\" or \"disabled\"")),
        Some(_) => Err(ValidationError::new("status", "must be a string")),
    }
}

fn parse_roles(v: Option<&Value>) -> Result<Vec<Role>, ValidationError> {
    let Some(v) = v else {
        return Ok(Vec::new());
    };
    let items = v
        .as_array()
        .ok_or_else(|| ValidationError::new("roles", "must be an array of strings"))?;
    let mut roles = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let role = item.as_str().and_then(Role::parse).ok_or_else(|| {
            ValidationError::new(format!("roles[{i}]"), "must be \"TenantAdmin\"")
        })?;
        if roles.contains(&role) {
            return Err(ValidationError::new(
                format!("roles[{i}]"),
                "is a duplicate",
            ));
        }
        roles.push(role);
    }
    Ok(roles)
}

/// A patch document that passed the shape checks: the operations on the
/// user's fields, and the password it sets, if any.
#[derive(Debug)]
pub struct UserPatch {
    fields: json_patch::Patch,
    password: Option<Password>,
}

impl UserPatch {
    /// The password this patch sets (hashed before the store transaction,
    /// so no Argon2 work happens while the user's row is held).
    pub fn password(&self) -> Option<&Password> {
        self.password.as_ref()
    }
}

/// Checks a patch document: a non-empty array of `add`, `remove` or
/// `replace` on the patchable paths, with well-typed values. `/password`
/// may be set (`add` or `replace`) but not removed.
pub fn parse_user_patch(body: &Value) -> Result<UserPatch, ValidationError> {
    check_operations(body, &PATHS)?;
    let mut fields = Vec::new();
    let mut password = None;
    for (i, op) in body.as_array().into_iter().flatten().enumerate() {
        if op.get("path").and_then(Value::as_str) != Some("/password") {
            fields.push(op.clone());
            continue;
        }
        let value = match op.get("op").and_then(Value::as_str) {
            Some("remove") => {
                return Err(ValidationError::new(
                    format!("[{i}].op"),
                    "/password cannot be removed; replace it instead",
                ));
            }
            _ => op.get("value").and_then(Value::as_str).unwrap_or_default(),
        };
        password = Some(Password::parse(value, &format!("[{i}].value"))?);
    }
    let fields = serde_json::from_value(Value::Array(fields))
        .map_err(|e| ValidationError::new("", format!("invalid JSON Patch: {e}")))?;
    Ok(UserPatch { fields, password })
}

/// Applies a patch to a user, all or nothing: the patched fields must pass
/// the create rules (`status` and `roles` must stay present), and
/// `updatedAt` moves forward.
pub fn apply_user_patch(
    current: &User,
    patch: &UserPatch,
    now: Timestamp,
) -> Result<User, ValidationError> {
    let mut doc = json!({
        "name": current.name,
        "email": current.email,
        "status": current.status,
        "roles": current.roles,
    });
    apply_operations(&mut doc, &patch.fields)?;
    let obj = doc
        .as_object()
        .ok_or_else(|| ValidationError::new("", "the patched user is not an object"))?;
    if !obj.contains_key("status") {
        return Err(ValidationError::new("status", "is required"));
    }
    if !obj.contains_key("roles") {
        return Err(ValidationError::new(
            "roles",
            "is required; replace it with [] to take every role away",
        ));
    }
    Ok(User {
        id: current.id.clone(),
        subject: current.subject.clone(),
        email: parse_email(obj.get("email"))?,
        name: parse_name(obj.get("name"))?,
        status: parse_status(obj.get("status"), current.status)?,
        roles: parse_roles(obj.get("roles"))?,
        created_at: current.created_at,
        updated_at: now.after(current.updated_at),
    })
}

#[cfg(test)]
#[path = "user_rules_tests.rs"]
mod tests;
