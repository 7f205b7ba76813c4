//! Postgres values to JSON, by column type. Numeric and UUID are decoded from the binary wire format here.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use serde_json::Value;
use sqlx::postgres::types::PgInterval;
use sqlx::postgres::{PgRow, PgTypeKind, PgValueFormat, PgValueRef};
use sqlx::types::Json;
use sqlx::{Decode, Postgres, Row, TypeInfo, ValueRef};

use super::value;

/// The value of column `i` of `row` as JSON; never fails (odd values become a marker string).
pub(super) fn to_json(row: &PgRow, i: usize) -> Value {
    let Ok(raw) = row.try_get_raw(i) else {
        return value::undecodable("?");
    };
    if raw.is_null() {
        return Value::Null;
    }
    let info = raw.type_info().into_owned();
    let base = match info.kind() {
        PgTypeKind::Domain(base) => base.clone(),
        _ => info.clone(),
    };
    if let PgTypeKind::Enum(_) = base.kind() {
        // Enum values travel as their label, in text and binary format alike.
        return raw.as_str().map_or_else(
            |_| value::undecodable(base.name()),
            |s| Value::String(s.to_owned()),
        );
    }
    if raw.format() == PgValueFormat::Text {
        return raw.as_str().map_or_else(
            |_| value::undecodable(base.name()),
            |s| Value::String(s.to_owned()),
        );
    }
    let name = base.name().to_owned();
    convert(&name, raw).unwrap_or_else(|| value::undecodable(&name))
}

fn decode<'r, T: Decode<'r, Postgres>>(raw: PgValueRef<'r>) -> Option<T> {
    T::decode(raw).ok()
}

fn convert(name: &str, raw: PgValueRef<'_>) -> Option<Value> {
    Some(match name {
        "BOOL" => Value::Bool(decode(raw)?),
        "INT2" => Value::from(decode::<i16>(raw)?),
        "INT4" => Value::from(decode::<i32>(raw)?),
        "INT8" => Value::from(decode::<i64>(raw)?),
        "OID" => Value::from(decode::<sqlx::postgres::types::Oid>(raw)?.0),
        "FLOAT4" => value::float(f64::from(decode::<f32>(raw)?)),
        "FLOAT8" => value::float(decode::<f64>(raw)?),
        "NUMERIC" => Value::String(numeric_to_string(raw.as_bytes().ok()?)?),
        "TEXT" | "VARCHAR" | "CHAR" | "NAME" | "CITEXT" | "UNKNOWN" | "XML" => {
            Value::String(raw.as_str().ok()?.to_owned())
        }
        "\"CHAR\"" => Value::String(char::from(decode::<i8>(raw)? as u8).to_string()),
        "BYTEA" => value::bytes(raw.as_bytes().ok()?),
        "UUID" => Value::String(uuid_to_string(raw.as_bytes().ok()?)?),
        "JSON" | "JSONB" => decode::<Json<Value>>(raw)?.0,
        "DATE" => Value::String(decode::<NaiveDate>(raw)?.format("%Y-%m-%d").to_string()),
        "TIME" => Value::String(decode::<NaiveTime>(raw)?.format("%H:%M:%S%.f").to_string()),
        "TIMESTAMP" => Value::String(
            decode::<NaiveDateTime>(raw)?
                .format("%Y-%m-%dT%H:%M:%S%.f")
                .to_string(),
        ),
        "TIMESTAMPTZ" => Value::String(
            decode::<DateTime<Utc>>(raw)?.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
        ),
        "INTERVAL" => Value::String(interval_to_iso(&decode::<PgInterval>(raw)?)),
        "VOID" => Value::Null,
        "BOOL[]" => array::<bool>(raw, Value::Bool)?,
        "INT2[]" => array::<i16>(raw, Value::from)?,
        "INT4[]" => array::<i32>(raw, Value::from)?,
        "INT8[]" => array::<i64>(raw, Value::from)?,
        "FLOAT4[]" => array::<f32>(raw, |f| value::float(f64::from(f)))?,
        "FLOAT8[]" => array::<f64>(raw, value::float)?,
        "TEXT[]" | "VARCHAR[]" | "CHAR[]" | "NAME[]" => array::<String>(raw, Value::String)?,
        "JSON[]" | "JSONB[]" => array::<Json<Value>>(raw, |j| j.0)?,
        other => value::unsupported(&other.to_ascii_lowercase()),
    })
}

fn array<'r, T>(raw: PgValueRef<'r>, f: impl Fn(T) -> Value) -> Option<Value>
where
    T: Decode<'r, Postgres> + sqlx::Type<Postgres>,
    Vec<Option<T>>: Decode<'r, Postgres>,
{
    let items: Vec<Option<T>> = decode(raw)?;
    Some(Value::Array(
        items
            .into_iter()
            .map(|v| v.map_or(Value::Null, &f))
            .collect(),
    ))
}

