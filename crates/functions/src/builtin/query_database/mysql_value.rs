//! MySQL/MariaDB values to JSON, by column type.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde_json::Value;
use sqlx::mysql::types::MySqlTime;
use sqlx::mysql::{MySqlRow, MySqlTypeInfo, MySqlValueRef};
use sqlx::{Decode, MySql, Row, Type, TypeInfo, ValueRef};

use super::value;

/// The value of column `i` of `row` as JSON; never fails (odd values become a marker string).
pub(super) fn to_json(row: &MySqlRow, i: usize) -> Value {
    let Ok(raw) = row.try_get_raw(i) else {
        return value::undecodable("?");
    };
    if raw.is_null() {
        return Value::Null;
    }
    let name = type_name(&raw.type_info());
    convert(&name, raw).unwrap_or_else(|| value::undecodable(&name))
}

/// The type name, telling text from bytes by collation: the server flags text with a binary
/// collation (`utf8mb4_bin`, MariaDB's `JSON`) as `BINARY`, which sqlx reports as a blob type.
pub(super) fn type_name(info: &MySqlTypeInfo) -> String {
    let name = info.name();
    let is_text = <str as Type<MySql>>::compatible(info);
    let text_name = match name {
        "BINARY" => "CHAR",
        "VARBINARY" => "VARCHAR",
        "TINYBLOB" => "TINYTEXT",
        "BLOB" => "TEXT",
        "MEDIUMBLOB" => "MEDIUMTEXT",
        "LONGBLOB" => "LONGTEXT",
        other => other,
    };
    if is_text { text_name } else { name }.to_owned()
}

fn decode<'r, T: Decode<'r, MySql>>(raw: MySqlValueRef<'r>) -> Option<T> {
    T::decode(raw).ok()
}

fn convert(name: &str, raw: MySqlValueRef<'_>) -> Option<Value> {
    Some(match name {
        "BOOLEAN" => Value::from(decode::<i64>(raw)?),
        "TINYINT" | "SMALLINT" | "MEDIUMINT" | "INT" | "BIGINT" => Value::from(decode::<i64>(raw)?),
        "TINYINT UNSIGNED" | "SMALLINT UNSIGNED" | "MEDIUMINT UNSIGNED" | "INT UNSIGNED"
        | "BIGINT UNSIGNED" | "BIT" => Value::from(decode::<u64>(raw)?),
        "YEAR" => Value::from(decode::<u16>(raw)?),
        "FLOAT" => value::float(f64::from(decode::<f32>(raw)?)),
        "DOUBLE" => value::float(decode::<f64>(raw)?),
        // Exact decimals travel as text; keep them exact.
        "DECIMAL" => Value::String(decode::<String>(raw)?),
        "CHAR" | "VARCHAR" | "TINYTEXT" | "TEXT" | "MEDIUMTEXT" | "LONGTEXT" | "ENUM" | "SET" => {
            Value::String(decode::<String>(raw)?)
        }
        "JSON" => {
            let text = decode::<String>(raw)?;
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        }
        "BINARY" | "VARBINARY" | "TINYBLOB" | "BLOB" | "MEDIUMBLOB" | "LONGBLOB" => {
            value::bytes(&decode::<Vec<u8>>(raw)?)
        }
        "DATE" => Value::String(decode::<NaiveDate>(raw)?.format("%Y-%m-%d").to_string()),
        "DATETIME" => Value::String(
            decode::<NaiveDateTime>(raw)?
                .format("%Y-%m-%dT%H:%M:%S%.f")
                .to_string(),
        ),
        "TIMESTAMP" => Value::String(
            decode::<DateTime<Utc>>(raw)?.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
        ),
        "TIME" => Value::String(decode::<MySqlTime>(raw)?.to_string()),
        "NULL" => Value::Null,
        other => value::unsupported(&other.to_ascii_lowercase()),
    })
}
