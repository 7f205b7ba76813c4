//! Fuzzes the `Stripe-Signature` parser.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard_webhooks::sign::StripeVerifier;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(parsed) = StripeVerifier::parse_signature_header(text) {
        assert!(parsed.timestamp() >= 0);
        assert!(parsed.v1_signatures().count() <= StripeVerifier::MAX_ELEMENTS);
    }
});
