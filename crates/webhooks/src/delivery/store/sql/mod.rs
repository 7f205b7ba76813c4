//! What the two SQL stores share: the column lists, the mapping of rows to records, and the
//! text forms of endpoint settings ([`codec`]).
//!
//! Each store selects with these column lists and hands its row type, through [`Columns`], to
//! the one mapping here, so a column added to a table is read the same way by both.

pub(crate) mod codec;
pub(crate) mod list;

use std::time::Duration;

use bytes::Bytes;

use super::StoreError;
use crate::delivery::ids::{DeliveryId, EndpointId, MessageId};
use crate::delivery::model::{
    Attempt, AttemptErrorKind, Delivery, DeliveryStatus, DisabledReason, Endpoint, EndpointOrigin,
    Message, from_millis,
};
use codec::{decode_channels, decode_events, decode_headers, decode_keys, decode_metadata};

/// The columns of an [`Endpoint`], in the order [`endpoint`] reads them.
pub(crate) const ENDPOINT_COLUMNS: &str = "id, name, url, events, keys, headers, enabled, \
    disabled_reason, failing_since, max_in_flight, created_at, updated_at, rate_limit, \
    description, metadata, origin, ordered, channels";
/// The columns of a [`Message`], in the order [`message`] reads them.
pub(crate) const MESSAGE_COLUMNS: &str =
    "id, event_type, payload, idempotency_key, created_at, channels";
/// The columns of a [`Delivery`], in the order [`delivery`] reads them.
pub(crate) const DELIVERY_COLUMNS: &str = "id, message_id, endpoint_id, status, attempts, \
    failed_in_round, next_attempt_at, lease_until, created_at, updated_at";
/// The columns of an [`Attempt`], in the order [`attempt`] reads them.
pub(crate) const ATTEMPT_COLUMNS: &str = "delivery_id, message_id, endpoint_id, number, at, \
    latency_us, status, response_body, error_kind, error";

/// The claim condition of in-order delivery, for a query over `deliveries d`: a delivery of an
/// ordered endpoint may be claimed only while no unfinished delivery of that endpoint sorts
/// before it (publication time, then id). The head in flight blocks the rest, so an ordered
/// endpoint has at most one attempt under way across every process.
///
/// The check reads the deliveries' own `ordered` flag, not the endpoint's: it walks the partial
/// index `deliveries_ordered_unfinished` (`(endpoint_id, created_at, id)` over the unfinished
/// deliveries of ordered endpoints only) from the candidate downwards, so it costs one index
/// probe however long the endpoint's finished history, and concurrent endpoints' deliveries
/// never enter that index. The rule stays the endpoint's because every store keeps this
/// invariant: **an unfinished delivery's flag equals its endpoint's current `ordered`
/// setting**. A delivery copies the setting when it is created (enqueue, replay) or becomes
/// unfinished again (recovery), and changing the setting rewrites the flag of the endpoint's
/// unfinished deliveries in the same transaction, so deliveries already queued follow the new
/// setting from the next claim on (an attempt already under way finishes). On Postgres, under
/// READ COMMITTED, the writers that copy the setting lock the endpoint row `FOR KEY SHARE` and
/// the change locks the endpoints table against them before rewriting the flags: a copy that
/// read the setting first commits before the rewrite takes its snapshot (which then sees and
/// fixes it), and a copy that comes second waits for the change and reads the new setting (see
/// `postgres::endpoints`). Finished deliveries keep whatever flag they had: the index ignores
/// them.
pub(crate) const ORDERED_HEAD: &str = "(NOT d.ordered OR NOT EXISTS (\
    SELECT 1 FROM deliveries h WHERE h.ordered AND h.status IN ('pending', 'in_flight') \
    AND h.endpoint_id = d.endpoint_id AND (h.created_at, h.id) < (d.created_at, d.id)))";

