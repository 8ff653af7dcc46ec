//! The filter schema of users (contract §7): the attributes a users list's
//! `filter` may name, and a user's values as the evaluator reads them.

use super::attribute::{Attribute, Record, Value, ValueKind};

/// A filterable attribute of a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserAttr {
    Email,
    Name,
    Subject,
    Status,
    CreatedAt,
}

impl Attribute for UserAttr {
    const ALL: &'static [UserAttr] = &[
        UserAttr::Email,
        UserAttr::Name,
        UserAttr::Subject,
        UserAttr::Status,
        UserAttr::CreatedAt,
    ];

    fn name(self) -> &'static str {
        match self {
            UserAttr::Email => "email",
            UserAttr::Name => "name",
            UserAttr::Subject => "subject",
            UserAttr::Status => "status",
            UserAttr::CreatedAt => "createdAt",
        }
    }

    fn kind(self) -> ValueKind {
        match self {
            UserAttr::CreatedAt => ValueKind::Timestamp,
            UserAttr::Email | UserAttr::Name | UserAttr::Subject | UserAttr::Status => {
                ValueKind::Text
            }
        }
    }
}

/// The filterable fields of one user, borrowed from wherever it lives.
#[derive(Debug, Clone, Copy)]
pub struct UserFields<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub subject: &'a str,
    pub status: &'a str,
    /// Creation instant in microseconds since the Unix epoch (UTC).
    pub created_at_us: i64,
}

impl Record<UserAttr> for UserFields<'_> {
    /// Every attribute of a user always has a value.
    fn value(&self, attr: UserAttr) -> Option<Value<'_>> {
        Some(match attr {
            UserAttr::Email => Value::Text(self.email),
            UserAttr::Name => Value::Text(self.name),
            UserAttr::Subject => Value::Text(self.subject),
            UserAttr::Status => Value::Text(self.status),
            UserAttr::CreatedAt => Value::Timestamp(self.created_at_us),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::{matches, parse};

    fn ada() -> UserFields<'static> {
        UserFields {
            email: "Ada@Example.com",
            name: "Ada Lovelace",
            subject: "ada-1",
            status: "active",
            created_at_us: 1_762_439_400_123_456,
        }
    }

    #[test]
    fn every_attribute_filters_case_insensitively() {
        for (filter, expected) in [
            (r#"EMAIL ew "@EXAMPLE.COM""#, true),
            (r#"name sw "ada l""#, true),
            (r#"subject eq "ADA-1""#, true),
            (r#"status eq "Active""#, true),
            (r#"status eq "disabled""#, false),
            (r#"createdAt gt "2025-11-06T14:30:00Z""#, true),
            (r#"createdAt lt "2025-11-06T14:30:00Z""#, false),
        ] {
            let parsed = parse::<UserAttr>(filter).unwrap();
            assert_eq!(matches(&parsed, &ada()), expected, "{filter}");
        }
    }

    #[test]
    fn the_clients_attributes_are_not_the_users() {
        let e = parse::<UserAttr>(r#"clientName eq "x""#).unwrap_err();
        assert_eq!(e.position, 0);
        assert!(
            e.message
                .contains("expected one of email, name, subject, status, createdAt"),
            "{e}"
        );
        let e = parse::<UserAttr>(r#"updatedAt gt "2025-11-06T14:30:00Z""#).unwrap_err();
        assert!(e.message.contains("unknown attribute `updatedAt`"), "{e}");
    }
}
