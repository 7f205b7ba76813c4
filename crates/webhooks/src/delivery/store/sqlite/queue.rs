//! The delivery queue in SQLite: enqueue, claim (`LIMIT n` range scans over partial indexes),
//! release, and applying the engine's decisions.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};

use super::rows::{self, db};
use super::{SqliteStore, is_unique_violation, query_all, query_one};
use crate::delivery::ids::{DeliveryId, EndpointId, MessageId};
use crate::delivery::model::{Attempt, Delivery, Endpoint, from_millis, to_millis};
use crate::delivery::query::QueueDepth;
use crate::delivery::store::sql::codec::encode_channels;
use crate::delivery::store::sql::{
    self, DELIVERY_COLUMNS, ENDPOINT_COLUMNS, MESSAGE_COLUMNS, ORDERED_HEAD,
};
use crate::delivery::store::types::{
    Claim, ClaimRequest, Enqueued, NewMessage, Published, StoreError, Subscriber, claim_of,
    fans_out_to, lease_token, new_delivery,
};
use crate::delivery::store::{Applied, Decision, QueueStore};

#[async_trait]
impl QueueStore for SqliteStore {
    async fn insert_message(
        &self,
        message: NewMessage,
        now: SystemTime,
        due_at: SystemTime,
        idempotency_window: Duration,
    ) -> Result<Enqueued, StoreError> {
        self.call(move |conn| {
            let now_ms = to_millis(now);
            if let Some(key) = &message.idempotency_key {
                let cutoff = now
                    .checked_sub(idempotency_window)
                    .map_or(i64::MIN, to_millis);
                let existing: Option<String> = conn
                    .prepare_cached(
                        "SELECT k.message_id FROM idempotency_keys k \
                         JOIN messages m ON m.id = k.message_id \
                         WHERE k.key = ?1 AND k.created_at > ?2",
                    )
                    .map_err(db)?
                    .query_row(params![key, cutoff], |r| r.get(0))
                    .optional()
                    .map_err(db)?;
                if let Some(existing) = existing {
                    let message_id =
                        MessageId::try_from(existing).map_err(|e| StoreError::Corrupt {
                            table: "idempotency_keys",
                            detail: e.to_string(),
                        })?;
                    return Ok(Enqueued {
                        message_id,
                        created: false,
                        deliveries: Vec::new(),
                    });
                }
            }
            conn.prepare_cached(
                "INSERT INTO messages (id, event_type, payload, idempotency_key, created_at, \
                 channels) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .map_err(db)?
            .execute(params![
                message.id.as_str(),
                message.event_type,
                &message.payload[..],
                message.idempotency_key,
                now_ms,
                encode_channels(&message.channels),
            ])
            .map_err(|e| {
                if is_unique_violation(&e) {
                    StoreError::Conflict(format!("message id {} exists", message.id))
                } else {
                    db(e)
                }
            })?;
            // The key is stored after the message, whose insert is the one that can be
            // refused (an id that exists): a refused job must not have changed a row, or its
            // whole batch is rolled back (see `worker`).
            if let Some(key) = &message.idempotency_key {
                conn.prepare_cached(
                    "INSERT INTO idempotency_keys (key, message_id, created_at) \
                     VALUES (?1, ?2, ?3) ON CONFLICT (key) DO UPDATE SET \
                     message_id = excluded.message_id, created_at = excluded.created_at",
                )
                .map_err(db)?
                .execute(params![key, message.id.as_str(), now_ms])
                .map_err(db)?;
            }
            let mut deliveries = Vec::new();
            let published = Published {
                event_type: &message.event_type,
                channels: &message.channels,
                excluded: message.exclude_endpoint.as_ref(),
            };
            for (endpoint, ordered) in matching_endpoints(conn, published)? {
                let d = new_delivery(&message.id, &endpoint, now, due_at);
                insert_delivery(conn, &d, ordered)?;
                deliveries.push(d.id);
            }
            Ok(Enqueued {
                message_id: message.id,
                created: true,
                deliveries,
            })
        })
        .await
    }

    async fn claim_due(&self, request: &ClaimRequest) -> Result<Vec<Claim>, StoreError> {
        let request = request.clone();
        self.call(move |conn| {
            let now = to_millis(request.now);
            let limit = i64::try_from(request.limit).unwrap_or(i64::MAX);
            let exclude: Vec<Value> = request
                .exclude
                .iter()
                .map(|e| Value::Text(e.as_str().to_owned()))
                .collect();
            let sql = claim_sql(exclude.len());
            let mut values = vec![Value::Integer(now), Value::Integer(limit)];
            values.extend(exclude);
            let ids: Vec<String> = {
                let mut stmt = conn.prepare_cached(&sql).map_err(db)?;
                let rows = stmt
                    .query_map(params_from_iter(values), |r| r.get::<_, String>(0))
                    .map_err(db)?;
                rows.collect::<Result<_, _>>().map_err(db)?
            };
            let token = lease_token();
            let lease_until = to_millis(request.now + request.lease);
            let mut claims = Vec::with_capacity(ids.len());
            // Endpoints decoded once per batch, not once per delivery.
            let mut endpoints: HashMap<String, Endpoint> = HashMap::new();
            let corrupt = |id: &str| StoreError::Corrupt {
                table: "deliveries",
                detail: format!("delivery {id} has no message or endpoint"),
            };
            // Per row: a plain UPDATE, then the delivery and its message in one read. Both
            // statements are prepared once per batch. (`UPDATE … RETURNING` would build a
            // temporary table for every row.)
            let mut lease = conn
                .prepare_cached(
                    "UPDATE deliveries SET status = 'in_flight', lease_until = ?2, \
                     lease_token = ?3, updated_at = ?4 WHERE id = ?1",
                )
                .map_err(db)?;
            let mut read = conn
                .prepare_cached(&format!(
                    "SELECT {}, {} FROM deliveries d JOIN messages m ON m.id = d.message_id \
                     WHERE d.id = ?1",
                    sql::qualified("d", DELIVERY_COLUMNS),
                    sql::qualified("m", MESSAGE_COLUMNS),
                ))
                .map_err(db)?;
            let by = sql::column_count(DELIVERY_COLUMNS);
            for id in ids {
                lease
                    .execute(params![id, lease_until, token, now])
                    .map_err(db)?;
                let mut found = read.query([&id]).map_err(db)?;
                let Some(row) = found.next().map_err(db)? else {
                    return Err(corrupt(&id));
                };
                let delivery = rows::delivery(row)?;
                let message = sql::message(&sql::Shifted { row, by })?;
                drop(found);
                let endpoint = match endpoints.get(delivery.endpoint_id.as_str()) {
                    Some(e) => e.clone(),
                    None => {
                        let e = query_one(
                            conn,
                            &format!("SELECT {ENDPOINT_COLUMNS} FROM endpoints WHERE id = ?1"),
                            [delivery.endpoint_id.as_str()],
                            rows::endpoint,
                        )?
                        .ok_or_else(|| corrupt(&id))?;
                        endpoints.insert(delivery.endpoint_id.as_str().to_owned(), e.clone());
                        e
                    }
                };
                claims.push(claim_of(delivery, message, endpoint, &token));
            }
            Ok(claims)
        })
        .await
    }

    async fn release(&self, claim: &Claim, at: SystemTime) -> Result<(), StoreError> {
        let id = claim.delivery.id.clone();
        let token = claim.lease_token.clone();
        self.call(move |conn| {
            lease_held(conn, &id, &token)?;
            conn.prepare_cached(
                "UPDATE deliveries SET status = 'pending', next_attempt_at = ?2, \
                 lease_until = NULL, lease_token = NULL WHERE id = ?1",
            )
            .map_err(db)?
            .execute(params![id.as_str(), to_millis(at)])
            .map_err(db)?;
            Ok(())
        })
        .await
    }

    async fn complete(&self, decision: &Decision) -> Result<Applied, StoreError> {
        let d = decision.clone();
        self.call(move |conn| {
            update_claimed(conn, &d)?;
            insert_attempt(conn, &d.attempt)?;
            apply_endpoint_change(conn, &d)
        })
        .await
    }

    async fn next_due(&self) -> Result<Option<SystemTime>, StoreError> {
        self.call(|conn| {
            let next: Option<i64> = conn
                .prepare_cached(
                    "SELECT MIN(due) FROM (\
                       SELECT MIN(d.next_attempt_at) AS due FROM deliveries d \
                       JOIN endpoints e ON e.id = d.endpoint_id \
                       WHERE d.status = 'pending' AND e.enabled = 1 \
                       UNION ALL \
                       SELECT MIN(d.lease_until) AS due FROM deliveries d \
                       JOIN endpoints e ON e.id = d.endpoint_id \
                       WHERE d.status = 'in_flight' AND e.enabled = 1)",
                )
                .map_err(db)?
                .query_row([], |r| r.get(0))
                .map_err(db)?;
            Ok(next.map(from_millis))
        })
        .await
    }

    async fn queue_depth(&self, now: SystemTime) -> Result<QueueDepth, StoreError> {
        self.call(move |conn| {
            // One pass over the unfinished deliveries (the status indexes), with their endpoint.
            let (due, scheduled, in_flight, paused): (i64, i64, i64, i64) = conn
                .prepare_cached(
                    "SELECT \
                       COALESCE(SUM(CASE WHEN e.enabled = 1 AND ((d.status = 'pending' \
                         AND d.next_attempt_at <= ?1) OR (d.status = 'in_flight' \
                         AND d.lease_until <= ?1)) THEN 1 ELSE 0 END), 0), \
                       COALESCE(SUM(CASE WHEN e.enabled = 1 AND d.status = 'pending' \
                         AND d.next_attempt_at > ?1 THEN 1 ELSE 0 END), 0), \
                       COALESCE(SUM(CASE WHEN e.enabled = 1 AND d.status = 'in_flight' \
                         AND d.lease_until > ?1 THEN 1 ELSE 0 END), 0), \
                       COALESCE(SUM(CASE WHEN e.enabled = 0 THEN 1 ELSE 0 END), 0) \
                     FROM (SELECT status, next_attempt_at, lease_until, endpoint_id \
                       FROM deliveries WHERE status = 'pending' AND next_attempt_at IS NOT NULL \
                       UNION ALL \
                       SELECT status, next_attempt_at, lease_until, endpoint_id \
                       FROM deliveries WHERE status = 'in_flight' AND lease_until IS NOT NULL) d \
                     JOIN endpoints e ON e.id = d.endpoint_id",
                )
                .map_err(db)?
                .query_row([to_millis(now)], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                })
                .map_err(db)?;
            let n = |v: i64| u64::try_from(v).unwrap_or(0);
            Ok(QueueDepth::new(
                n(due),
                n(scheduled),
                n(in_flight),
                n(paused),
            ))
        })
        .await
    }