/// Binary NUMERIC: ndigits, weight, sign, dscale (all 16-bit), then base-10000 digits.
pub(super) fn numeric_to_string(buf: &[u8]) -> Option<String> {
    let word = |i: usize| -> Option<u16> {
        let b = buf.get(i * 2..i * 2 + 2)?;
        Some(u16::from_be_bytes([b[0], b[1]]))
    };
    let ndigits = usize::from(word(0)?);
    let weight = i64::from(word(1)? as i16);
    let sign = word(2)?;
    let dscale = usize::from(word(3)?);
    match sign {
        0x0000 | 0x4000 => {}
        0xC000 => return Some("NaN".to_owned()),
        0xD000 => return Some("Infinity".to_owned()),
        0xF000 => return Some("-Infinity".to_owned()),
        _ => return None,
    }
    let digits: Vec<u16> = (0..ndigits).map(|i| word(4 + i)).collect::<Option<_>>()?;
    if digits.iter().any(|&d| d > 9999) {
        return None;
    }
    let group = |idx: i64| -> u16 {
        usize::try_from(idx)
            .ok()
            .and_then(|i| digits.get(i).copied())
            .unwrap_or(0)
    };
    let mut out = String::new();
    if sign == 0x4000 {
        out.push('-');
    }
    if weight < 0 {
        out.push('0');
    } else {
        for idx in 0..=weight {
            if idx == 0 {
                out.push_str(&group(idx).to_string());
            } else {
                out.push_str(&format!("{:04}", group(idx)));
            }
        }
    }
    if dscale > 0 {
        let mut frac = String::new();
        let mut k = 1;
        while frac.len() < dscale {
            frac.push_str(&format!("{:04}", group(weight + k)));
            k += 1;
        }
        frac.truncate(dscale);
        out.push('.');
        out.push_str(&frac);
    }
    Some(out)
}

fn uuid_to_string(b: &[u8]) -> Option<String> {
    if b.len() != 16 {
        return None;
    }
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    Some(format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    ))
}

/// ISO 8601 duration, e.g. `P1Y2M3DT4H5M6.5S`; Postgres keeps months, days and microseconds apart.
fn interval_to_iso(iv: &PgInterval) -> String {
    let mut out = String::from("P");
    let (years, months) = (iv.months / 12, iv.months % 12);
    if years != 0 {
        out.push_str(&format!("{years}Y"));
    }
    if months != 0 {
        out.push_str(&format!("{months}M"));
    }
    if iv.days != 0 {
        out.push_str(&format!("{}D", iv.days));
    }
    let micros = iv.microseconds;
    if micros != 0 {
        out.push('T');
        let neg = micros < 0;
        let abs = micros.unsigned_abs();
        let (h, m, s, us) = (
            abs / 3_600_000_000,
            abs / 60_000_000 % 60,
            abs / 1_000_000 % 60,
            abs % 1_000_000,
        );
        let sign = if neg { "-" } else { "" };
        if h != 0 {
            out.push_str(&format!("{sign}{h}H"));
        }
        if m != 0 {
            out.push_str(&format!("{sign}{m}M"));
        }
        if s != 0 || us != 0 {
            if us == 0 {
                out.push_str(&format!("{sign}{s}S"));
            } else {
                let frac = format!("{us:06}");
                out.push_str(&format!("{sign}{s}.{}S", frac.trim_end_matches('0')));
            }
        }
    }
    if out == "P" {
        out.push_str("T0S");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(words: &[u16]) -> Option<String> {
        let buf: Vec<u8> = words.iter().flat_map(|w| w.to_be_bytes()).collect();
        numeric_to_string(&buf)
    }

    #[test]
    fn numeric_binary_format() {
        // 123.4500: ndigits 2, weight 0, +, dscale 4, digits 123 4500.
        assert_eq!(num(&[2, 0, 0, 4, 123, 4500]).as_deref(), Some("123.4500"));
        // -0.001: ndigits 1, weight -1, -, dscale 3, digits 10.
        assert_eq!(num(&[1, 0xFFFF, 0x4000, 3, 10]).as_deref(), Some("-0.001"));
        // 10000000000: ndigits 1, weight 2, digits 100.
        assert_eq!(num(&[1, 2, 0, 0, 100]).as_deref(), Some("10000000000"));
        // 0: ndigits 0, weight 0, dscale 0.
        assert_eq!(num(&[0, 0, 0, 0]).as_deref(), Some("0"));
        assert_eq!(num(&[0, 0, 0xC000, 0]).as_deref(), Some("NaN"));
        // Truncated buffer.
        assert_eq!(num(&[3, 0, 0, 0, 1]), None);
    }

    #[test]
    fn interval_iso() {
        let iv = PgInterval {
            months: 14,
            days: 3,
            microseconds: 3_723_500_000,
        };
        assert_eq!(interval_to_iso(&iv), "P1Y2M3DT1H2M3.5S");
        let zero = PgInterval {
            months: 0,
            days: 0,
            microseconds: 0,
        };
        assert_eq!(interval_to_iso(&zero), "PT0S");
    }
}
