//! The delivery queue in Postgres: enqueue (batched), claim (`FOR UPDATE SKIP LOCKED`),
//! release, and applying the engine's decisions (batched, see `batch`).

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use sqlx::postgres::PgPool;
use sqlx::{AssertSqlSafe, PgConnection};
use tokio::sync::Notify;

use super::batch;
use super::rows::db;
use super::{PostgresStore, conflict_or_db, map_all};
use crate::delivery::channel::PG_ENDPOINT_TAKES;
use crate::delivery::ids::{DeliveryId, EndpointId, MessageId};
use crate::delivery::model::{Delivery, from_millis, to_millis};
use crate::delivery::pattern::patterns_matching;
use crate::delivery::query::QueueDepth;
use crate::delivery::store::sql::codec::{decode_channels, encode_channels};
use crate::delivery::store::sql::{self, Shifted};
use crate::delivery::store::sql::{
    DELIVERY_COLUMNS, ENDPOINT_COLUMNS, MESSAGE_COLUMNS, ORDERED_HEAD,
};
use crate::delivery::store::types::{
    Claim, ClaimRequest, Enqueued, NewMessage, Published, StoreError, Subscriber, claim_of,
    fans_out_in_sql, fans_out_to, lease_token, new_delivery,
};
use crate::delivery::store::{Applied, Decision, QueueStore};

/// The claim: due deliveries of enabled, not excluded endpoints (an ordered endpoint's head
/// only), earliest first, at most `$2`, locked (`SKIP LOCKED`) and leased in one statement,
/// which also returns each one's message (the delivery's columns, then the message's): a claim
/// is on the path from publication to first attempt, so every round trip saved there counts.
/// (A delivery without its message comes back with null message columns, and fails to decode
/// rather than vanish.)
///
/// Pending deliveries and expired leases are read from their own partial index, each in index
/// order with its own limit, and merged. Every delivery passes through both indexes, and their
/// entries for rows that moved on stay until a vacuum: at 1,000 deliveries/s that is tens of
/// thousands of dead entries between two autovacuum runs. A bitmap scan (which the planner
/// picks for the `OR` of both conditions, or for a small estimated row count) visits every one
/// of them on every claim, ~14 ms per claim over 100,000 of them; a plain index scan marks the
/// dead entries it meets as killed, so later claims skip them without reading the table
/// (~0.2 ms). The claim transaction therefore turns bitmap scans off (`SET LOCAL`).
static CLAIM_SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let due = |status: &str, at: &str| {
        format!(
            "SELECT d.id, d.{at} AS due_at FROM deliveries d \
             JOIN endpoints e ON e.id = d.endpoint_id \
             WHERE d.status = '{status}' AND d.{at} <= $1 AND e.enabled \
             AND NOT (d.endpoint_id = ANY($5)) AND {ORDERED_HEAD} \
             ORDER BY d.{at} LIMIT $2 FOR UPDATE OF d SKIP LOCKED"
        )
    };
    let returning = sql::qualified("deliveries", DELIVERY_COLUMNS);
    let message = sql::qualified("m", MESSAGE_COLUMNS);
    format!(
        "WITH pending AS ({}), expired AS ({}), \
         due AS (SELECT id FROM (SELECT * FROM pending UNION ALL SELECT * FROM expired) c \
           ORDER BY due_at LIMIT $2), \
         claimed AS (UPDATE deliveries SET status = 'in_flight', lease_until = $3, \
           lease_token = $4, updated_at = $1 FROM due WHERE deliveries.id = due.id \
           RETURNING {returning}) \
         SELECT claimed.*, {message} FROM claimed LEFT JOIN messages m ON m.id = claimed.message_id",
        due("pending", "next_attempt_at"),
        due("in_flight", "lease_until"),
    )
});

/// Starts a claim's transaction (one round trip): see [`CLAIM_SQL`].
const CLAIM_BEGIN: &str =
    "BEGIN; SET LOCAL synchronous_commit = off; SET LOCAL enable_bitmapscan = off";

