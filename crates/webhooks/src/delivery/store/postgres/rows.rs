//! Mapping Postgres rows to records.

use std::time::Duration;

use bytes::Bytes;
use sqlx::Row;
use sqlx::postgres::PgRow;

use crate::delivery::ids::{DeliveryId, EndpointId, MessageId};
use crate::delivery::model::{
    Attempt, AttemptErrorKind, Delivery, DeliveryStatus, DisabledReason, Endpoint, Message,
    from_millis,
};
use crate::delivery::store::StoreError;
use crate::delivery::store::codec::{decode_events, decode_headers, decode_keys};

pub(super) const ENDPOINT_COLUMNS: &str = "id, name, url, events, keys, headers, enabled, \
    disabled_reason, failing_since, max_in_flight, created_at, updated_at, rate_limit";
pub(super) const MESSAGE_COLUMNS: &str = "id, event_type, payload, idempotency_key, created_at";
pub(super) const DELIVERY_COLUMNS: &str = "id, message_id, endpoint_id, status, attempts, \
    failed_in_round, next_attempt_at, lease_until, created_at, updated_at";
pub(super) const ATTEMPT_COLUMNS: &str = "delivery_id, message_id, endpoint_id, number, at, \
    latency_us, status, response_body, error_kind, error";

pub(super) fn db(e: sqlx::Error) -> StoreError {
    StoreError::Database(Box::new(e))
}

fn corrupt(table: &'static str, detail: impl Into<String>) -> StoreError {
    StoreError::Corrupt {
        table,
        detail: detail.into(),
    }
}

fn get<'r, T>(row: &'r PgRow, column: &str) -> Result<T, StoreError>
where
    T: sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
{
    row.try_get(column).map_err(db)
}

fn id<T: TryFrom<String>>(row: &PgRow, column: &str, table: &'static str) -> Result<T, StoreError> {
    let text: String = get(row, column)?;
    T::try_from(text).map_err(|_| corrupt(table, format!("column {column} is not a valid id")))
}

fn count(row: &PgRow, column: &str) -> Result<u32, StoreError> {
    let n: i64 = get(row, column)?;
    u32::try_from(n).map_err(|_| corrupt("deliveries", format!("{column} {n} out of range")))
}

pub(super) fn endpoint(row: &PgRow) -> Result<Endpoint, StoreError> {
    let reason: Option<String> = get(row, "disabled_reason")?;
    let failing: Option<i64> = get(row, "failing_since")?;
    let max: i64 = get(row, "max_in_flight")?;
    Ok(Endpoint {
        id: id::<EndpointId>(row, "id", "endpoints")?,
        name: get(row, "name")?,
        url: get(row, "url")?,
        events: decode_events(&get::<String>(row, "events")?)?,
        keys: decode_keys(&get::<String>(row, "keys")?)?,
        headers: decode_headers(&get::<String>(row, "headers")?)?,
        enabled: get(row, "enabled")?,
        disabled_reason: reason
            .map(|r| {
                DisabledReason::parse(&r).ok_or_else(|| corrupt("endpoints", "disabled_reason"))
            })
            .transpose()?,
        failing_since: failing.map(from_millis),
        max_in_flight: u32::try_from(max).map_err(|_| corrupt("endpoints", "max_in_flight"))?,
        created_at: from_millis(get(row, "created_at")?),
        updated_at: from_millis(get(row, "updated_at")?),
        rate_limit: get::<Option<i64>>(row, "rate_limit")?
            .map(|r| u32::try_from(r).map_err(|_| corrupt("endpoints", "rate_limit")))
            .transpose()?,
    })
}

pub(super) fn message(row: &PgRow) -> Result<Message, StoreError> {
    Ok(Message {
        id: id::<MessageId>(row, "id", "messages")?,
        event_type: get(row, "event_type")?,
        payload: Bytes::from(get::<Vec<u8>>(row, "payload")?),
        idempotency_key: get(row, "idempotency_key")?,
        created_at: from_millis(get(row, "created_at")?),
    })
}

pub(super) fn delivery(row: &PgRow) -> Result<Delivery, StoreError> {
    let status: String = get(row, "status")?;
    Ok(Delivery {
        id: id::<DeliveryId>(row, "id", "deliveries")?,
        message_id: id::<MessageId>(row, "message_id", "deliveries")?,
        endpoint_id: id::<EndpointId>(row, "endpoint_id", "deliveries")?,
        status: DeliveryStatus::parse(&status)
            .ok_or_else(|| corrupt("deliveries", format!("status {status:?}")))?,
        attempts: count(row, "attempts")?,
        failed_in_round: count(row, "failed_in_round")?,
        next_attempt_at: get::<Option<i64>>(row, "next_attempt_at")?.map(from_millis),
        lease_until: get::<Option<i64>>(row, "lease_until")?.map(from_millis),
        created_at: from_millis(get(row, "created_at")?),
        updated_at: from_millis(get(row, "updated_at")?),
    })
}

pub(super) fn attempt(row: &PgRow) -> Result<Attempt, StoreError> {
    let latency: i64 = get(row, "latency_us")?;
    let status: Option<i32> = get(row, "status")?;
    let kind: Option<String> = get(row, "error_kind")?;
    Ok(Attempt {
        delivery_id: id::<DeliveryId>(row, "delivery_id", "attempts")?,
        message_id: id::<MessageId>(row, "message_id", "attempts")?,
        endpoint_id: id::<EndpointId>(row, "endpoint_id", "attempts")?,
        number: count(row, "number")?,
        at: from_millis(get(row, "at")?),
        latency: Duration::from_micros(latency.max(0).unsigned_abs()),
        status: status
            .map(|s| u16::try_from(s).map_err(|_| corrupt("attempts", "status")))
            .transpose()?,
        response_body: get(row, "response_body")?,
        error_kind: kind
            .map(|k| AttemptErrorKind::parse(&k).ok_or_else(|| corrupt("attempts", "error_kind")))
            .transpose()?,
        error: get(row, "error")?,
    })
}