    async fn replay(
        &self,
        message: &MessageId,
        endpoint: Option<&EndpointId>,
        now: SystemTime,
    ) -> Result<Vec<DeliveryId>, StoreError> {
        let message = message.clone();
        let endpoint = endpoint.cloned();
        self.call(move |conn| {
            let m = query_one(
                conn,
                &format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = ?1"),
                [message.as_str()],
                rows::message,
            )?
            .ok_or_else(|| StoreError::NotFound(format!("message {message}")))?;
            let targets = match endpoint {
                Some(id) => {
                    let ordered: Option<bool> = conn
                        .query_row(
                            "SELECT ordered FROM endpoints WHERE id = ?1",
                            [id.as_str()],
                            |r| r.get(0),
                        )
                        .optional()
                        .map_err(db)?;
                    let Some(ordered) = ordered else {
                        return Err(StoreError::NotFound(format!("endpoint {id}")));
                    };
                    vec![(id, ordered)]
                }
                None => matching_endpoints(
                    conn,
                    Published {
                        event_type: &m.event_type,
                        channels: &m.channels,
                        excluded: None,
                    },
                )?,
            };
            let mut created = Vec::new();
            for (target, ordered) in targets {
                if open_delivery_exists(conn, &message, &target)? {
                    continue;
                }
                let d = new_delivery(&message, &target, now, now);
                insert_delivery(conn, &d, ordered)?;
                created.push(d.id);
            }
            Ok(created)
        })
        .await
    }