/// When the next delivery of an enabled endpoint is due, or its lease ends. `ORDER BY … LIMIT
/// 1` rather than `MIN`: the planner then walks each partial index in order and stops at the
/// first live row (see [`CLAIM_SQL`] for why that matters).
const NEXT_DUE_SQL: &str = "SELECT LEAST(\
    (SELECT d.next_attempt_at FROM deliveries d JOIN endpoints e ON e.id = d.endpoint_id \
     WHERE d.status = 'pending' AND e.enabled ORDER BY d.next_attempt_at LIMIT 1), \
    (SELECT d.lease_until FROM deliveries d JOIN endpoints e ON e.id = d.endpoint_id \
     WHERE d.status = 'in_flight' AND e.enabled ORDER BY d.lease_until LIMIT 1))";

#[async_trait]
impl QueueStore for PostgresStore {
    async fn insert_message(
        &self,
        message: NewMessage,
        now: SystemTime,
        due_at: SystemTime,
        idempotency_window: Duration,
    ) -> Result<Enqueued, StoreError> {
        let now_ms = to_millis(now);
        // The batched insert decides fan-out in SQL, where `fans_out_in_sql` allows;
        // other messages take the transaction below, which calls `fans_out_to`.
        if message.idempotency_key.is_none() && fans_out_in_sql(&message) {
            let enqueued = self
                .inserter
                .call(batch::Insert {
                    message,
                    now: now_ms,
                    due: to_millis(due_at),
                })
                .await?;
            if !enqueued.deliveries.is_empty() {
                self.announce.notify_one();
            }
            return Ok(enqueued);
        }
        let mut tx = self.pool.begin().await.map_err(db)?;
        if let Some(key) = &message.idempotency_key {
            let cutoff = now
                .checked_sub(idempotency_window)
                .map_or(i64::MIN, to_millis);
            // Take the key, or replace it when it is older than the window; a concurrent
            // insert of the same key waits on the row lock and then sees the winner.
            let taken: Option<(String,)> = sqlx::query_as(
                "INSERT INTO idempotency_keys (key, message_id, created_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (key) DO UPDATE SET message_id = EXCLUDED.message_id, \
                 created_at = EXCLUDED.created_at WHERE idempotency_keys.created_at <= $4 \
                 RETURNING message_id",
            )
            .bind(key)
            .bind(message.id.as_str())
            .bind(now_ms)
            .bind(cutoff)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
            if taken.is_none() {
                let (existing,): (String,) =
                    sqlx::query_as("SELECT message_id FROM idempotency_keys WHERE key = $1")
                        .bind(key)
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(db)?;
                tx.rollback().await.map_err(db)?;
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
        sqlx::query(
            "INSERT INTO messages (id, event_type, payload, idempotency_key, created_at, \
             channels) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(message.id.as_str())
        .bind(&message.event_type)
        .bind(&message.payload[..])
        .bind(&message.idempotency_key)
        .bind(now_ms)
        .bind(encode_channels(&message.channels))
        .execute(&mut *tx)
        .await
        .map_err(|e| conflict_or_db(e, || format!("message id {} exists", message.id)))?;
        let mut deliveries = Vec::new();
        let published = Published {
            event_type: &message.event_type,
            channels: &message.channels,
            excluded: message.exclude_endpoint.as_ref(),
        };
        for (endpoint, ordered) in matching_endpoints(&mut tx, published).await? {
            let d = new_delivery(&message.id, &endpoint, now, due_at);
            insert_delivery(&mut tx, &d, ordered).await?;
            deliveries.push(d.id);
        }
        tx.commit().await.map_err(db)?;
        self.announce.notify_one();
        Ok(Enqueued {
            message_id: message.id,
            created: true,
            deliveries,
        })
    }

    async fn claim_due(&self, request: &ClaimRequest) -> Result<Vec<Claim>, StoreError> {
        let now = to_millis(request.now);
        let token = lease_token();
        let exclude: Vec<String> = request
            .exclude
            .iter()
            .map(|e| e.as_str().to_owned())
            .collect();
        // A claim lost in a database crash only returns the delivery to the queue (at worst a
        // duplicate send, which at-least-once allows), so it need not wait for the WAL flush.
        // Bitmap scans are off for this transaction: see `CLAIM_SQL`. One round trip.
        let mut tx = self.pool.begin_with(CLAIM_BEGIN).await.map_err(db)?;
        let claimed = sqlx::query(AssertSqlSafe(CLAIM_SQL.as_str()))
            .bind(now)
            .bind(i64::try_from(request.limit).unwrap_or(i64::MAX))
            .bind(to_millis(request.now + request.lease))
            .bind(&token)
            .bind(&exclude)
            .fetch_all(&mut *tx)
            .await
            .map_err(db)?;
        let by = sql::column_count(DELIVERY_COLUMNS);
        let claimed = claimed
            .iter()
            .map(|row| Ok((sql::delivery(row)?, sql::message(&Shifted { row, by })?)))
            .collect::<Result<Vec<_>, StoreError>>()?;
        let mut claims = Vec::with_capacity(claimed.len());
        if !claimed.is_empty() {
            let mut endpoint_ids: Vec<String> = claimed
                .iter()
                .map(|(d, _)| d.endpoint_id.as_str().to_owned())
                .collect();
            endpoint_ids.sort_unstable();
            endpoint_ids.dedup();
            let endpoints = map_all(
                sqlx::query(AssertSqlSafe(format!(
                    "SELECT {ENDPOINT_COLUMNS} FROM endpoints WHERE id = ANY($1)"
                )))
                .bind(&endpoint_ids)
                .fetch_all(&mut *tx)
                .await
                .map_err(db)?,
                sql::endpoint,
            )?;
            for (delivery, message) in claimed {
                let Some(endpoint) = endpoints.iter().find(|e| e.id == delivery.endpoint_id) else {
                    return Err(StoreError::Corrupt {
                        table: "deliveries",
                        detail: format!("delivery {} has no endpoint", delivery.id),
                    });
                };
                claims.push(claim_of(delivery, message, endpoint.clone(), &token));
            }
        }
        tx.commit().await.map_err(db)?;
        Ok(claims)
    }

    async fn release(&self, claim: &Claim, at: SystemTime) -> Result<(), StoreError> {
        let r = sqlx::query(
            "UPDATE deliveries SET status = 'pending', next_attempt_at = $3, lease_until = NULL, \
             lease_token = NULL WHERE id = $1 AND status = 'in_flight' AND lease_token = $2",
        )
        .bind(claim.delivery.id.as_str())
        .bind(&claim.lease_token)
        .bind(to_millis(at))
        .execute(&self.pool)
        .await
        .map_err(db)?;
        if r.rows_affected() == 0 {
            return Err(StoreError::LeaseLost(claim.delivery.id.clone()));
        }
        Ok(())
    }

    async fn complete(&self, decision: &Decision) -> Result<Applied, StoreError> {
        // Group commit with the other attempts finishing now (see `batch`).
        self.completer.call(decision.clone()).await
    }

    async fn next_due(&self) -> Result<Option<SystemTime>, StoreError> {
        let (next,): (Option<i64>,) = sqlx::query_as(NEXT_DUE_SQL)
            .fetch_one(&self.pool)
            .await
            .map_err(db)?;
        Ok(next.map(from_millis))
    }

    async fn queue_depth(&self, now: SystemTime) -> Result<QueueDepth, StoreError> {
        let (due, scheduled, in_flight, paused): (i64, i64, i64, i64) = sqlx::query_as(
            "SELECT \
               count(*) FILTER (WHERE e.enabled AND ((d.status = 'pending' \
                 AND d.next_attempt_at <= $1) OR (d.status = 'in_flight' \
                 AND d.lease_until <= $1))), \
               count(*) FILTER (WHERE e.enabled AND d.status = 'pending' \
                 AND d.next_attempt_at > $1), \
               count(*) FILTER (WHERE e.enabled AND d.status = 'in_flight' \
                 AND d.lease_until > $1), \
               count(*) FILTER (WHERE NOT e.enabled) \
             FROM deliveries d JOIN endpoints e ON e.id = d.endpoint_id \
             WHERE d.status IN ('pending', 'in_flight')",
        )
        .bind(to_millis(now))
        .fetch_one(&self.pool)
        .await
        .map_err(db)?;
        let n = |v: i64| u64::try_from(v).unwrap_or(0);
        Ok(QueueDepth::new(
            n(due),
            n(scheduled),
            n(in_flight),
            n(paused),
        ))
    }

    async fn replay(
        &self,
        message: &MessageId,
        endpoint: Option<&EndpointId>,
        now: SystemTime,
    ) -> Result<Vec<DeliveryId>, StoreError> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let row: Option<(String, Option<String>)> =
            sqlx::query_as("SELECT event_type, channels FROM messages WHERE id = $1 FOR UPDATE")
                .bind(message.as_str())
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?;
        let Some((event_type, channels)) = row else {
            return Err(StoreError::NotFound(format!("message {message}")));
        };
        let channels = decode_channels("messages", channels)?;
        let targets = match endpoint {
            Some(id) => {
                let ordered: Option<bool> =
                    sqlx::query_scalar("SELECT ordered FROM endpoints WHERE id = $1 FOR KEY SHARE")
                        .bind(id.as_str())
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(db)?;
                let Some(ordered) = ordered else {
                    return Err(StoreError::NotFound(format!("endpoint {id}")));
                };
                vec![(id.clone(), ordered)]
            }
            None => {
                let published = Published {
                    event_type: &event_type,
                    channels: &channels,
                    excluded: None,
                };
                matching_endpoints(&mut tx, published).await?
            }
        };
        let mut created = Vec::new();
        for (target, ordered) in targets {
            let open = sqlx::query(
                "SELECT 1 FROM deliveries WHERE message_id = $1 AND endpoint_id = $2 \
                 AND status IN ('pending', 'in_flight') LIMIT 1",
            )
            .bind(message.as_str())
            .bind(target.as_str())
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
            if open.is_some() {
                continue;
            }
            let d = new_delivery(message, &target, now, now);
            insert_delivery(&mut tx, &d, ordered).await?;
            created.push(d.id);
        }
        tx.commit().await.map_err(db)?;
        self.announce.notify_one();
        Ok(created)
    }

    async fn recover(
        &self,
        endpoint: &EndpointId,
        since: SystemTime,
        now: SystemTime,
    ) -> Result<u64, StoreError> {
        // Unfinished again: the deliveries take the endpoint's `ordered` setting as it is now,
        // read `FOR KEY SHARE` in the same statement (see `sql::ORDERED_HEAD`).
        let r = sqlx::query(
            "UPDATE deliveries d SET status = 'pending', failed_in_round = 0, \
             next_attempt_at = $3, updated_at = $3, ordered = e.ordered \
             FROM (SELECT ordered FROM endpoints WHERE id = $1 FOR KEY SHARE) e \
             WHERE d.endpoint_id = $1 AND d.status = 'dead_letter' AND d.updated_at >= $2",
        )
        .bind(endpoint.as_str())
        .bind(to_millis(since))
        .bind(to_millis(now))
        .execute(&self.pool)
        .await
        .map_err(db)?;
        if r.rows_affected() > 0 {
            self.announce.notify_one();
        }
        Ok(r.rows_affected())
    }

    fn work_signal(&self) -> Option<Arc<Notify>> {
        Some(self.signal.clone())
    }
}

/// A message without an idempotency key and its deliveries in one statement (one round trip,
/// atomic): deliveries go to every enabled endpoint whose filter takes every type or lists one
/// of the [patterns that match](patterns_matching) the type, and whose channels match the
/// message's ([`PG_ENDPOINT_TAKES`]).
/// Their ids derive from the message and endpoint ids, unique for a first delivery.
pub(super) async fn insert_plain(
    pool: &PgPool,
    message: NewMessage,
    now: i64,
    due: i64,
) -> Result<Enqueued, StoreError> {
    let channels_match = PG_ENDPOINT_TAKES.replace("{}", "$7::text[]");
    let rows: Vec<(Option<String>,)> = sqlx::query_as(AssertSqlSafe(format!(
        "WITH m AS (\
           INSERT INTO messages (id, event_type, payload, idempotency_key, created_at, channels) \
           VALUES ($1, $2, $3, NULL, $4, $8) RETURNING id), \
         d AS (\
           INSERT INTO deliveries (id, message_id, endpoint_id, status, attempts, \
             failed_in_round, next_attempt_at, lease_until, created_at, updated_at, ordered) \
           SELECT 'dlv_' || substr(m.id, 5) || '_' || substr(e.id, 4), m.id, e.id, 'pending', \
             0, 0, $5, NULL, $4, $4, e.ordered \
           FROM m, endpoints e \
           WHERE e.enabled AND (e.events = '\"all\"' OR (e.events::jsonb -> 'only') ?| $6) \
             AND {channels_match} \
           FOR KEY SHARE OF e \
           RETURNING id) \
         SELECT d.id FROM m LEFT JOIN d ON TRUE",
    )))
    .bind(message.id.as_str())
    .bind(&message.event_type)
    .bind(&message.payload[..])
    .bind(now)
    .bind(due)
    .bind(patterns_matching(&message.event_type))
    .bind(&message.channels)
    .bind(encode_channels(&message.channels))
    .fetch_all(pool)
    .await
    .map_err(|e| conflict_or_db(e, || format!("message id {} exists", message.id)))?;
    let deliveries = rows
        .into_iter()
        .filter_map(|(id,)| id)
        .map(|id| {
            DeliveryId::try_from(id).map_err(|e| StoreError::Corrupt {
                table: "deliveries",
                detail: e.to_string(),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Enqueued {
        message_id: message.id,
        created: true,
        deliveries,
    })
}

/// Stores a new delivery with its endpoint's `ordered` setting, read `FOR KEY SHARE` earlier in
/// the transaction (see `sql::ORDERED_HEAD`).
async fn insert_delivery(
    conn: &mut PgConnection,
    d: &Delivery,
    ordered: bool,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO deliveries (id, message_id, endpoint_id, status, attempts, failed_in_round, \
         next_attempt_at, lease_until, created_at, updated_at, ordered) \
         VALUES ($1, $2, $3, $4, 0, 0, $5, NULL, $6, $6, $7)",
    )
    .bind(d.id.as_str())
    .bind(d.message_id.as_str())
    .bind(d.endpoint_id.as_str())
    .bind(d.status.as_str())
    .bind(d.next_attempt_at.map(to_millis))
    .bind(to_millis(d.created_at))
    .bind(ordered)
    .execute(conn)
    .await
    .map_err(db)?;
    Ok(())
}

/// The enabled endpoints `message` goes to, each with its `ordered` setting. Those endpoints
/// (only they) are then locked `FOR KEY SHARE` until the transaction ends, and their setting is
/// read with the lock, so it cannot change before the deliveries that copy it commit (see
/// `sql::ORDERED_HEAD`).
async fn matching_endpoints(
    conn: &mut PgConnection,
    message: Published<'_>,
) -> Result<Vec<(EndpointId, bool)>, StoreError> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {ENDPOINT_COLUMNS} FROM endpoints WHERE enabled ORDER BY id"
    )))
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;
    let matching: Vec<String> = map_all(rows, sql::endpoint)?
        .into_iter()
        .filter(|e| fans_out_to(Subscriber::of(e), message))
        .map(|e| e.id.as_str().to_owned())
        .collect();
    if matching.is_empty() {
        return Ok(Vec::new());
    }
    let locked: Vec<(String, bool)> = sqlx::query_as(
        "SELECT id, ordered FROM endpoints WHERE id = ANY($1) AND enabled ORDER BY id \
         FOR KEY SHARE",
    )
    .bind(&matching)
    .fetch_all(conn)
    .await
    .map_err(db)?;
    locked
        .into_iter()
        .map(|(id, ordered)| {
            let id = EndpointId::try_from(id).map_err(|e| StoreError::Corrupt {
                table: "endpoints",
                detail: e.to_string(),
            })?;
            Ok((id, ordered))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delivery::store::postgres::PostgresOptions;

    /// A store in a schema of its own whose queue table holds 20,000 deliveries that were
    /// pending, then leased, then finished: every one left a dead entry in both partial
    /// indexes, as a busy queue does between two vacuums. `None` without a test database.
    async fn store_with_dead_entries(name: &str) -> Option<PostgresStore> {
        let Ok(url) = std::env::var("SWITCHBOARD_TEST_POSTGRES_URL") else {
            eprintln!("skipping: SWITCHBOARD_TEST_POSTGRES_URL is not set");
            return None;
        };
        let options = PostgresOptions {
            schema: Some(format!("sbplan_{name}_{}", std::process::id())),
            max_connections: 2,
        };
        let store = PostgresStore::connect(&url, options).await.unwrap();
        sqlx::raw_sql(
            "INSERT INTO deliveries (id, message_id, endpoint_id, status, attempts, \
               failed_in_round, next_attempt_at, created_at, updated_at) \
             SELECT 'dlv_' || g, 'msg_' || g, 'ep_1', 'pending', 0, 0, g, g, g \
             FROM generate_series(1, 20000) g; \
             UPDATE deliveries SET status = 'in_flight', lease_until = 1; \
             UPDATE deliveries SET status = 'delivered', lease_until = NULL",
        )
        .execute(&store.pool)
        .await
        .unwrap();
        Some(store)
    }

    /// The plan of `sql` with `binds` bound, inside a claim's transaction, as text.
    async fn plan(store: &PostgresStore, sql: &str, claim_binds: bool) -> String {
        let mut tx = store.pool.begin_with(CLAIM_BEGIN).await.unwrap();
        let explain = format!("EXPLAIN {sql}");
        let mut query = sqlx::query_scalar::<_, String>(AssertSqlSafe(explain.as_str()));
        if claim_binds {
            query = query
                .bind(1_000_000_i64)
                .bind(256_i64)
                .bind(2_000_000_i64)
                .bind("token")
                .bind(Vec::<String>::new());
        }
        let lines = query.fetch_all(&mut *tx).await.unwrap();
        tx.rollback().await.unwrap();
        lines.join("\n")
    }

    /// Plans `sql` over a queue full of dead entries and checks that it reads both partial
    /// indexes with plain index scans and no bitmap.
    async fn assert_walks_partial_indexes(name: &str, sql: &str, claim_binds: bool) {
        let Some(store) = store_with_dead_entries(name).await else {
            return;
        };
        let plan = plan(&store, sql, claim_binds).await;
        store.drop_schema().await.unwrap();
        assert!(!plan.contains("Bitmap"), "{plan}");
        assert!(
            plan.contains("Index Scan using deliveries_pending"),
            "{plan}"
        );
        assert!(
            plan.contains("Index Scan using deliveries_leased"),
            "{plan}"
        );
    }

    #[tokio::test]
    async fn the_claim_reads_both_partial_indexes_in_order_without_a_bitmap() {
        assert_walks_partial_indexes("claim", &CLAIM_SQL, true).await;
    }

    #[tokio::test]
    async fn next_due_reads_both_partial_indexes_in_order_without_a_bitmap() {
        assert_walks_partial_indexes("next_due", NEXT_DUE_SQL, false).await;
    }

    #[tokio::test]
    async fn the_ordered_head_check_reads_only_unfinished_ordered_deliveries() {
        let Some(store) = store_with_dead_entries("ordered").await else {
            return;
        };
        // The 20,000 finished deliveries become an ordered endpoint's history (flagged, as
        // they were while queued), with its next two deliveries queued behind them.
        sqlx::raw_sql(
            "INSERT INTO endpoints (id, name, url, events, keys, headers, enabled, \
               max_in_flight, created_at, updated_at, ordered) \
             VALUES ('ep_1', 'in-order', 'https://example.com/hook', '\"all\"', '[]', '[]', \
               TRUE, 8, 0, 0, TRUE); \
             UPDATE deliveries SET ordered = TRUE; \
             INSERT INTO deliveries (id, message_id, endpoint_id, status, attempts, \
               failed_in_round, next_attempt_at, created_at, updated_at, ordered) \
             VALUES ('dlv_head', 'msg_head', 'ep_1', 'pending', 0, 0, 30000, 30000, 30000, TRUE), \
               ('dlv_next', 'msg_next', 'ep_1', 'pending', 0, 0, 30001, 30001, 30001, TRUE); \
             ANALYZE deliveries",
        )
        .execute(&store.pool)
        .await
        .unwrap();
        let plan = plan(&store, &CLAIM_SQL, true).await;
        store.drop_schema().await.unwrap();
        let checks = plan
            .matches("Scan using deliveries_ordered_unfinished on deliveries h")
            .count();
        assert_eq!(checks, 2, "one check per scan (pending, leased):\n{plan}");
        assert!(!plan.contains("deliveries_endpoint_created"), "{plan}");
    }
}
