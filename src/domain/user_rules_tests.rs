//! Unit tests of the user rules: each create rule names its field, and
//! patches apply all or nothing.

use super::*;
use serde_json::json;

fn valid() -> Value {
    json!({"email": "ada@example.com", "name": "Ada", "password": "correct horse battery"})
}

fn with(key: &str, value: Value) -> Value {
    let mut v = valid();
    v[key] = value;
    v
}

fn without(key: &str) -> Value {
    let mut v = valid();
    v.as_object_mut().unwrap().remove(key);
    v
}

fn user() -> User {
    let input = parse_new_user(&valid()).unwrap();
    input
        .into_user(UserId::generate(), Timestamp::from_micros(10))
        .0
}

#[test]
fn a_minimal_body_gives_an_active_user_without_roles_whose_subject_is_its_id() {
    let input = parse_new_user(&valid()).unwrap();
    let id = UserId::generate();
    let (u, password) = input.into_user(id.clone(), Timestamp::from_micros(1));
    assert_eq!(u.subject, id.as_str());
    assert_eq!(u.status, UserStatus::Active);
    assert!(u.roles.is_empty());
    assert_eq!(password.expose(), "correct horse battery");
    assert!(!format!("{password:?}").contains("horse"));
}

#[test]
fn each_create_rule_names_its_field() {
    let cases = [
        (json!([]), ""),
        (without("email"), "email"),
        (with("email", json!("no-at-sign")), "email"),
        (with("email", json!("a@b..c")), "email"),
        (with("email", json!("a b@c.d")), "email"),
        (with("email", json!(5)), "email"),
        (
            with("email", json!(format!("{}@e.com", "a".repeat(315)))),
            "email",
        ),
        (without("name"), "name"),
        (with("name", json!("   ")), "name"),
        (with("name", json!("a".repeat(513))), "name"),
        (with("name", json!("a\0b")), "name"),
        (without("password"), "password"),
        (with("password", json!("short")), "password"),
        (with("password", json!("a".repeat(1025))), "password"),
        (with("password", json!(123_456_789_012_u64)), "password"),
        (with("roles", json!(["Owner"])), "roles[0]"),
        (
            with("roles", json!(["TenantAdmin", "TenantAdmin"])),
            "roles[1]",
        ),
        (with("roles", json!("TenantAdmin")), "roles"),
        (with("status", json!("gone")), "status"),
        (with("subject", json!("")), "subject"),
        (with("subject", json!("s".repeat(257))), "subject"),
        (with("id", json!("x")), "id"),
        (with("createdAt", json!("x")), "createdAt"),
        (with("bogus", json!(1)), "bogus"),
    ];
    for (body, field) in cases {
        let err = parse_new_user(&body).expect_err(&format!("should refuse {body}"));
        assert_eq!(err.field, field, "case {body}: {err}");
    }
}

#[test]
fn the_edges_of_the_length_rules_are_accepted() {
    let email = format!("{}@e.com", "a".repeat(314));
    assert_eq!(email.len(), 320);
    assert!(parse_new_user(&with("email", json!(email))).is_ok());
    assert!(parse_new_user(&with("name", json!("n".repeat(512)))).is_ok());
    assert!(parse_new_user(&with("password", json!("p".repeat(12)))).is_ok());
    assert!(parse_new_user(&with("password", json!("p".repeat(1024)))).is_ok());
    assert!(parse_new_user(&with("subject", json!("s".repeat(256)))).is_ok());
    let full = parse_new_user(&with("roles", json!(["TenantAdmin"]))).unwrap();
    assert_eq!(full.roles, vec![Role::TenantAdmin]);
}

#[test]
fn email_shapes() {
    for ok in ["a@b", "first.last+tag@sub.example.com", "x_y@a-b.c"] {
        assert!(is_email(ok), "{ok}");
    }
    for bad in [
        "", "@b.c", "a@", "a@-b.c", "a@b-.c", "a@@b.c", "a@b c", "ä@b.c",
    ] {
        assert!(!is_email(bad), "{bad}");
    }
}

#[test]
fn a_patch_changes_the_allowed_fields_and_moves_updated_at() {
    let before = user();
    let p = parse_user_patch(&json!([
        {"op": "replace", "path": "/name", "value": "Ada L."},
        {"op": "replace", "path": "/status", "value": "disabled"},
        {"op": "add", "path": "/roles", "value": ["TenantAdmin"]},
        {"op": "replace", "path": "/password", "value": "another long password"}
    ]))
    .unwrap();
    assert_eq!(p.password().unwrap().expose(), "another long password");
    let after = apply_user_patch(&before, &p, Timestamp::from_micros(5)).unwrap();
    assert_eq!(after.name, "Ada L.");
    assert_eq!(after.status, UserStatus::Disabled);
    assert_eq!(after.roles, vec![Role::TenantAdmin]);
    assert_eq!(after.subject, before.subject);
    assert!(after.updated_at > before.updated_at);
}

#[test]
fn patch_shapes_are_checked() {
    for (body, field) in [
        (json!([]), ""),
        (
            json!([{"op": "move", "path": "/name", "from": "/email"}]),
            "[0].op",
        ),
        (
            json!([{"op": "replace", "path": "/subject", "value": "s"}]),
            "[0].path",
        ),
        (
            json!([{"op": "replace", "path": "/id", "value": "s"}]),
            "[0].path",
        ),
        (
            json!([{"op": "replace", "path": "/name", "value": 1}]),
            "[0].value",
        ),
        (json!([{"op": "remove", "path": "/password"}]), "[0].op"),
        (
            json!([{"op": "replace", "path": "/password", "value": "short"}]),
            "[0].value",
        ),
    ] {
        let err = parse_user_patch(&body).expect_err(&format!("should refuse {body}"));
        assert_eq!(err.field, field, "case {body}: {err}");
    }
}

#[test]
fn a_patched_user_must_pass_the_create_rules_and_nothing_half_applies() {
    let before = user();
    for (ops, field) in [
        (
            json!([{"op": "replace", "path": "/email", "value": "nope"}]),
            "email",
        ),
        (json!([{"op": "remove", "path": "/name"}]), "name"),
        (json!([{"op": "remove", "path": "/status"}]), "status"),
        (json!([{"op": "remove", "path": "/roles"}]), "roles"),
        (
            json!([{"op": "replace", "path": "/roles", "value": ["Root"]}]),
            "roles[0]",
        ),
        (
            json!([
                {"op": "replace", "path": "/name", "value": "B"},
                {"op": "replace", "path": "/status", "value": "paused"}
            ]),
            "status",
        ),
    ] {
        let p = parse_user_patch(&ops).unwrap();
        let err = apply_user_patch(&before, &p, Timestamp::from_micros(99))
            .expect_err(&format!("should refuse {ops}"));
        assert_eq!(err.field, field, "case {ops}: {err}");
    }
    assert_eq!(before.name, "Ada");
}
