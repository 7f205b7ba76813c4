//! Fuzzes the integer timestamp parser used by `webhook-timestamp`, Slack and Stripe's `t=`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard_webhooks::sign::tolerance::parse_timestamp;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(value) = parse_timestamp(text) {
        assert!(value >= 0);
        assert!(text.bytes().all(|b| b.is_ascii_digit()));
    }
});
