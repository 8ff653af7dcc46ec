//! Fuzzing of the two parsers that take whole request bodies: client
//! documents (`validate::parse_config`, what `POST` bodies go through) and
//! JSON Patch (`patch::parse_patch` and `patch::apply`).
//!
//! These are proptest-driven fuzz targets: generators biased toward the
//! client's own fields and values (valid, nearly valid and hostile), with
//! properties that must hold for every input, and a bounded case count so
//! they run in `cargo test`. `REGISTRAR_FUZZ_CASES` sets the count (default
//! 4000 per target); a longer local run is `REGISTRAR_FUZZ_CASES=200000
//! cargo test --lib domain::fuzz`. Coverage-guided targets for the same two
//! parsers are in `fuzz/` (cargo-fuzz, which runs on the stable compiler with
//! `RUSTC_BOOTSTRAP=1`); they stay out of CI because building them instruments
//! every dependency, which takes too long on two cores.

use super::client::ClientConfig;
use super::patch::{apply, parse_patch};
use super::validate::{Mode, parse_config};
use proptest::prelude::*;
use serde_json::{Map, Value, json};
use std::sync::OnceLock;

fn cases() -> u32 {
    std::env::var("REGISTRAR_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4000)
}

/// A valid P-384 key, so that generated documents can also pass key checks.
fn ec_key() -> Value {
    static KEY: OnceLock<Value> = OnceLock::new();
    KEY.get_or_init(|| super::public_keys::generated_p384_jwk("k1"))
        .clone()
}

#[rustfmt::skip]
const STRINGS: &[&str] = &[
    "", " ", "a", "Billing", "web", "native", "spa", "anonymous-embed", "WEB",
    "client_credentials", "urn:qlik:oauth:user-impersonation", "password",
    "client_secret", "private_key_jwt", "none", "trusted", "required",
    "https://a.example/cb", "https://a.example/cb#f", "http://localhost:8080/cb",
    "http://127.0.0.1/cb", "http://[::1]/cb", "http://evil.example/cb", "com.example.app:/cb",
    "javascript:alert(1)", "https://a.example", "https://a.example:8443", "https://a.example/",
    "https://u:p@a.example/", "ftp://a.example", "https://", "//a.example", "a b", "a\"b",
    "a\\b", "read:x", "oauth-clients:read", "é", "😀", "\u{0}", "\u{7f}", "\r\n",
    "sig", "enc", "ES384", "RS256", "EC", "RSA", "P-384", "AQAB", "!!!",
];

/// Keys of client documents, writable ones more often than others.
#[rustfmt::skip]
const KEYS: &[&str] = &[
    "appType", "clientName", "description", "logoUri", "clientUri", "redirectUris",
    "allowedOrigins", "allowedScopes", "allowedGrantTypes", "allowedAuthMethods",
    "publicKeys", "connectionConfig", "appType", "clientName", "redirectUris",
    "allowedGrantTypes", "allowedAuthMethods", "clientId", "clientSecret",
    "createdAt", "unknown", "",
];

fn arb_string() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::sample::select(STRINGS).prop_map(str::to_owned),
        2 => any::<String>(),
        1 => (prop::sample::select(STRINGS), 0usize..5000).prop_map(|(s, n)| format!("{s}{}", "x".repeat(n))),
    ]
}

/// Any JSON value, small and nested a little.
fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        arb_string().prop_map(Value::String),
        Just(ec_key()),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..7).prop_map(Value::Array),
            prop::collection::vec(
                (prop::sample::select(KEYS).prop_map(str::to_owned), inner),
                0..7
            )
            .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// A value for one field: mostly of the right shape, sometimes anything.
fn arb_field_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => arb_string().prop_map(Value::String),
        4 => prop::collection::vec(arb_string().prop_map(Value::String), 0..7).prop_map(Value::Array),
        1 => prop::collection::vec(prop_oneof![Just(ec_key()), arb_json()], 0..3).prop_map(Value::Array),
        1 => prop::sample::select(&["trusted", "required", "x"][..])
            .prop_map(|c| json!({"consentMethod": c})),
        1 => arb_json(),
    ]
}

