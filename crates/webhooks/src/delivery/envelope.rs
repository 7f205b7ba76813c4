//! The body sent for every event: `{"type", "timestamp", "data"}` as exact JSON bytes.

use std::time::SystemTime;

use bytes::Bytes;
use serde::Serialize;

#[derive(Serialize)]
struct Envelope<'a> {
    #[serde(rename = "type")]
    event_type: &'a str,
    timestamp: String,
    data: &'a serde_json::Value,
}

/// Serialises the envelope once; these bytes are stored, signed and sent unchanged.
pub(crate) fn envelope(
    event_type: &str,
    timestamp: SystemTime,
    data: &serde_json::Value,
) -> Result<Bytes, serde_json::Error> {
    serde_json::to_vec(&Envelope {
        event_type,
        timestamp: rfc3339(timestamp),
        data,
    })
    .map(Bytes::from)
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` in UTC (times before 1970 are written as the epoch).
pub(crate) fn rfc3339(t: SystemTime) -> String {
    let d = t.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs();
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    // Howard Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        d.subsec_millis()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn formats_utc_timestamps() {
        let at = |s| SystemTime::UNIX_EPOCH + Duration::from_millis(s);
        assert_eq!(rfc3339(at(0)), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(at(1_700_000_000_123)), "2023-11-14T22:13:20.123Z");
        assert_eq!(rfc3339(at(951_782_400_000)), "2000-02-29T00:00:00.000Z");
    }

    #[test]
    fn envelope_fields_in_order() {
        let body = envelope(
            "user.joined",
            SystemTime::UNIX_EPOCH,
            &serde_json::json!({"id": 7}),
        )
        .unwrap();
        assert_eq!(
            &body[..],
            br#"{"type":"user.joined","timestamp":"1970-01-01T00:00:00.000Z","data":{"id":7}}"#
        );
    }
}
