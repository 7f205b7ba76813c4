//! Fuzzes the Shopify base64 signature parser.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard_webhooks::sign::ShopifyVerifier;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if ShopifyVerifier::parse_signature_header(text).is_ok() {
        assert_eq!(text.len(), 44);
    }
});