/// A client document: mostly known keys with plausible values.
fn arb_client_doc() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(&["web", "native", "spa", "anonymous-embed", "x"][..]),
        arb_string(),
        prop::collection::vec((prop::sample::select(KEYS), arb_field_value()), 0..8),
    )
        .prop_map(|(app_type, name, fields)| {
            let mut doc = Map::new();
            doc.insert("appType".into(), json!(app_type));
            doc.insert("clientName".into(), json!(name));
            for (k, v) in fields {
                doc.insert(k.to_owned(), v);
            }
            Value::Object(doc)
        })
}

const PATCH_PATHS: &[&str] = &[
    "/clientName",
    "/description",
    "/logoUri",
    "/clientUri",
    "/allowedScopes",
    "/redirectUris",
    "/allowedOrigins",
    "/allowedGrantTypes",
    "/allowedAuthMethods",
    "/publicKeys",
    "/connectionConfig/consentMethod",
    "/appType",
    "/clientId",
    "/redirectUris/0",
    "/redirectUris/-",
    "/",
    "",
    "/connectionConfig",
];

fn arb_patch_doc() -> impl Strategy<Value = Value> {
    let op = (
        prop::sample::select(&["add", "remove", "replace", "move", "test", "copy", "ADD"][..]),
        prop::sample::select(PATCH_PATHS),
        prop::option::of(arb_field_value()),
    )
        .prop_map(|(op, path, value)| {
            let mut o = json!({"op": op, "path": path});
            if let Some(v) = value {
                o["value"] = v;
            }
            o
        });
    prop::collection::vec(op, 0..6).prop_map(Value::Array)
}

/// Clients to patch: a spread of types and optional fields.
fn base_clients() -> &'static [ClientConfig] {
    static BASES: OnceLock<Vec<ClientConfig>> = OnceLock::new();
    BASES.get_or_init(|| {
        [
            json!({"appType":"web","clientName":"A"}),
            json!({"appType":"web","clientName":"B","description":"d","allowedGrantTypes":["client_credentials"],"allowedScopes":["a","b"],"redirectUris":["https://a.example/cb"]}),
            json!({"appType":"web","clientName":"K","allowedAuthMethods":["client_secret","private_key_jwt"],"publicKeys":[ec_key()]}),
            json!({"appType":"spa","clientName":"S","allowedOrigins":["https://a.example"]}),
            json!({"appType":"native","clientName":"N","redirectUris":["com.example.app:/cb"]}),
            json!({"appType":"anonymous-embed","clientName":"E","connectionConfig":{"consentMethod":"trusted"}}),
        ]
        .iter()
        .map(|d| parse_config(d, Mode::Create).unwrap())
        .collect()
    })
}

/// What every accepted configuration satisfies, and that validating its own
/// serialized form gives it back unchanged (the store relies on this).
fn check_accepted(cfg: &ClientConfig) -> Result<(), TestCaseError> {
    prop_assert!(!cfg.client_name.trim().is_empty());
    prop_assert!(cfg.client_name.chars().count() <= 512);
    prop_assert!(cfg.redirect_uris.as_ref().is_none_or(|v| v.len() <= 5));
    prop_assert!(cfg.allowed_origins.as_ref().is_none_or(|v| v.len() <= 5));
    let web = cfg.app_type == super::client::AppType::Web;
    prop_assert!(web || cfg.allowed_grant_types.is_none());
    prop_assert!(web || cfg.allowed_auth_methods.is_none());
    let stored = serde_json::to_value(cfg).unwrap();
    let again = parse_config(&stored, Mode::Patch);
    prop_assert_eq!(again.as_ref(), Ok(cfg), "re-validation of {}", stored);
    Ok(())
}

/// A field named in an error is a path into the input, never an invented one.
fn check_error_field(field: &str) -> Result<(), TestCaseError> {
    let head = field.split(['[', '.']).next().unwrap_or("");
    prop_assert!(
        head.is_empty() || KEYS.contains(&head),
        "odd field {field:?}"
    );
    prop_assert!(
        field.chars().count() <= 600,
        "unbounded field path {field:?}"
    );
    Ok(())
}

