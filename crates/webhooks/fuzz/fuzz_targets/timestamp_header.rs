//! Fuzzes the integer timestamp parser used by `webhook-timestamp`, Slack and Stripe's `t=`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard_webhooks::sign::parse_timestamp;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(value) = parse_timestamp(text) {
        assert!(value >= 0);
        assert!(text.bytes().all(|b| b.is_ascii_digit()));
        // The allocation-free parser agrees with the standard library's.
        assert_eq!(text.parse::<i64>(), Ok(value));
    } else if !text.is_empty() && text.len() <= 19 && text.bytes().all(|b| b.is_ascii_digit()) {
        assert!(text.parse::<i64>().is_err(), "{text:?} rejected but in range");
    }
});
