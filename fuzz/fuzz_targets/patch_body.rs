//! Fuzz target: a PATCH body applied to a web client. Any input may be
//! refused, none may panic, and an applied patch keeps the client valid and
//! of the same type.

#![no_main]

use libfuzzer_sys::fuzz_target;
use registrar::domain::patch::{apply, parse_patch};
use registrar::domain::validate::{Mode, parse_config};

fuzz_target!(|data: &[u8]| {
    let Ok(body) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let base = parse_config(
        &serde_json::json!({"appType":"web","clientName":"A","description":"d","redirectUris":["https://a.example/cb"],"allowedScopes":["s"]}),
        Mode::Create,
    )
    .expect("the base client is valid");
    let Ok(patch) = parse_patch(&body) else {
        return;
    };
    if let Ok(next) = apply(&base, &patch) {
        assert_eq!(next.app_type, base.app_type);
        let stored = serde_json::to_value(&next).expect("a config serializes");
        assert_eq!(parse_config(&stored, Mode::Patch).as_ref(), Ok(&next));
    }
});