/// A reference model of RFC 6902 on the two plain string members.
fn model_patch(
    base: &ClientConfig,
    ops: &[(String, String, Option<String>)],
) -> Option<(String, Option<String>)> {
    let mut name = Some(base.client_name.clone());
    let mut description = base.description.clone();
    for (op, path, value) in ops {
        let slot = if path == "/clientName" {
            &mut name
        } else {
            &mut description
        };
        match op.as_str() {
            "add" => *slot = Some(value.clone()?),
            "replace" => {
                slot.as_ref()?;
                *slot = Some(value.clone()?);
            }
            "remove" => {
                slot.as_ref()?;
                *slot = None;
            }
            _ => return None,
        }
    }
    let name = name?;
    let valid = !name.trim().is_empty()
        && name.chars().count() <= 512
        && !name.contains('\0')
        && description
            .as_ref()
            .is_none_or(|d| d.chars().count() <= 4096 && !d.contains('\0'));
    valid.then_some((name, description))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn create_documents_never_panic_and_accepted_ones_are_sound(doc in arb_client_doc()) {
        match parse_config(&doc, Mode::Create) {
            Ok(cfg) => check_accepted(&cfg)?,
            Err(e) => {
                check_error_field(&e.field)?;
                prop_assert!(!e.message.is_empty());
            }
        }
    }

    #[test]
    fn arbitrary_json_never_panics_the_create_parser(doc in arb_json()) {
        if let Ok(cfg) = parse_config(&doc, Mode::Create) {
            check_accepted(&cfg)?;
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic_body_parsing(
        bytes in prop::collection::vec(prop_oneof![
            4 => prop::sample::select(&b"{}[]\":,\\ tfn0123456789.eE-+u"[..]),
            1 => any::<u8>(),
        ], 0..200)
    ) {
        if let Ok(v) = serde_json::from_slice::<Value>(&bytes) {
            let _ = parse_config(&v, Mode::Create);
            let _ = parse_patch(&v);
        }
    }

    #[test]
    fn patches_never_panic_and_keep_clients_valid(doc in arb_patch_doc(), which in 0usize..6) {
        let base = &base_clients()[which];
        let Ok(patch) = parse_patch(&doc) else { return Ok(()) };
        if let Ok(next) = apply(base, &patch) {
            prop_assert_eq!(next.app_type, base.app_type);
            check_accepted(&next)?;
        }
    }

    #[test]
    fn patches_on_name_and_description_match_rfc_6902(
        ops in prop::collection::vec((
            prop::sample::select(&["add", "replace", "remove"][..]),
            prop::sample::select(&["/clientName", "/description"][..]),
            prop::option::of(prop_oneof![
                4 => "[a-z ]{0,8}",
                1 => Just("x".repeat(513)),
                1 => Just("\0".to_owned()),
            ]),
        ), 1..5),
        which in 0usize..6,
    ) {
        let base = &base_clients()[which];
        let ops: Vec<(String, String, Option<String>)> = ops
            .into_iter()
            .map(|(o, p, v)| (o.to_owned(), p.to_owned(), if o == "remove" { None } else { v }))
            .collect();
        let doc = Value::Array(ops.iter().map(|(o, p, v)| {
            let mut op = json!({"op": o, "path": p});
            if let Some(v) = v {
                op["value"] = json!(v);
            }
            op
        }).collect());
        let result = parse_patch(&doc).and_then(|p| apply(base, &p));
        let expected = model_patch(base, &ops);
        match (result, expected) {
            (Ok(next), Some((name, description))) => {
                prop_assert_eq!(next.client_name, name);
                prop_assert_eq!(next.description, description);
                prop_assert_eq!(next.redirect_uris.as_ref(), base.redirect_uris.as_ref(), "untouched fields stay");
            }
            (Err(_), None) => {}
            (got, want) => prop_assert!(false, "patch {} on {:?}: got {:?}, model says {:?}", doc, base.client_name, got, want),
        }
    }
}
