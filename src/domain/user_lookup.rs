//! The `user_lookup` parameter of user impersonation (contract §9):
//! `{"field":"subject"|"userId"|"email","value":…}`, which names the user a
//! trusted client acts for.

use super::user::{UserId, UserKey};
use serde_json::Value;

/// Which attribute names the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LookupField {
    Subject,
    UserId,
    Email,
}

/// A well-formed `user_lookup`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserLookup {
    pub field: LookupField,
    pub value: String,
}

/// How a lookup is answered when no user could match it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Look the user up by this key.
    Key(LookupKey),
    /// A `userId` that no id could have: no user, without asking the store.
    NoSuchUser,
}

/// An owned [`UserKey`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LookupKey {
    Id(UserId),
    Subject(String),
    Email(String),
}

impl LookupKey {
    pub fn as_key(&self) -> UserKey<'_> {
        match self {
            LookupKey::Id(id) => UserKey::Id(id),
            LookupKey::Subject(s) => UserKey::Subject(s),
            LookupKey::Email(e) => UserKey::Email(e),
        }
    }
}

impl UserLookup {
    /// Parses the parameter's JSON text (a JSON body's object arrives here
    /// as its text too). The reason for a refusal is for `invalid_request`.
    pub fn parse(text: &str) -> Result<UserLookup, String> {
        let v: Value = serde_json::from_str(text)
            .map_err(|_| "user_lookup must be a JSON object".to_owned())?;
        let obj = v
            .as_object()
            .ok_or_else(|| "user_lookup must be a JSON object".to_owned())?;
        if let Some(k) = obj
            .keys()
            .find(|k| !matches!(k.as_str(), "field" | "value"))
        {
            let k: String = k.chars().take(64).collect();
            return Err(format!("user_lookup has an unknown member `{k}`"));
        }
        let field = match obj.get("field").and_then(Value::as_str) {
            Some("subject") => LookupField::Subject,
            Some("userId") => LookupField::UserId,
            Some("email") => LookupField::Email,
            _ => {
                return Err(
                    "user_lookup.field must be \"subject\", \"userId\" or \"email\"".to_owned(),
                );
            }
        };
        let value = match obj.get("value").and_then(Value::as_str) {
            Some(s) if !s.is_empty() && !s.contains('\0') => s.to_owned(),
            _ => return Err("user_lookup.value must be a non-empty string".to_owned()),
        };
        Ok(UserLookup { field, value })
    }

    /// What to look up in the store.
    pub fn target(&self) -> Target {
        match self.field {
            LookupField::UserId => UserId::parse(&self.value)
                .map_or(Target::NoSuchUser, |id| Target::Key(LookupKey::Id(id))),
            LookupField::Subject => Target::Key(LookupKey::Subject(self.value.clone())),
            LookupField::Email => Target::Key(LookupKey::Email(self.value.clone())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_formed_lookups_parse() {
        let l = UserLookup::parse(r#"{"field":"email","value":"A@B.c"}"#).unwrap();
        assert_eq!(l.field, LookupField::Email);
        assert_eq!(l.value, "A@B.c");
        let l = UserLookup::parse(r#"{"field":"subject","value":"s"}"#).unwrap();
        assert_eq!(l.target(), Target::Key(LookupKey::Subject("s".into())));
        let l = UserLookup::parse(r#"{"field":"userId","value":"not-an-id"}"#).unwrap();
        assert_eq!(l.target(), Target::NoSuchUser);
    }

    #[test]
    fn malformed_lookups_are_refused() {
        for bad in [
            "",
            "[]",
            "\"x\"",
            "{}",
            r#"{"field":"email"}"#,
            r#"{"field":"email","value":""}"#,
            r#"{"field":"email","value":5}"#,
            r#"{"field":"phone","value":"1"}"#,
            r#"{"field":"email","value":"a@b.c","extra":1}"#,
            r#"{"value":"a@b.c"}"#,
        ] {
            assert!(UserLookup::parse(bad).is_err(), "{bad}");
        }
    }
}
