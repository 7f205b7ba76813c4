//! ISO 8601 / RFC 3339 timestamps to Unix seconds, without a date-time dependency.

/// Unix seconds of `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM|±HHMM)`; `None` for anything else.
pub(crate) fn parse_iso8601(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        t.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| t.parse().ok())?
    };
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut i = 19;
    let mut frac = 0.0;
    if b.get(i) == Some(&b'.') {
        let start = i + 1;
        i = start;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        frac = format!("0.{}", s.get(start..i)?).parse().ok()?;
    }
    let offset = match s.get(i..)? {
        "Z" | "z" => 0,
        tz if tz.len() == 6 && matches!(&tz[..1], "+" | "-") && &tz[3..4] == ":" => {
            let mins = tz[1..3].parse::<i64>().ok()? * 60 + tz[4..6].parse::<i64>().ok()?;
            if tz.starts_with('-') { -mins } else { mins }
        }
        tz if tz.len() == 5 && matches!(&tz[..1], "+" | "-") => {
            let mins = tz[1..3].parse::<i64>().ok()? * 60 + tz[3..5].parse::<i64>().ok()?;
            if tz.starts_with('-') { -mins } else { mins }
        }
        _ => return None,
    };
    let days = days_from_civil(y, mo, d);
    let secs = days * 86_400 + h * 3600 + mi * 60 + sec - offset * 60;
    Some(secs as f64 + frac)
}

/// `YYYY-MM-DDTHH:MM:SSZ` of Unix seconds `secs` (fractions dropped), shifted by
/// `offset_secs` and written with that offset (`Z` when zero, else `±HH:MM`).
pub(crate) fn format_rfc3339(secs: i64, offset_secs: i64) -> String {
    let local = secs + offset_secs;
    let (days, rem) = (local.div_euclid(86_400), local.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    let zone = if offset_secs == 0 {
        "Z".to_owned()
    } else {
        let sign = if offset_secs < 0 { '-' } else { '+' };
        let mins = offset_secs.abs() / 60;
        format!("{sign}{:02}:{:02}", mins / 60, mins % 60)
    };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}{zone}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
pub(crate) fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso8601_forms() {
        assert_eq!(parse_iso8601("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(parse_iso8601("2024-02-29T12:00:00Z"), Some(1_709_208_000.0));
        assert_eq!(
            parse_iso8601("2024-02-29T14:00:00+02:00"),
            Some(1_709_208_000.0)
        );
        assert_eq!(
            parse_iso8601("2024-02-29T12:00:00.5Z"),
            Some(1_709_208_000.5)
        );
        assert_eq!(
            parse_iso8601("2024-02-29T12:00:00-0130"),
            Some(1_709_213_400.0)
        );
        assert_eq!(parse_iso8601("2024-13-01T00:00:00Z"), None);
        assert_eq!(parse_iso8601("soon"), None);
    }

    #[test]
    fn rfc3339_formatting_round_trips() {
        assert_eq!(format_rfc3339(0, 0), "1970-01-01T00:00:00Z");
        assert_eq!(format_rfc3339(1_709_208_000, 0), "2024-02-29T12:00:00Z");
        assert_eq!(
            format_rfc3339(1_709_208_000, 7200),
            "2024-02-29T14:00:00+02:00"
        );
        assert_eq!(
            format_rfc3339(1_709_208_000, -5400),
            "2024-02-29T10:30:00-01:30"
        );
        assert_eq!(format_rfc3339(-1, 0), "1969-12-31T23:59:59Z");
        for secs in [0_i64, 951_782_400, 1_709_208_000, 4_102_444_799] {
            assert_eq!(
                parse_iso8601(&format_rfc3339(secs, 3600)),
                Some(secs as f64)
            );
        }
    }
}
