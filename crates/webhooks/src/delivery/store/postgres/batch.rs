//! Group commit for Postgres: concurrent enqueues and completions share statements.
//!
//! Each `trigger_event` and each finished attempt used to be its own transaction, so every
//! one paid a round trip and a WAL flush. Here callers hand their work to a background task
//! and wait: the task takes everything already queued (up to a limit), writes it with one
//! statement over arrays (`unnest`), commits once, and only then answers each caller with its
//! own result. Durability is unchanged (a caller hears "done" only after the commit); what
//! changes is how many callers one commit serves. A few batches run at once, so a slow commit
//! does not stall the queue.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::Arc;

use sqlx::{PgConnection, PgPool};
use tokio::sync::{Semaphore, mpsc, oneshot};

use super::super::types::{Enqueued, NewMessage, StoreError};
use super::super::{Applied, ClockChange, Decision};
use super::rows::db;
use super::{conflict_or_db, insert_plain};
use crate::delivery::ids::DeliveryId;
use crate::delivery::model::{Attempt, from_millis, to_millis};

/// Most items written by one statement.
const BATCH_MAX: usize = 256;
/// Batches in flight at once, per store and kind.
const CONCURRENT: usize = 4;

type Reply<O> = oneshot::Sender<Result<O, StoreError>>;

/// Queues items for a batching task and waits for each one's answer.
pub(super) struct Batcher<I, O> {
    tx: mpsc::UnboundedSender<(I, Reply<O>)>,
}

impl<I, O> std::fmt::Debug for Batcher<I, O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Batcher")
    }
}

impl<I, O> Clone for Batcher<I, O> {
    fn clone(&self) -> Self {
        Self {
            tx: self.tx.clone(),
        }
    }
}

impl<I: Send + 'static, O: Send + 'static> Batcher<I, O> {
    /// Starts the task; `run` writes one batch and returns one result per item, in order.
    /// The task ends when every clone of the batcher is dropped.
    pub(super) fn spawn<F, Fut>(pool: PgPool, run: F) -> Self
    where
        F: Fn(PgPool, Vec<I>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Vec<Result<O, StoreError>>> + Send + 'static,
    {
        let (tx, mut rx) = mpsc::unbounded_channel::<(I, Reply<O>)>();
        let run = Arc::new(run);
        let slots = Arc::new(Semaphore::new(CONCURRENT));
        tokio::spawn(async move {
            loop {
                let Ok(permit) = slots.clone().acquire_owned().await else {
                    return;
                };
                let Some(first) = rx.recv().await else {
                    return;
                };
                let mut items = vec![first];
                while items.len() < BATCH_MAX {
                    match rx.try_recv() {
                        Ok(item) => items.push(item),
                        Err(_) => break,
                    }
                }
                let (items, replies): (Vec<I>, Vec<Reply<O>>) = items.into_iter().unzip();
                let run = run.clone();
                let pool = pool.clone();
                tokio::spawn(async move {
                    let results = run(pool, items).await;
                    for (result, reply) in results.into_iter().zip(replies) {
                        // The caller may have gone away (cancelled); nothing to do then.
                        let _ = reply.send(result);
                    }
                    drop(permit);
                });
            }
        });
        Self { tx }
    }

    /// Queues `item` and waits for its result (after the batch's commit).
    pub(super) async fn call(&self, item: I) -> Result<O, StoreError> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send((item, reply))
            .map_err(|_| StoreError::Closed)?;
        rx.await.map_err(|_| StoreError::Closed)?
    }
}

/// An enqueue without an idempotency key.
pub(super) struct Insert {
    pub(super) message: NewMessage,
    pub(super) now: i64,
    pub(super) due: i64,
}

/// The same error for every caller of a failed batch (errors are not `Clone`).
fn shared_error<O>(e: &StoreError, n: usize) -> Vec<Result<O, StoreError>> {
    (0..n)
        .map(|_| Err(StoreError::Database(e.to_string().into())))
        .collect()
}

