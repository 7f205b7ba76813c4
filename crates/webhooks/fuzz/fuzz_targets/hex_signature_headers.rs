//! Fuzzes the hex signature parsers: GitHub, Slack, Discord and the legacy header.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard_webhooks::sign::{DiscordVerifier, GitHubVerifier, LegacyVerifier, SlackVerifier};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if GitHubVerifier::parse_signature_header(text).is_ok() {
        assert_eq!(text.len(), 7 + 64);
    }
    if SlackVerifier::parse_signature_header(text).is_ok() {
        assert_eq!(text.len(), 3 + 64);
    }
    if DiscordVerifier::parse_signature_header(text).is_ok() {
        assert_eq!(text.len(), 128);
    }
    if LegacyVerifier::parse_signature_header(text).is_ok() {
        assert_eq!(text.len(), 64);
    }
});
