//! Mapping SQLite rows to records.

use std::time::Duration;

use bytes::Bytes;
use rusqlite::Row;

use crate::delivery::ids::{DeliveryId, EndpointId, MessageId};
use crate::delivery::model::{
    Attempt, AttemptErrorKind, Delivery, DeliveryStatus, DisabledReason, Endpoint, EventFilter,
    Message, from_millis,
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

pub(super) fn db(e: rusqlite::Error) -> StoreError {
    StoreError::Database(Box::new(e))
}

fn corrupt(table: &'static str, detail: impl Into<String>) -> StoreError {
    StoreError::Corrupt {
        table,
        detail: detail.into(),
    }
}

fn get<T: rusqlite::types::FromSql>(row: &Row<'_>, i: usize) -> Result<T, StoreError> {
    row.get(i).map_err(db)
}

fn id<T: TryFrom<String>>(row: &Row<'_>, i: usize, table: &'static str) -> Result<T, StoreError> {
    let text: String = get(row, i)?;
    T::try_from(text).map_err(|_| corrupt(table, format!("column {i} is not a valid id")))
}

fn count(row: &Row<'_>, i: usize) -> Result<u32, StoreError> {
    let n: i64 = get(row, i)?;
    u32::try_from(n).map_err(|_| corrupt("deliveries", format!("count {n} out of range")))
}

pub(super) fn endpoint(row: &Row<'_>) -> Result<Endpoint, StoreError> {
    let reason: Option<String> = get(row, 7)?;
    let failing: Option<i64> = get(row, 8)?;
    let max: i64 = get(row, 9)?;
    Ok(Endpoint {
        id: id::<EndpointId>(row, 0, "endpoints")?,
        name: get(row, 1)?,
        url: get(row, 2)?,
        events: decode_events(&get::<String>(row, 3)?)?,
        keys: decode_keys(&get::<String>(row, 4)?)?,
        headers: decode_headers(&get::<String>(row, 5)?)?,
        enabled: get::<i64>(row, 6)? != 0,
        disabled_reason: reason
            .map(|r| {
                DisabledReason::parse(&r).ok_or_else(|| corrupt("endpoints", "disabled_reason"))
            })
            .transpose()?,
        failing_since: failing.map(from_millis),
        max_in_flight: u32::try_from(max).map_err(|_| corrupt("endpoints", "max_in_flight"))?,
        created_at: from_millis(get(row, 10)?),
        updated_at: from_millis(get(row, 11)?),
        rate_limit: get::<Option<i64>>(row, 12)?
            .map(|r| u32::try_from(r).map_err(|_| corrupt("endpoints", "rate_limit")))
            .transpose()?,
    })
}

/// `id, events` of an endpoint: what matching a new message needs.
pub(super) fn endpoint_filter(row: &Row<'_>) -> Result<(EndpointId, EventFilter), StoreError> {
    Ok((
        id::<EndpointId>(row, 0, "endpoints")?,
        decode_events(&get::<String>(row, 1)?)?,
    ))
}

pub(super) fn message(row: &Row<'_>) -> Result<Message, StoreError> {
    Ok(Message {
        id: id::<MessageId>(row, 0, "messages")?,
        event_type: get(row, 1)?,
        payload: Bytes::from(get::<Vec<u8>>(row, 2)?),
        idempotency_key: get(row, 3)?,
        created_at: from_millis(get(row, 4)?),
    })
}

pub(super) fn delivery(row: &Row<'_>) -> Result<Delivery, StoreError> {
    let status: String = get(row, 3)?;
    Ok(Delivery {
        id: id::<DeliveryId>(row, 0, "deliveries")?,
        message_id: id::<MessageId>(row, 1, "deliveries")?,
        endpoint_id: id::<EndpointId>(row, 2, "deliveries")?,
        status: DeliveryStatus::parse(&status)
            .ok_or_else(|| corrupt("deliveries", format!("status {status:?}")))?,
        attempts: count(row, 4)?,
        failed_in_round: count(row, 5)?,
        next_attempt_at: get::<Option<i64>>(row, 6)?.map(from_millis),
        lease_until: get::<Option<i64>>(row, 7)?.map(from_millis),
        created_at: from_millis(get(row, 8)?),
        updated_at: from_millis(get(row, 9)?),
    })
}

pub(super) fn attempt(row: &Row<'_>) -> Result<Attempt, StoreError> {
    let latency: i64 = get(row, 5)?;
    let status: Option<i64> = get(row, 6)?;
    let kind: Option<String> = get(row, 8)?;
    Ok(Attempt {
        delivery_id: id::<DeliveryId>(row, 0, "attempts")?,
        message_id: id::<MessageId>(row, 1, "attempts")?,
        endpoint_id: id::<EndpointId>(row, 2, "attempts")?,
        number: count(row, 3)?,
        at: from_millis(get(row, 4)?),
        latency: Duration::from_micros(latency.max(0).unsigned_abs()),
        status: status
            .map(|s| u16::try_from(s).map_err(|_| corrupt("attempts", "status")))
            .transpose()?,
        response_body: get(row, 7)?,
        error_kind: kind
            .map(|k| AttemptErrorKind::parse(&k).ok_or_else(|| corrupt("attempts", "error_kind")))
            .transpose()?,
        error: get(row, 9)?,
    })
}