/// The statement that gives an endpoint's unfinished deliveries its new `ordered` setting
/// (the endpoint's id bound to `$1`), run in the transaction that changes the setting: the
/// invariant of [`ORDERED_HEAD`]. Switching off reads the partial index of ordered deliveries;
/// switching on reads the endpoint's deliveries. One text for both stores: SQLite reads `$1` as
/// the first parameter and `TRUE`/`FALSE` as 1/0.
pub(crate) fn reorder_sql(ordered: bool) -> &'static str {
    if ordered {
        "UPDATE deliveries SET ordered = TRUE WHERE endpoint_id = $1 \
         AND status IN ('pending', 'in_flight') AND NOT ordered"
    } else {
        "UPDATE deliveries SET ordered = FALSE WHERE ordered \
         AND status IN ('pending', 'in_flight') AND endpoint_id = $1"
    }
}

/// A result row of either SQL store, read by column position. Times are milliseconds since the
/// epoch; integers of any width come back as `i64`.
pub(crate) trait Columns {
    /// A text column.
    fn text(&self, i: usize) -> Result<String, StoreError>;
    /// A nullable text column.
    fn opt_text(&self, i: usize) -> Result<Option<String>, StoreError>;
    /// An integer column.
    fn int(&self, i: usize) -> Result<i64, StoreError>;
    /// A nullable integer column.
    fn opt_int(&self, i: usize) -> Result<Option<i64>, StoreError>;
    /// A boolean column (`0`/`1` in SQLite).
    fn flag(&self, i: usize) -> Result<bool, StoreError>;
    /// A blob column.
    fn bytes(&self, i: usize) -> Result<Vec<u8>, StoreError>;
}

