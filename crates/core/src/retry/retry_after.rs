//! Reading server-requested delays: `Retry-After` (seconds or HTTP-date) and rate-limit resets.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::{HeaderMap, StatusCode, header::RETRY_AFTER};

/// Reset values at or above this are Unix timestamps; below it, seconds from now.
const EPOCH_THRESHOLD: u64 = 1_000_000_000;

/// Parses a `Retry-After` value: delay seconds (`"120"`, also tolerating `"1.5"`) or an
/// HTTP-date. A date in the past gives zero. Unparseable values give `None`.
///
/// ```
/// use std::time::{Duration, SystemTime, UNIX_EPOCH};
/// use switchboard_core::retry::parse_retry_after;
/// let now = UNIX_EPOCH + Duration::from_secs(1_445_412_480); // Wed, 21 Oct 2015 07:28:00 GMT
/// assert_eq!(parse_retry_after("30", now), Some(Duration::from_secs(30)));
/// assert_eq!(
///     parse_retry_after("Wed, 21 Oct 2015 07:28:10 GMT", now),
///     Some(Duration::from_secs(10))
/// );
/// assert_eq!(parse_retry_after("soon", now), None);
/// ```
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Some(secs) = parse_seconds(value) {
        return Some(secs);
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Parses an `X-RateLimit-Reset` / `RateLimit-Reset` value: Unix epoch seconds when the value is
/// at least 10⁹, otherwise seconds from now. A reset in the past gives zero.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use switchboard_core::retry::parse_rate_limit_reset;
/// let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
/// assert_eq!(parse_rate_limit_reset("1700000042", now), Some(Duration::from_secs(42)));
/// assert_eq!(parse_rate_limit_reset("7", now), Some(Duration::from_secs(7)));
/// ```
pub fn parse_rate_limit_reset(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    let n: f64 = value
        .parse()
        .ok()
        .filter(|n: &f64| n.is_finite() && *n >= 0.0)?;
    if n >= EPOCH_THRESHOLD as f64 {
        let at = UNIX_EPOCH.checked_add(Duration::try_from_secs_f64(n).ok()?)?;
        Some(at.duration_since(now).unwrap_or(Duration::ZERO))
    } else {
        Duration::try_from_secs_f64(n).ok()
    }
}

fn parse_seconds(value: &str) -> Option<Duration> {
    if !value.bytes().all(|b| b.is_ascii_digit() || b == b'.') || value.is_empty() {
        return None;
    }
    let n: f64 = value.parse().ok()?;
    Duration::try_from_secs_f64(n).ok()
}

/// The delay a response asks for: `Retry-After`, else on 429/503 a rate-limit reset header.
pub(crate) fn server_delay(
    status: StatusCode,
    headers: &HeaderMap,
    now: SystemTime,
) -> Option<Duration> {
    if let Some(d) = headers
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_retry_after(v, now))
    {
        return Some(d);
    }
    if status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::SERVICE_UNAVAILABLE {
        for name in ["x-ratelimit-reset", "ratelimit-reset"] {
            if let Some(d) = headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| parse_rate_limit_reset(v, now))
            {
                return Some(d);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_445_412_480)
    }

    #[test]
    fn retry_after_table() {
        let cases: &[(&str, Option<u64>)] = &[
            ("0", Some(0)),
            ("1", Some(1)),
            (" 120 ", Some(120)),
            ("1.5", Some(1)),
            ("Wed, 21 Oct 2015 07:28:00 GMT", Some(0)),
            ("Wed, 21 Oct 2015 07:29:00 GMT", Some(60)),
            ("Wed, 21 Oct 2015 07:27:00 GMT", Some(0)),
            ("Wednesday, 21-Oct-15 07:28:05 GMT", Some(5)),
            ("Wed Oct 21 07:28:07 2015", Some(7)),
            ("-5", None),
            ("", None),
            ("tomorrow", None),
            ("1e3", None),
        ];
        for (input, want) in cases {
            let got = parse_retry_after(input, now()).map(|d| d.as_secs());
            assert_eq!(got, *want, "{input:?}");
        }
        assert_eq!(
            parse_retry_after("1.5", now()),
            Some(Duration::from_millis(1500))
        );
    }

    #[test]
    fn reset_header_table() {
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let cases: &[(&str, Option<u64>)] = &[
            ("1700000060", Some(60)),
            ("1699999999", Some(0)),
            ("30", Some(30)),
            ("abc", None),
            ("-1", None),
        ];
        for (input, want) in cases {
            let got = parse_rate_limit_reset(input, now).map(|d| d.as_secs());
            assert_eq!(got, *want, "{input:?}");
        }
    }

    #[test]
    fn server_delay_prefers_retry_after() {
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-reset", "1445412500".parse().unwrap());
        assert_eq!(
            server_delay(StatusCode::TOO_MANY_REQUESTS, &h, now()),
            Some(Duration::from_secs(20))
        );
        // A reset header alone on a success is not a delay.
        assert_eq!(server_delay(StatusCode::OK, &h, now()), None);
        h.insert(RETRY_AFTER, "3".parse().unwrap());
        assert_eq!(
            server_delay(StatusCode::TOO_MANY_REQUESTS, &h, now()),
            Some(Duration::from_secs(3))
        );
    }
}