    async fn recover(
        &self,
        endpoint: &EndpointId,
        since: SystemTime,
        now: SystemTime,
    ) -> Result<u64, StoreError> {
        let endpoint = endpoint.clone();
        self.call(move |conn| {
            // Unfinished again: the deliveries take the endpoint's `ordered` setting as it is
            // now (`sql::ORDERED_HEAD`).
            let n = conn
                .execute(
                    "UPDATE deliveries SET status = 'pending', failed_in_round = 0, \
                     next_attempt_at = ?3, updated_at = ?3, \
                     ordered = (SELECT e.ordered FROM endpoints e WHERE e.id = ?1) \
                     WHERE endpoint_id = ?1 AND status = 'dead_letter' AND updated_at >= ?2",
                    params![endpoint.as_str(), to_millis(since), to_millis(now)],
                )
                .map_err(db)?;
            Ok(n as u64)
        })
        .await
    }
}

/// The claim's query: due deliveries of enabled endpoints not among the `excluded` ones (bound
/// from `?3` on), an ordered endpoint's head only, earliest first, at most `?2`, as of `?1`.
///
/// Two range scans over the partial indexes (due pending, expired leases), each oldest first
/// and limited, so a large backlog is never sorted whole.
pub(super) fn claim_sql(excluded: usize) -> String {
    let not_in = if excluded == 0 {
        String::new()
    } else {
        let marks: Vec<String> = (0..excluded).map(|i| format!("?{}", i + 3)).collect();
        format!("AND d.endpoint_id NOT IN ({})", marks.join(", "))
    };
    format!(
        "SELECT id FROM (\
           SELECT * FROM (SELECT d.id, d.next_attempt_at AS due FROM deliveries d \
           JOIN endpoints e ON e.id = d.endpoint_id \
           WHERE d.status = 'pending' AND d.next_attempt_at <= ?1 AND e.enabled = 1 {not_in} \
           AND {ORDERED_HEAD} \
           ORDER BY d.next_attempt_at LIMIT ?2) \
           UNION ALL \
           SELECT * FROM (SELECT d.id, d.lease_until AS due FROM deliveries d \
           JOIN endpoints e ON e.id = d.endpoint_id \
           WHERE d.status = 'in_flight' AND d.lease_until <= ?1 AND e.enabled = 1 {not_in} \
           AND {ORDERED_HEAD} \
           ORDER BY d.lease_until LIMIT ?2)\
         ) ORDER BY due LIMIT ?2"
    )
}