/// A column list with each column qualified by a table alias (`d.id, d.message_id, …`), for
/// joins and `RETURNING` clauses.
pub(crate) fn qualified(alias: &str, columns: &str) -> String {
    columns
        .split(',')
        .map(|c| format!("{alias}.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// How many columns a column list names: where the next record starts in a joined row.
pub(crate) fn column_count(columns: &str) -> usize {
    columns.split(',').count()
}

/// The columns of `row` from position `by` on: a record whose columns a query returns after
/// another record's (`by` is the [`column_count`] of the columns before it).
pub(crate) struct Shifted<'r, R> {
    pub(crate) row: &'r R,
    pub(crate) by: usize,
}

impl<R: Columns> Columns for Shifted<'_, R> {
    fn text(&self, i: usize) -> Result<String, StoreError> {
        self.row.text(self.by + i)
    }

    fn opt_text(&self, i: usize) -> Result<Option<String>, StoreError> {
        self.row.opt_text(self.by + i)
    }

    fn int(&self, i: usize) -> Result<i64, StoreError> {
        self.row.int(self.by + i)
    }

    fn opt_int(&self, i: usize) -> Result<Option<i64>, StoreError> {
        self.row.opt_int(self.by + i)
    }

    fn flag(&self, i: usize) -> Result<bool, StoreError> {
        self.row.flag(self.by + i)
    }

    fn bytes(&self, i: usize) -> Result<Vec<u8>, StoreError> {
        self.row.bytes(self.by + i)
    }
}

pub(crate) fn corrupt(table: &'static str, detail: impl Into<String>) -> StoreError {
    StoreError::Corrupt {
        table,
        detail: detail.into(),
    }
}

fn id<T: TryFrom<String>>(
    row: &impl Columns,
    i: usize,
    table: &'static str,
) -> Result<T, StoreError> {
    T::try_from(row.text(i)?).map_err(|_| corrupt(table, format!("column {i} is not a valid id")))
}

fn count(row: &impl Columns, i: usize, table: &'static str) -> Result<u32, StoreError> {
    let n = row.int(i)?;
    u32::try_from(n).map_err(|_| corrupt(table, format!("column {i}: {n} out of range")))
}

fn opt_count(row: &impl Columns, i: usize, table: &'static str) -> Result<Option<u32>, StoreError> {
    row.opt_int(i)?
        .map(|n| {
            u32::try_from(n).map_err(|_| corrupt(table, format!("column {i}: {n} out of range")))
        })
        .transpose()
}

/// An endpoint, from [`ENDPOINT_COLUMNS`].
pub(crate) fn endpoint(row: &impl Columns) -> Result<Endpoint, StoreError> {
    let reason = row
        .opt_text(7)?
        .map(|r| DisabledReason::parse(&r).ok_or_else(|| corrupt("endpoints", "disabled_reason")))
        .transpose()?;
    let origin = row.text(15)?;
    Ok(Endpoint {
        id: id::<EndpointId>(row, 0, "endpoints")?,
        name: row.text(1)?,
        url: row.text(2)?,
        events: decode_events(&row.text(3)?)?,
        keys: decode_keys(&row.text(4)?)?,
        headers: decode_headers(&row.text(5)?)?,
        enabled: row.flag(6)?,
        disabled_reason: reason,
        failing_since: row.opt_int(8)?.map(from_millis),
        max_in_flight: count(row, 9, "endpoints")?,
        created_at: from_millis(row.int(10)?),
        updated_at: from_millis(row.int(11)?),
        rate_limit: opt_count(row, 12, "endpoints")?,
        description: row.opt_text(13)?,
        metadata: decode_metadata(&row.text(14)?)?,
        origin: EndpointOrigin::parse(&origin)
            .ok_or_else(|| corrupt("endpoints", format!("origin {origin:?}")))?,
        ordered: row.flag(16)?,
        channels: decode_channels("endpoints", row.opt_text(17)?)?,
    })
}

/// A message, from [`MESSAGE_COLUMNS`].
pub(crate) fn message(row: &impl Columns) -> Result<Message, StoreError> {
    Ok(Message {
        id: id::<MessageId>(row, 0, "messages")?,
        event_type: row.text(1)?,
        payload: Bytes::from(row.bytes(2)?),
        idempotency_key: row.opt_text(3)?,
        created_at: from_millis(row.int(4)?),
        channels: decode_channels("messages", row.opt_text(5)?)?,
    })
}

/// A delivery, from [`DELIVERY_COLUMNS`].
pub(crate) fn delivery(row: &impl Columns) -> Result<Delivery, StoreError> {
    let status = row.text(3)?;
    Ok(Delivery {
        id: id::<DeliveryId>(row, 0, "deliveries")?,
        message_id: id::<MessageId>(row, 1, "deliveries")?,
        endpoint_id: id::<EndpointId>(row, 2, "deliveries")?,
        status: DeliveryStatus::parse(&status)
            .ok_or_else(|| corrupt("deliveries", format!("status {status:?}")))?,
        attempts: count(row, 4, "deliveries")?,
        failed_in_round: count(row, 5, "deliveries")?,
        next_attempt_at: row.opt_int(6)?.map(from_millis),
        lease_until: row.opt_int(7)?.map(from_millis),
        created_at: from_millis(row.int(8)?),
        updated_at: from_millis(row.int(9)?),
    })
}

/// An attempt, from [`ATTEMPT_COLUMNS`].
pub(crate) fn attempt(row: &impl Columns) -> Result<Attempt, StoreError> {
    let kind = row
        .opt_text(8)?
        .map(|k| AttemptErrorKind::parse(&k).ok_or_else(|| corrupt("attempts", "error_kind")))
        .transpose()?;
    Ok(Attempt {
        delivery_id: id::<DeliveryId>(row, 0, "attempts")?,
        message_id: id::<MessageId>(row, 1, "attempts")?,
        endpoint_id: id::<EndpointId>(row, 2, "attempts")?,
        number: count(row, 3, "attempts")?,
        at: from_millis(row.int(4)?),
        latency: Duration::from_micros(row.int(5)?.max(0).unsigned_abs()),
        status: row
            .opt_int(6)?
            .map(|s| u16::try_from(s).map_err(|_| corrupt("attempts", "status")))
            .transpose()?,
        response_body: row.opt_text(7)?,
        error_kind: kind,
        error: row.opt_text(9)?,
    })
}
