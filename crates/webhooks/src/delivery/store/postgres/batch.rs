//! Group commit for Postgres: concurrent enqueues and completions share statements.
//!
//! Each `trigger_event` and each finished attempt used to be its own transaction, so every
//! one paid a round trip and a WAL flush. Here callers hand their work to a background task
//! and wait: the task takes everything already queued (up to a limit), writes it with one
//! statement over arrays (`unnest`), commits once, and only then answers each caller with its
//! own result. Durability is unchanged (a caller hears "done" only after the commit); what
//! changes is how many callers one commit serves. A few batches run at once, so a slow commit
//! does not stall the queue.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use sqlx::{AssertSqlSafe, PgPool};
use tokio::sync::{Semaphore, mpsc, oneshot};

use super::conflict_or_db;
use super::queue::insert_plain;
use crate::delivery::channel::PG_ENDPOINT_TAKES;
use crate::delivery::ids::DeliveryId;
use crate::delivery::pattern::patterns_matching;
use crate::delivery::store::sql::codec::encode_channels;
use crate::delivery::store::types::{Enqueued, NewMessage, StoreError};

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
pub(super) fn shared_error<O>(e: &StoreError, n: usize) -> Vec<Result<O, StoreError>> {
    (0..n)
        .map(|_| Err(StoreError::Database(e.to_string().into())))
        .collect()
}

/// Stores messages and their deliveries with one statement: deliveries go to every enabled
/// endpoint whose filter takes every type or lists one of the
/// [patterns that match](patterns_matching) the message's type, with ids derived from the message and
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
    // Each message's matching patterns and channels as JSON arrays: unnest cannot carry
    // ragged arrays.
    let patterns: Vec<String> = items
        .iter()
        .map(|i| serde_json::Value::from(patterns_matching(&i.message.event_type)).to_string())
        .collect();
    let channels: Vec<Option<String>> = items
        .iter()
        .map(|i| encode_channels(&i.message.channels))
        .collect();
    let channels_match = PG_ENDPOINT_TAKES.replace(
        "{}",
        "ARRAY(SELECT jsonb_array_elements_text(COALESCE(u.channels, '[]')::jsonb))",
    );
    let rows: Result<Vec<(String, String)>, sqlx::Error> = sqlx::query_as(AssertSqlSafe(format!(
        "WITH u AS (\
           SELECT * FROM unnest($1::text[], $2::text[], $3::bytea[], $4::int8[], $5::int8[], \
             $6::text[], $7::text[]) AS u(id, event_type, payload, created_at, due, patterns, \
             channels)), \
         m AS (\
           INSERT INTO messages (id, event_type, payload, idempotency_key, created_at, \
             channels) \
           SELECT id, event_type, payload, NULL, created_at, channels FROM u RETURNING id), \
         d AS (\
           INSERT INTO deliveries (id, message_id, endpoint_id, status, attempts, \
             failed_in_round, next_attempt_at, lease_until, created_at, updated_at, ordered) \
           SELECT 'dlv_' || substr(u.id, 5) || '_' || substr(e.id, 4), u.id, e.id, 'pending', \
             0, 0, u.due, NULL, u.created_at, u.created_at, e.ordered \
           FROM u JOIN m ON m.id = u.id JOIN endpoints e ON e.enabled \
             AND (e.events = '\"all\"' OR (e.events::jsonb -> 'only') \
               ?| ARRAY(SELECT jsonb_array_elements_text(u.patterns::jsonb))) \
             AND {channels_match} \
           FOR KEY SHARE OF e \
           RETURNING message_id, id) \
         SELECT message_id, id FROM d",
    )))
    .bind(&ids)
    .bind(&types)
    .bind(&payloads)
    .bind(&nows)
    .bind(&dues)
    .bind(&patterns)
    .bind(&channels)
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