/// Stores a new delivery with its endpoint's `ordered` setting (see `sql::ORDERED_HEAD`).
fn insert_delivery(conn: &Connection, d: &Delivery, ordered: bool) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO deliveries (id, message_id, endpoint_id, status, attempts, failed_in_round, \
         next_attempt_at, lease_until, created_at, updated_at, ordered) \
         VALUES (?1, ?2, ?3, ?4, 0, 0, ?5, NULL, ?6, ?6, ?7)",
    )
    .map_err(db)?
    .execute(params![
        d.id.as_str(),
        d.message_id.as_str(),
        d.endpoint_id.as_str(),
        d.status.as_str(),
        d.next_attempt_at.map(to_millis),
        to_millis(d.created_at),
        ordered,
    ])
    .map_err(db)?;
    Ok(())
}

/// The enabled endpoints `message` goes to, each with its `ordered` setting.
fn matching_endpoints(
    conn: &Connection,
    message: Published<'_>,
) -> Result<Vec<(EndpointId, bool)>, StoreError> {
    // Only the id, the filters and the ordering: decoding whole endpoints (keys, headers) for
    // every message was a measurable share of an enqueue.
    let enabled = query_all(
        conn,
        "SELECT id, events, channels, ordered FROM endpoints WHERE enabled = 1",
        [],
        rows::endpoint_filter,
    )?;
    Ok(enabled
        .into_iter()
        .filter(|(id, events, channels, _)| {
            let endpoint = Subscriber {
                id,
                events,
                channels,
            };
            fans_out_to(endpoint, message)
        })
        .map(|(id, _, _, ordered)| (id, ordered))
        .collect())
}

