//! Timestamp handling: the tolerance window, Unix-second conversion and the timestamp header parser.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::verify::VerifyError;

/// The default window, five minutes either way, which every Standard Webhooks reference library
/// and Slack's SDK use.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(5 * 60);

/// How far a signed timestamp may lie in the past and in the future of the receiver's clock.
///
/// Bounds are inclusive: with the default, a timestamp exactly 300 s old is accepted and one
/// 301 s old is rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tolerance {
    past: Duration,
    future: Duration,
}

impl Tolerance {
    /// A window of `past` before and `future` after the receiver's clock.
    pub const fn new(past: Duration, future: Duration) -> Self {
        Self { past, future }
    }

    /// The same window either way.
    pub const fn symmetric(window: Duration) -> Self {
        Self {
            past: window,
            future: window,
        }
    }

    /// How old a timestamp may be.
    pub const fn past(&self) -> Duration {
        self.past
    }

    /// How far ahead of the receiver's clock a timestamp may be.
    pub const fn future(&self) -> Duration {
        self.future
    }

    /// Checks `timestamp` (Unix seconds, read from `header`) against `now`.
    pub(crate) fn check(
        &self,
        header: &'static str,
        timestamp: i64,
        now: SystemTime,
    ) -> Result<(), VerifyError> {
        let now_secs = unix_seconds(now);
        let age = i128::from(now_secs) - i128::from(timestamp);
        if age > i128::from(self.past.as_secs()) {
            return Err(VerifyError::TimestampTooOld {
                header,
                timestamp,
                now: now_secs,
                tolerance_secs: self.past.as_secs(),
            });
        }
        if -age > i128::from(self.future.as_secs()) {
            return Err(VerifyError::TimestampTooNew {
                header,
                timestamp,
                now: now_secs,
                tolerance_secs: self.future.as_secs(),
            });
        }
        Ok(())
    }
}

impl Default for Tolerance {
    fn default() -> Self {
        Self::symmetric(DEFAULT_TOLERANCE)
    }
}

/// Whole Unix seconds of `time`, negative before 1970, saturating far outside `i64`.
pub(crate) fn unix_seconds(time: SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
        Err(before) => {
            // Round towards negative infinity so that 0.5 s before the epoch is second -1.
            let d = before.duration();
            let secs = i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
            if d.subsec_nanos() > 0 {
                -secs - 1
            } else {
                -secs
            }
        }
    }
}

/// Longest decimal timestamp accepted: 19 digits covers every positive `i64`.
const MAX_TIMESTAMP_DIGITS: usize = 19;

/// Parses an integer Unix-seconds timestamp header: ASCII digits only, no sign, no spaces.
///
/// This is the parser behind `webhook-timestamp`, `X-Slack-Request-Timestamp` and Stripe's `t=`.
pub fn parse_timestamp(value: &str) -> Result<i64, &'static str> {
    parse_timestamp_bytes(value.as_bytes())
}

/// [`parse_timestamp`] over the raw header bytes, without allocating or a UTF-8 check.
pub(crate) fn parse_timestamp_bytes(value: &[u8]) -> Result<i64, &'static str> {
    if value.is_empty() {
        return Err("timestamp is empty");
    }
    let mut n: u64 = 0;
    for &b in value {
        if !b.is_ascii_digit() {
            return Err("timestamp is not an integer number of seconds");
        }
        // 19 digits fit in a u64 (at most 9_999_999_999_999_999_999 < u64::MAX); longer input is
        // rejected below, after every byte has been checked to be a digit.
        n = n.wrapping_mul(10).wrapping_add(u64::from(b - b'0'));
    }
    if value.len() > MAX_TIMESTAMP_DIGITS {
        return Err("timestamp is out of range");
    }
    i64::try_from(n).map_err(|_| "timestamp is out of range")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_timestamp_is_strict() {
        assert_eq!(parse_timestamp("1614265330"), Ok(1_614_265_330));
        for bad in [
            "",
            "+1",
            "-1",
            " 1",
            "1 ",
            "1.5",
            "0x10",
            "99999999999999999999",
        ] {
            assert!(parse_timestamp(bad).is_err(), "{bad:?}");
        }
        assert!(parse_timestamp("9223372036854775808").is_err());
        assert_eq!(parse_timestamp("9223372036854775807"), Ok(i64::MAX));
    }

    #[test]
    fn bounds_are_inclusive() {
        let t = Tolerance::default();
        let now = UNIX_EPOCH + Duration::from_secs(1_000_000);
        assert!(t.check("h", 1_000_000 - 300, now).is_ok());
        assert!(t.check("h", 1_000_000 + 300, now).is_ok());
        assert!(matches!(
            t.check("h", 1_000_000 - 301, now),
            Err(VerifyError::TimestampTooOld { .. })
        ));
        assert!(matches!(
            t.check("h", 1_000_000 + 301, now),
            Err(VerifyError::TimestampTooNew { .. })
        ));
        assert!(matches!(
            t.check("h", i64::MIN, now),
            Err(VerifyError::TimestampTooOld { .. })
        ));
        assert!(matches!(
            t.check("h", i64::MAX, now),
            Err(VerifyError::TimestampTooNew { .. })
        ));
    }

    #[test]
    fn unix_seconds_before_epoch_rounds_down() {
        assert_eq!(unix_seconds(UNIX_EPOCH - Duration::from_millis(500)), -1);
        assert_eq!(unix_seconds(UNIX_EPOCH - Duration::from_secs(2)), -2);
        assert_eq!(unix_seconds(UNIX_EPOCH + Duration::from_millis(1500)), 1);
    }
}
