//! Fuzzes the hex signature parsers: GitHub, Slack, Discord and the legacy header.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard_webhooks::sign::{legacy, providers};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if providers::github::parse_signature_header(text).is_ok() {
        assert_eq!(text.len(), 7 + 64);
    }
    if providers::slack::parse_signature_header(text).is_ok() {
        assert_eq!(text.len(), 3 + 64);
    }
    if providers::discord::parse_signature_header(text).is_ok() {
        assert_eq!(text.len(), 128);
    }
    if legacy::parse_signature_header(text).is_ok() {
        assert_eq!(text.len(), 64);
    }
});