fn open_delivery_exists(
    conn: &Connection,
    message: &MessageId,
    endpoint: &EndpointId,
) -> Result<bool, StoreError> {
    conn.prepare_cached(
        "SELECT 1 FROM deliveries WHERE message_id = ?1 AND endpoint_id = ?2 \
         AND status IN ('pending', 'in_flight') LIMIT 1",
    )
    .map_err(db)?
    .query_row(params![message.as_str(), endpoint.as_str()], |_| Ok(()))
    .optional()
    .map(|found| found.is_some())
    .map_err(db)
}

fn lease_held(conn: &Connection, id: &DeliveryId, token: &str) -> Result<(), StoreError> {
    let held = conn
        .prepare_cached(
            "SELECT 1 FROM deliveries WHERE id = ?1 AND status = 'in_flight' AND lease_token = ?2",
        )
        .map_err(db)?
        .query_row(params![id.as_str(), token], |_| Ok(()))
        .optional()
        .map_err(db)?;
    held.ok_or_else(|| StoreError::LeaseLost(id.clone()))
}

/// The claimed delivery's new state; [`StoreError::LeaseLost`] when the lease is gone (the
/// lease check is the update's own condition: nothing changed means lost).
fn update_claimed(conn: &Connection, d: &Decision) -> Result<(), StoreError> {
    let u = &d.delivery;
    let held = conn
        .prepare_cached(
            "UPDATE deliveries SET status = ?2, attempts = ?3, failed_in_round = ?4, \
             next_attempt_at = ?5, lease_until = NULL, lease_token = NULL, updated_at = ?6 \
             WHERE id = ?1 AND status = 'in_flight' AND lease_token = ?7",
        )
        .map_err(db)?
        .execute(params![
            u.id.as_str(),
            u.next.status().as_str(),
            u.attempts,
            u.failed_in_round,
            u.next.next_attempt_at().map(to_millis),
            to_millis(d.now),
            u.lease_token,
        ])
        .map_err(db)?;
    if held == 0 {
        return Err(StoreError::LeaseLost(u.id.clone()));
    }
    Ok(())
}

fn insert_attempt(conn: &Connection, a: &Attempt) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO attempts (delivery_id, message_id, endpoint_id, number, at, \
         latency_us, status, response_body, error_kind, error) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )
    .map_err(db)?
    .execute(params![
        a.delivery_id.as_str(),
        a.message_id.as_str(),
        a.endpoint_id.as_str(),
        a.number,
        to_millis(a.at),
        i64::try_from(a.latency.as_micros()).unwrap_or(i64::MAX),
        a.status,
        a.response_body,
        a.error_kind.map(|k| k.as_str()),
        a.error,
    ])
    .map_err(db)?;
    Ok(())
}

/// Applies the decision's endpoint change to the endpoint as found (this thread is the only
/// writer, so nothing changes between the read and the write). Writes only what changed.
fn apply_endpoint_change(conn: &Connection, d: &Decision) -> Result<Applied, StoreError> {
    let id = d.endpoint_id.as_str();
    let found: Option<(bool, Option<i64>)> = conn
        .prepare_cached("SELECT enabled, failing_since FROM endpoints WHERE id = ?1")
        .map_err(db)?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
        .map_err(db)?;
    let Some((enabled, since)) = found else {
        return Ok(Applied::default());
    };
    let (applied, clock) = d.endpoint.apply(enabled, since.map(from_millis));
    if applied.clock_started || applied.clock_stopped {
        conn.prepare_cached("UPDATE endpoints SET failing_since = ?2 WHERE id = ?1")
            .map_err(db)?
            .execute(params![id, clock.map(to_millis)])
            .map_err(db)?;
    }
    if let (true, Some(disable)) = (applied.disabled, d.endpoint.disable) {
        conn.prepare_cached(
            "UPDATE endpoints SET enabled = 0, disabled_reason = ?2, updated_at = ?3 WHERE id = ?1",
        )
        .map_err(db)?
        .execute(params![id, disable.reason.as_str(), to_millis(d.now)])
        .map_err(db)?;
    }
    Ok(applied)
}