/// Stores messages and their deliveries with one statement: deliveries go to every enabled
/// endpoint whose filter matches, decided in SQL, with ids derived from the message and
/// endpoint ids (unique for a first delivery).
pub(super) async fn insert_batch(
    pool: PgPool,
    items: Vec<Insert>,
) -> Vec<Result<Enqueued, StoreError>> {
    if items.len() == 1 {
        let Some(one) = items.into_iter().next() else {
            return Vec::new();
        };
        return vec![insert_plain(&pool, one.message, one.now, one.due).await];
    }
    let ids: Vec<&str> = items.iter().map(|i| i.message.id.as_str()).collect();
    let types: Vec<&str> = items
        .iter()
        .map(|i| i.message.event_type.as_str())
        .collect();
    let payloads: Vec<&[u8]> = items.iter().map(|i| &i.message.payload[..]).collect();
    let nows: Vec<i64> = items.iter().map(|i| i.now).collect();
    let dues: Vec<i64> = items.iter().map(|i| i.due).collect();
    let rows: Result<Vec<(String, String)>, sqlx::Error> = sqlx::query_as(
        "WITH u AS (\
           SELECT * FROM unnest($1::text[], $2::text[], $3::bytea[], $4::int8[], $5::int8[]) \
             AS u(id, event_type, payload, created_at, due)), \
         m AS (\
           INSERT INTO messages (id, event_type, payload, idempotency_key, created_at) \
           SELECT id, event_type, payload, NULL, created_at FROM u RETURNING id), \
         d AS (\
           INSERT INTO deliveries (id, message_id, endpoint_id, status, attempts, \
             failed_in_round, next_attempt_at, lease_until, created_at, updated_at) \
           SELECT 'dlv_' || substr(u.id, 5) || '_' || substr(e.id, 4), u.id, e.id, 'pending', \
             0, 0, u.due, NULL, u.created_at, u.created_at \
           FROM u JOIN m ON m.id = u.id JOIN endpoints e ON e.enabled \
             AND (e.events = '\"all\"' OR (e.events::jsonb -> 'only') ? u.event_type) \
           RETURNING message_id, id) \
         SELECT message_id, id FROM d",
    )
    .bind(&ids)
    .bind(&types)
    .bind(&payloads)
    .bind(&nows)
    .bind(&dues)
    .fetch_all(&pool)
    .await;
    let rows = match rows {
        Ok(rows) => rows,
        Err(e)
            if e.as_database_error()
                .is_some_and(|d| d.is_unique_violation()) =>
        {
            // A message id is taken: nothing of the batch was stored. Store each on its own,
            // so only the caller whose id is taken hears of the conflict.
            let mut out = Vec::with_capacity(items.len());
            for one in items {
                out.push(insert_plain(&pool, one.message, one.now, one.due).await);
            }
            return out;
        }
        Err(e) => {
            let e = conflict_or_db(e, || "message id exists".to_owned());
            return shared_error(&e, items.len());
        }
    };
    let mut by_message: HashMap<String, Vec<DeliveryId>> = HashMap::with_capacity(items.len());
    for (message, delivery) in rows {
        match DeliveryId::try_from(delivery) {
            Ok(id) => by_message.entry(message).or_default().push(id),
            Err(e) => {
                let e = StoreError::Corrupt {
                    table: "deliveries",
                    detail: e.to_string(),
                };
                return shared_error(&e, items.len());
            }
        }
    }
    items
        .into_iter()
        .map(|i| {
            let deliveries = by_message.remove(i.message.id.as_str()).unwrap_or_default();
            Ok(Enqueued {
                message_id: i.message.id,
                created: true,
                deliveries,
            })
        })
        .collect()
}

/// Applies decisions in one transaction: one statement updates the deliveries still leased
/// and inserts their attempts, one reads the endpoints some change would alter (locking them),
/// and, only when there are such, one writes them.
pub(super) async fn complete_batch(
    pool: PgPool,
    items: Vec<Decision>,
) -> Vec<Result<Applied, StoreError>> {
    match complete_batch_tx(&pool, &items).await {
        Ok(results) => results,
        Err(e) => shared_error(&e, items.len()),
    }
}

async fn complete_batch_tx(
    pool: &PgPool,
    items: &[Decision],
) -> Result<Vec<Result<Applied, StoreError>>, StoreError> {
    let mut tx = pool.begin().await.map_err(db)?;
    let held = update_claimed(&mut tx, items).await?;
    let is_held = |d: &Decision| {
        held.contains(&(
            d.delivery.id.as_str().to_owned(),
            d.delivery.lease_token.clone(),
        ))
    };
    let recorded: Vec<usize> = (0..items.len()).filter(|&i| is_held(&items[i])).collect();
    let applied = apply_endpoint_changes(&mut tx, items, &recorded).await?;
    tx.commit().await.map_err(db)?;
    Ok(items
        .iter()
        .zip(applied)
        .map(|(d, applied)| {
            if is_held(d) {
                Ok(applied)
            } else {
                Err(StoreError::LeaseLost(d.delivery.id.clone()))
            }
        })
        .collect())
}

