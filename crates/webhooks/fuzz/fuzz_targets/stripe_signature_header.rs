//! Fuzzes the `Stripe-Signature` parser.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard_webhooks::sign::providers::stripe::{MAX_ELEMENTS, parse_signature_header};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(parsed) = parse_signature_header(text) {
        assert!(parsed.timestamp() >= 0);
        assert!(parsed.v1_signatures().count() <= MAX_ELEMENTS);
    }
});
