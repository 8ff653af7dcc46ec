//! Fuzz target: a create request body, from bytes to a validated client.
//! Any input may be refused, none may panic, and an accepted configuration
//! must validate again unchanged from its stored form.

#![no_main]

use libfuzzer_sys::fuzz_target;
use registrar::domain::validate::{Mode, parse_config};

fuzz_target!(|data: &[u8]| {
    let Ok(body) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    if let Ok(config) = parse_config(&body, Mode::Create) {
        let stored = serde_json::to_value(&config).expect("a config serializes");
        assert_eq!(parse_config(&stored, Mode::Patch).as_ref(), Ok(&config));
    }
});