/// Updates the deliveries still leased to their decisions and inserts their attempts, in one
/// statement; returns the `(delivery, lease token)` pairs that were held.
async fn update_claimed(
    tx: &mut PgConnection,
    items: &[Decision],
) -> Result<HashSet<(String, String)>, StoreError> {
    let ids: Vec<&str> = items.iter().map(|d| d.delivery.id.as_str()).collect();
    let tokens: Vec<&str> = items
        .iter()
        .map(|d| d.delivery.lease_token.as_str())
        .collect();
    let statuses: Vec<&str> = items
        .iter()
        .map(|d| d.delivery.next.status().as_str())
        .collect();
    let attempts: Vec<i64> = items
        .iter()
        .map(|d| i64::from(d.delivery.attempts))
        .collect();
    let failed: Vec<i64> = items
        .iter()
        .map(|d| i64::from(d.delivery.failed_in_round))
        .collect();
    let next_at: Vec<Option<i64>> = items
        .iter()
        .map(|d| d.delivery.next.next_attempt_at().map(to_millis))
        .collect();
    let nows: Vec<i64> = items.iter().map(|d| to_millis(d.now)).collect();
    let a =
        |f: fn(&Attempt) -> Option<&str>| items.iter().map(|d| f(&d.attempt)).collect::<Vec<_>>();
    let held: Vec<(String, String)> = sqlx::query_as(
        "WITH u AS (\
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int8[], $5::int8[], \
             $6::int8[], $7::int8[], $8::text[], $9::text[], $10::int8[], $11::int8[], \
             $12::int4[], $13::text[], $14::text[], $15::text[]) \
           AS u(id, token, status, attempts, failed, next_at, now, message_id, endpoint_id, \
             at, latency_us, http_status, body, error_kind, error)), \
         upd AS (\
           UPDATE deliveries d SET status = u.status, attempts = u.attempts, \
             failed_in_round = u.failed, next_attempt_at = u.next_at, \
             lease_until = NULL, lease_token = NULL, updated_at = u.now \
           FROM u WHERE d.id = u.id AND d.status = 'in_flight' AND d.lease_token = u.token \
           RETURNING d.id, u.token), \
         ins AS (\
           INSERT INTO attempts (delivery_id, message_id, endpoint_id, number, at, latency_us, \
             status, response_body, error_kind, error) \
           SELECT u.id, u.message_id, u.endpoint_id, u.attempts, u.at, u.latency_us, \
             u.http_status, u.body, u.error_kind, u.error \
           FROM u JOIN upd ON upd.id = u.id AND upd.token = u.token) \
         SELECT id, token FROM upd",
    )
    .bind(&ids)
    .bind(&tokens)
    .bind(&statuses)
    .bind(&attempts)
    .bind(&failed)
    .bind(&next_at)
    .bind(&nows)
    .bind(a(|a| Some(a.message_id.as_str())))
    .bind(a(|a| Some(a.endpoint_id.as_str())))
    .bind(
        items
            .iter()
            .map(|d| to_millis(d.attempt.at))
            .collect::<Vec<_>>(),
    )
    .bind(
        items
            .iter()
            .map(|d| i64::try_from(d.attempt.latency.as_micros()).unwrap_or(i64::MAX))
            .collect::<Vec<_>>(),
    )
    .bind(
        items
            .iter()
            .map(|d| d.attempt.status.map(i32::from))
            .collect::<Vec<_>>(),
    )
    .bind(a(|a| a.response_body.as_deref()))
    .bind(a(|a| a.error_kind.map(|k| k.as_str())))
    .bind(a(|a| a.error.as_deref()))
    .fetch_all(&mut *tx)
    .await
    .map_err(db)?;
    Ok(held.into_iter().collect())
}

