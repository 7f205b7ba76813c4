//! Fuzzes the `webhook-signature` parser: it must never panic, and what it accepts must iterate
//! to exactly the counted, well-formed entries.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard_webhooks::sign::{MAX_SIGNATURES, StandardVerifier};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(list) = StandardVerifier::parse_signature_header(text) {
        let entries: Vec<_> = list.iter().collect();
        assert_eq!(entries.len(), list.len());
        assert!(!entries.is_empty() && entries.len() <= MAX_SIGNATURES);
        for entry in entries {
            assert!(!entry.version.is_empty() && !entry.signature.is_empty());
            assert!(!entry.signature.contains(' '));
        }
    }
});
