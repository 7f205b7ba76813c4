//! Fuzzes the key parsers: `whsec_`, `whsk_`, `whpk_` and Discord's hex public key.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard_webhooks::sign::{SigningKey, VerifyingKey, WebhookSecret};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(secret) = WebhookSecret::parse(text) {
        // What parses re-encodes to something that parses to the same bytes.
        let again = WebhookSecret::parse(&secret.expose_encoded()).map(|s| s.expose_bytes().to_vec());
        assert_eq!(again.ok().as_deref(), Some(secret.expose_bytes()));
    }
    if let Ok(key) = SigningKey::parse(text) {
        assert!(SigningKey::parse(&key.expose_encoded()).is_ok());
    }
    let _ = VerifyingKey::parse(text);
    let _ = VerifyingKey::from_hex(text);
});