/// Applies the endpoint changes of the `recorded` decisions, in batch order (their attempts
/// ran concurrently; any order is one they could have finished in), each against the endpoint
/// as the previous one left it, following [`EndpointChange::apply`](super::super::EndpointChange::apply).
///
/// Only endpoints that some change would alter are read, and locked (in id order, so two
/// batches never deadlock): a steady stream of successes touches no endpoint row.
async fn apply_endpoint_changes(
    tx: &mut PgConnection,
    items: &[Decision],
    recorded: &[usize],
) -> Result<Vec<Applied>, StoreError> {
    let mut applied = vec![Applied::default(); items.len()];
    if recorded.is_empty() {
        return Ok(applied);
    }
    let ids: Vec<&str> = recorded
        .iter()
        .map(|&i| items[i].endpoint_id.as_str())
        .collect();
    let clocks: Vec<&str> = recorded
        .iter()
        .map(|&i| match items[i].endpoint.clock {
            ClockChange::Keep => "keep",
            ClockChange::Stop => "stop",
            ClockChange::Start { .. } => "start",
        })
        .collect();
    let disables: Vec<bool> = recorded
        .iter()
        .map(|&i| items[i].endpoint.disable.is_some())
        .collect();
    let guards: Vec<Option<i64>> = recorded
        .iter()
        .map(|&i| {
            items[i]
                .endpoint
                .disable
                .and_then(|d| d.if_failing_since)
                .map(to_millis)
        })
        .collect();
    let found: Vec<(String, bool, Option<i64>)> = sqlx::query_as(
        "SELECT e.id, e.enabled, e.failing_since FROM endpoints e \
         WHERE e.id = ANY($1) AND EXISTS (\
           SELECT 1 FROM unnest($1::text[], $2::text[], $3::bool[], $4::int8[]) \
             AS u(id, clock, disables, guard) \
           WHERE u.id = e.id AND (\
             (u.clock = 'stop' AND e.failing_since IS NOT NULL) \
             OR (u.clock = 'start' AND e.failing_since IS NULL) \
             OR (u.disables AND e.enabled AND (u.guard IS NULL OR e.failing_since = u.guard)))) \
         ORDER BY e.id FOR UPDATE",
    )
    .bind(&ids)
    .bind(&clocks)
    .bind(&disables)
    .bind(&guards)
    .fetch_all(&mut *tx)
    .await
    .map_err(db)?;
    if found.is_empty() {
        return Ok(applied);
    }
    let mut by_endpoint: HashMap<&str, Vec<usize>> = HashMap::new();
    for &i in recorded {
        by_endpoint
            .entry(items[i].endpoint_id.as_str())
            .or_default()
            .push(i);
    }
    let mut writes = EndpointWrites::default();
    for (id, mut enabled, since) in found {
        let mut since = since.map(from_millis);
        let mut disabled = None;
        for &i in by_endpoint.get(id.as_str()).into_iter().flatten() {
            let d = &items[i];
            let (a, clock) = d.endpoint.apply(enabled, since);
            since = clock;
            if a.disabled {
                enabled = false;
                disabled = d
                    .endpoint
                    .disable
                    .map(|g| (g.reason.as_str(), to_millis(d.now)));
            }
            applied[i] = a;
        }
        writes.push(id, since.map(to_millis), enabled, disabled);
    }
    writes.run(tx).await?;
    Ok(applied)
}

/// The endpoint rows a batch changes, written with one statement.
#[derive(Default)]
struct EndpointWrites {
    ids: Vec<String>,
    since: Vec<Option<i64>>,
    enabled: Vec<bool>,
    reasons: Vec<Option<&'static str>>,
    updated: Vec<Option<i64>>,
}

impl EndpointWrites {
    fn push(
        &mut self,
        id: String,
        since: Option<i64>,
        enabled: bool,
        disabled: Option<(&'static str, i64)>,
    ) {
        self.ids.push(id);
        self.since.push(since);
        self.enabled.push(enabled);
        self.reasons.push(disabled.map(|(reason, _)| reason));
        self.updated.push(disabled.map(|(_, at)| at));
    }

    async fn run(self, tx: &mut PgConnection) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE endpoints e SET failing_since = u.since, enabled = u.enabled, \
             disabled_reason = COALESCE(u.reason, e.disabled_reason), \
             updated_at = COALESCE(u.updated, e.updated_at) \
             FROM unnest($1::text[], $2::int8[], $3::bool[], $4::text[], $5::int8[]) \
               AS u(id, since, enabled, reason, updated) \
             WHERE e.id = u.id",
        )
        .bind(&self.ids)
        .bind(&self.since)
        .bind(&self.enabled)
        .bind(&self.reasons)
        .bind(&self.updated)
        .execute(tx)
        .await
        .map_err(db)?;
        Ok(())
    }
}
