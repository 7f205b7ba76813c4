//! The Postgres store: several processes share one database.
//!
//! Claims use `FOR UPDATE SKIP LOCKED`, so concurrent workers in any number of processes never
//! claim the same delivery and never wait on each other's rows. Each store may live in its own
//! schema (tests use one per run).

mod batch;
mod rows;
mod schema;
mod seen;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use sqlx::postgres::{PgArguments, PgConnectOptions, PgListener, PgPool, PgPoolOptions, PgRow};
use sqlx::query::Query;
use sqlx::{AssertSqlSafe, Connection, PgConnection, Postgres};
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tracing::warn;

use super::sql;
use super::sql::codec::{encode_events, encode_headers, encode_keys};
use super::sql::{ATTEMPT_COLUMNS, DELIVERY_COLUMNS, ENDPOINT_COLUMNS, MESSAGE_COLUMNS};
use super::types::{
    AttemptQuery, Claim, ClaimRequest, DeliveryQuery, Enqueued, MessageQuery, NewMessage,
    QueueDepth, StoreError, claim_of, effective_limit, lease_token, new_delivery,
};
use super::{Applied, Decision, Store};
use crate::delivery::ids::{DeliveryId, EndpointId, MessageId};
use crate::delivery::model::{
    Attempt, Delivery, DisabledReason, Endpoint, Message, from_millis, to_millis,
};
use rows::db;

/// Settings of a [`PostgresStore`].
#[derive(Debug, Clone)]
pub struct PostgresOptions {
    /// The schema holding the tables (created if missing); `None` uses the connection's
    /// default (`public`). Lowercase letters, digits and `_`, starting with a letter or `_`.
    pub schema: Option<String>,
    /// Most pooled connections.
    pub max_connections: u32,
}

impl Default for PostgresOptions {
    fn default() -> Self {
        Self {
            schema: None,
            max_connections: 8,
        }
    }
}

/// A [`Store`] in Postgres.
///
/// New work is announced with `NOTIFY` on a channel per schema; every store listens, so
/// dispatchers on other nodes wake within about 10 ms instead of at their next poll.
/// Announcements are sent by a background task, at most one per 10 ms, outside the callers'
/// transactions: a `NOTIFY` inside them would serialise their commits.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
    schema: Option<String>,
    signal: Arc<Notify>,
    announce: Arc<Notify>,
    listener: Arc<ListenerTask>,
    announcer: Arc<ListenerTask>,
    inserter: batch::Batcher<batch::Insert, Enqueued>,
    completer: batch::Batcher<Decision, Applied>,
}

/// The `LISTEN` task; stopped when the last clone of the store is dropped.
#[derive(Debug)]
struct ListenerTask(JoinHandle<()>);

impl Drop for ListenerTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Sends one `NOTIFY` per burst of announcements, from its own short transactions.
async fn announce_loop(pool: PgPool, channel: String, announce: Arc<Notify>) {
    loop {
        announce.notified().await;
        if let Err(e) = sqlx::query("SELECT pg_notify($1, '')")
            .bind(&channel)
            .execute(&pool)
            .await
        {
            // Other nodes still find the work at their next poll.
            warn!(error = %e, "Postgres NOTIFY failed");
        }
        // At most one NOTIFY per 10 ms: each wakes every node's dispatcher, and fewer, larger
        // claims cost less than one claim per event.
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn valid_schema(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && name.len() <= 63
}

impl PostgresStore {
    /// Connects to `url` (`postgres://user@host:port/db`), creates the schema if asked for, and
    /// applies migrations.
    pub async fn connect(url: &str, options: PostgresOptions) -> Result<Self, StoreError> {
        let mut connect: PgConnectOptions = url.parse().map_err(|e: sqlx::Error| {
            StoreError::Database(format!("invalid Postgres URL: {e}").into())
        })?;
        if let Some(schema) = &options.schema {
            if !valid_schema(schema) {
                return Err(StoreError::Database(
                    format!(
                        "invalid schema name {schema:?}: use lowercase letters, digits and `_`"
                    )
                    .into(),
                ));
            }
            let mut conn = PgConnection::connect_with(&connect).await.map_err(db)?;
            sqlx::query(AssertSqlSafe(format!(
                "CREATE SCHEMA IF NOT EXISTS {schema}"
            )))
            .execute(&mut conn)
            .await
            .map_err(db)?;
            conn.close().await.map_err(db)?;
            connect = connect.options([("search_path", schema.as_str())]);
        }
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections.max(1))
            .connect_with(connect)
            .await
            .map_err(db)?;
        let mut conn = pool.acquire().await.map_err(db)?;
        schema::migrate(&mut conn).await.map_err(db)?;
        drop(conn);
        // Channel names are identifiers: at most 63 bytes (ASCII here).
        let mut channel = format!("sb_work_{}", options.schema.as_deref().unwrap_or("public"));
        channel.truncate(63);
        let mut listener = PgListener::connect_with(&pool).await.map_err(db)?;
        listener.listen(&channel).await.map_err(db)?;
        let signal = Arc::new(Notify::new());
        let announce = Arc::new(Notify::new());
        let announcer = tokio::spawn(announce_loop(
            pool.clone(),
            channel.clone(),
            announce.clone(),
        ));
        let wake = signal.clone();
        let task = tokio::spawn(async move {
            loop {
                match listener.recv().await {
                    Ok(_) => wake.notify_one(),
                    Err(e) => {
                        // The listener reconnects on the next call; wake anyway, work may
                        // have been announced while it was down.
                        warn!(error = %e, "Postgres LISTEN connection failed; reconnecting");
                        wake.notify_one();
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            }
        });
        Ok(Self {
            schema: options.schema,
            signal,
            announce,
            listener: Arc::new(ListenerTask(task)),
            announcer: Arc::new(ListenerTask(announcer)),
            inserter: batch::Batcher::spawn(pool.clone(), batch::insert_batch),
            completer: batch::Batcher::spawn(pool.clone(), batch::complete_batch),
            pool,
        })
    }

    /// Drops this store's schema with everything in it and closes the pool.
    ///
    /// Refused for a store without its own schema. Meant for tests and teardown.
    pub async fn drop_schema(self) -> Result<(), StoreError> {
        self.listener.0.abort();
        self.announcer.0.abort();
        let Some(schema) = self.schema else {
            return Err(StoreError::Database(
                "refusing to drop the default schema".into(),
            ));
        };
        sqlx::query(AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
            .execute(&self.pool)
            .await
            .map_err(db)?;
        self.pool.close().await;
        Ok(())
    }
}

/// A positional argument of a dynamically built query.
enum Arg {
    Text(String),
    Int(i64),
}

fn bind_all(sql: String, args: Vec<Arg>) -> Query<'static, Postgres, PgArguments> {
    let mut q = sqlx::query(AssertSqlSafe(sql));
    for a in args {
        q = match a {
            Arg::Text(s) => q.bind(s),
            Arg::Int(i) => q.bind(i),
        };
    }
    q
}

#[derive(Default)]
struct Filter {
    clauses: Vec<String>,
    args: Vec<Arg>,
}

impl Filter {
    fn add(&mut self, clause: &str, arg: Arg) {
        self.args.push(arg);
        self.clauses
            .push(clause.replace('?', &format!("${}", self.args.len())));
    }

    fn finish(mut self, select: &str, order: &str, limit: usize) -> (String, Vec<Arg>) {
        self.args.push(Arg::Int(
            i64::try_from(effective_limit(limit)).unwrap_or(i64::MAX),
        ));
        let filter = if self.clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.clauses.join(" AND "))
        };
        (
            format!(
                "{select} {filter} ORDER BY {order} LIMIT ${}",
                self.args.len()
            ),
            self.args,
        )
    }
}

fn map_all<T>(
    rows: Vec<PgRow>,
    f: fn(&PgRow) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    rows.iter().map(f).collect()
}

fn conflict_or_db(e: sqlx::Error, what: impl FnOnce() -> String) -> StoreError {
    if e.as_database_error()
        .is_some_and(|d| d.is_unique_violation())
    {
        StoreError::Conflict(what())
    } else {
        db(e)
    }
}

async fn write_endpoint(
    conn: &mut PgConnection,
    e: &Endpoint,
    insert: bool,
) -> Result<u64, StoreError> {
    let sql = if insert {
        "INSERT INTO endpoints (id, name, url, events, keys, headers, enabled, disabled_reason, \
         failing_since, max_in_flight, created_at, updated_at, rate_limit) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
    } else {
        "UPDATE endpoints SET name = $2, url = $3, events = $4, keys = $5, headers = $6, \
         enabled = $7, disabled_reason = $8, failing_since = $9, max_in_flight = $10, \
         created_at = $11, updated_at = $12, rate_limit = $13 WHERE id = $1"
    };
    sqlx::query(sql)
        .bind(e.id.as_str())
        .bind(&e.name)
        .bind(&e.url)
        .bind(encode_events(&e.events)?)
        .bind(encode_keys(&e.keys)?)
        .bind(encode_headers(&e.headers)?)
        .bind(e.enabled)
        .bind(e.disabled_reason.map(DisabledReason::as_str))
        .bind(e.failing_since.map(to_millis))
        .bind(i64::from(e.max_in_flight))
        .bind(to_millis(e.created_at))
        .bind(to_millis(e.updated_at))
        .bind(e.rate_limit.map(i64::from))
        .execute(conn)
        .await
        .map(|r| r.rows_affected())
        .map_err(|err| {
            conflict_or_db(err, || {
                format!("endpoint name {:?} or id {} is taken", e.name, e.id)
            })
        })
}

/// A message without an idempotency key and its deliveries in one statement (one round trip,
/// atomic): deliveries go to every enabled endpoint whose filter matches, decided in SQL.
/// Their ids derive from the message and endpoint ids, unique for a first delivery.
async fn insert_plain(
    pool: &PgPool,
    message: NewMessage,
    now: i64,
    due: i64,
) -> Result<Enqueued, StoreError> {
    let rows: Vec<(Option<String>,)> = sqlx::query_as(
        "WITH m AS (\
           INSERT INTO messages (id, event_type, payload, idempotency_key, created_at) \
           VALUES ($1, $2, $3, NULL, $4) RETURNING id), \
         d AS (\
           INSERT INTO deliveries (id, message_id, endpoint_id, status, attempts, \
             failed_in_round, next_attempt_at, lease_until, created_at, updated_at) \
           SELECT 'dlv_' || substr(m.id, 5) || '_' || substr(e.id, 4), m.id, e.id, 'pending', \
             0, 0, $5, NULL, $4, $4 \
           FROM m, endpoints e \
           WHERE e.enabled AND (e.events = '\"all\"' OR (e.events::jsonb -> 'only') ? $2) \
           RETURNING id) \
         SELECT d.id FROM m LEFT JOIN d ON TRUE",
    )
    .bind(message.id.as_str())
    .bind(&message.event_type)
    .bind(&message.payload[..])
    .bind(now)
    .bind(due)
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

async fn insert_delivery(conn: &mut PgConnection, d: &Delivery) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO deliveries (id, message_id, endpoint_id, status, attempts, failed_in_round, \
         next_attempt_at, lease_until, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, 0, 0, $5, NULL, $6, $6)",
    )
    .bind(d.id.as_str())
    .bind(d.message_id.as_str())
    .bind(d.endpoint_id.as_str())
    .bind(d.status.as_str())
    .bind(d.next_attempt_at.map(to_millis))
    .bind(to_millis(d.created_at))
    .execute(conn)
    .await
    .map_err(db)?;
    Ok(())
}

async fn matching_endpoints(
    conn: &mut PgConnection,
    event_type: &str,
) -> Result<Vec<EndpointId>, StoreError> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {ENDPOINT_COLUMNS} FROM endpoints WHERE enabled ORDER BY id"
    )))
    .fetch_all(conn)
    .await
    .map_err(db)?;
    Ok(map_all(rows, sql::endpoint)?
        .into_iter()
        .filter(|e| e.events.matches(event_type))
        .map(|e| e.id)
        .collect())
}

#[async_trait]
impl Store for PostgresStore {
    async fn insert_endpoint(&self, endpoint: &Endpoint) -> Result<(), StoreError> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        write_endpoint(&mut conn, endpoint, true).await.map(|_| ())
    }

    async fn update_endpoint(&self, endpoint: &Endpoint) -> Result<(), StoreError> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        match write_endpoint(&mut conn, endpoint, false).await? {
            0 => Err(StoreError::NotFound(format!("endpoint {}", endpoint.id))),
            _ => Ok(()),
        }
    }

    async fn delete_endpoint(&self, id: &EndpointId) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let n = sqlx::query("DELETE FROM endpoints WHERE id = $1")
            .bind(id.as_str())
            .execute(&mut *tx)
            .await
            .map_err(db)?
            .rows_affected();
        for sql in [
            "DELETE FROM deliveries WHERE endpoint_id = $1",
            "DELETE FROM attempts WHERE endpoint_id = $1",
        ] {
            sqlx::query(sql)
                .bind(id.as_str())
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        tx.commit().await.map_err(db)?;
        Ok(n > 0)
    }

    async fn get_endpoint(&self, id: &EndpointId) -> Result<Option<Endpoint>, StoreError> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {ENDPOINT_COLUMNS} FROM endpoints WHERE id = $1"
        )))
        .bind(id.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.as_ref().map(sql::endpoint).transpose()
    }

    async fn list_endpoints(&self) -> Result<Vec<Endpoint>, StoreError> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {ENDPOINT_COLUMNS} FROM endpoints ORDER BY created_at, id"
        )))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        map_all(rows, sql::endpoint)
    }

    async fn set_endpoint_enabled(
        &self,
        id: &EndpointId,
        enabled: bool,
        reason: Option<DisabledReason>,
        now: SystemTime,
    ) -> Result<bool, StoreError> {
        let q = if enabled {
            sqlx::query(
                "UPDATE endpoints SET enabled = TRUE, disabled_reason = NULL, \
                 failing_since = NULL, updated_at = $2 WHERE id = $1",
            )
            .bind(id.as_str())
            .bind(to_millis(now))
        } else {
            sqlx::query(
                "UPDATE endpoints SET enabled = FALSE, disabled_reason = $3, updated_at = $2 \
                 WHERE id = $1",
            )
            .bind(id.as_str())
            .bind(to_millis(now))
            .bind(reason.unwrap_or(DisabledReason::Manual).as_str())
        };
        let r = q.execute(&self.pool).await.map_err(db)?;
        if enabled && r.rows_affected() > 0 {
            self.announce.notify_one();
        }
        Ok(r.rows_affected() > 0)
    }

    async fn insert_message(
        &self,
        message: NewMessage,
        now: SystemTime,
        due_at: SystemTime,
        idempotency_window: Duration,
    ) -> Result<Enqueued, StoreError> {
        let now_ms = to_millis(now);
        if message.idempotency_key.is_none() {
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
            "INSERT INTO messages (id, event_type, payload, idempotency_key, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(message.id.as_str())
        .bind(&message.event_type)
        .bind(&message.payload[..])
        .bind(&message.idempotency_key)
        .bind(now_ms)
        .execute(&mut *tx)
        .await
        .map_err(|e| conflict_or_db(e, || format!("message id {} exists", message.id)))?;
        let mut deliveries = Vec::new();
        for endpoint in matching_endpoints(&mut tx, &message.event_type).await? {
            let d = new_delivery(&message.id, &endpoint, now, due_at);
            insert_delivery(&mut tx, &d).await?;
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
        let mut tx = self.pool.begin().await.map_err(db)?;
        // A claim lost in a database crash only returns the delivery to the queue (at worst a
        // duplicate send, which at-least-once allows), so it need not wait for the WAL flush.
        sqlx::query("SET LOCAL synchronous_commit = off")
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let claimed = sqlx::query(AssertSqlSafe(format!(
            "WITH due AS (\
               SELECT d.id FROM deliveries d JOIN endpoints e ON e.id = d.endpoint_id \
               WHERE e.enabled AND NOT (d.endpoint_id = ANY($5)) AND (\
                 (d.status = 'pending' AND d.next_attempt_at <= $1) OR \
                 (d.status = 'in_flight' AND d.lease_until <= $1)) \
               ORDER BY COALESCE(d.next_attempt_at, d.lease_until) \
               LIMIT $2 FOR UPDATE OF d SKIP LOCKED) \
             UPDATE deliveries SET status = 'in_flight', lease_until = $3, lease_token = $4, \
               updated_at = $1 FROM due WHERE deliveries.id = due.id \
             RETURNING {}",
            DELIVERY_COLUMNS
                .split(", ")
                .map(|c| format!("deliveries.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        )))
        .bind(now)
        .bind(i64::try_from(request.limit).unwrap_or(i64::MAX))
        .bind(to_millis(request.now + request.lease))
        .bind(&token)
        .bind(&exclude)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        let deliveries = map_all(claimed, sql::delivery)?;
        let mut claims = Vec::with_capacity(deliveries.len());
        if !deliveries.is_empty() {
            let message_ids: Vec<String> = deliveries
                .iter()
                .map(|d| d.message_id.as_str().to_owned())
                .collect();
            let endpoint_ids: Vec<String> = deliveries
                .iter()
                .map(|d| d.endpoint_id.as_str().to_owned())
                .collect();
            let messages = map_all(
                sqlx::query(AssertSqlSafe(format!(
                    "SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = ANY($1)"
                )))
                .bind(&message_ids)
                .fetch_all(&mut *tx)
                .await
                .map_err(db)?,
                sql::message,
            )?;
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
            for delivery in deliveries {
                let message = messages.iter().find(|m| m.id == delivery.message_id);
                let endpoint = endpoints.iter().find(|e| e.id == delivery.endpoint_id);
                let (Some(message), Some(endpoint)) = (message, endpoint) else {
                    return Err(StoreError::Corrupt {
                        table: "deliveries",
                        detail: format!("delivery {} has no message or endpoint", delivery.id),
                    });
                };
                claims.push(claim_of(
                    delivery,
                    message.clone(),
                    endpoint.clone(),
                    &token,
                ));
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
        let (next,): (Option<i64>,) = sqlx::query_as(
            "SELECT LEAST(\
               (SELECT MIN(d.next_attempt_at) FROM deliveries d \
                JOIN endpoints e ON e.id = d.endpoint_id \
                WHERE d.status = 'pending' AND e.enabled), \
               (SELECT MIN(d.lease_until) FROM deliveries d \
                JOIN endpoints e ON e.id = d.endpoint_id \
                WHERE d.status = 'in_flight' AND e.enabled))",
        )
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

    async fn get_message(&self, id: &MessageId) -> Result<Option<Message>, StoreError> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = $1"
        )))
        .bind(id.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.as_ref().map(sql::message).transpose()
    }

    async fn list_messages(&self, q: &MessageQuery) -> Result<Vec<Message>, StoreError> {
        let mut f = Filter::default();
        if let Some(e) = &q.endpoint {
            f.add(
                "EXISTS (SELECT 1 FROM deliveries d WHERE d.message_id = messages.id \
                 AND d.endpoint_id = ?)",
                Arg::Text(e.as_str().to_owned()),
            );
        }
        if let Some(t) = &q.event_type {
            f.add("event_type = ?", Arg::Text(t.clone()));
        }
        if let Some(since) = q.since {
            f.add("created_at >= ?", Arg::Int(to_millis(since)));
        }
        let (sql, args) = f.finish(
            &format!("SELECT {MESSAGE_COLUMNS} FROM messages"),
            "created_at DESC, id DESC",
            q.limit,
        );
        let rows = bind_all(sql, args)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        map_all(rows, sql::message)
    }

    async fn list_deliveries(&self, q: &DeliveryQuery) -> Result<Vec<Delivery>, StoreError> {
        let mut f = Filter::default();
        if let Some(e) = &q.endpoint {
            f.add("endpoint_id = ?", Arg::Text(e.as_str().to_owned()));
        }
        if let Some(m) = &q.message {
            f.add("message_id = ?", Arg::Text(m.as_str().to_owned()));
        }
        if let Some(s) = q.status {
            // A literal (one of a fixed set), so the partial index of that status is used.
            f.clauses.push(format!("status = '{}'", s.as_str()));
        }
        let (sql, args) = f.finish(
            &format!("SELECT {DELIVERY_COLUMNS} FROM deliveries"),
            "created_at DESC, id DESC",
            q.limit,
        );
        let rows = bind_all(sql, args)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        map_all(rows, sql::delivery)
    }

    async fn list_attempts(&self, q: &AttemptQuery) -> Result<Vec<Attempt>, StoreError> {
        let mut f = Filter::default();
        if let Some(e) = &q.endpoint {
            f.add("endpoint_id = ?", Arg::Text(e.as_str().to_owned()));
        }
        if let Some(m) = &q.message {
            f.add("message_id = ?", Arg::Text(m.as_str().to_owned()));
        }
        if let Some(d) = &q.delivery {
            f.add("delivery_id = ?", Arg::Text(d.as_str().to_owned()));
        }
        let (sql, args) = f.finish(
            &format!("SELECT {ATTEMPT_COLUMNS} FROM attempts"),
            "at DESC, seq DESC",
            q.limit,
        );
        let rows = bind_all(sql, args)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        map_all(rows, sql::attempt)
    }

    async fn replay(
        &self,
        message: &MessageId,
        endpoint: Option<&EndpointId>,
        now: SystemTime,
    ) -> Result<Vec<DeliveryId>, StoreError> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let row: Option<(String,)> =
            sqlx::query_as("SELECT event_type FROM messages WHERE id = $1 FOR UPDATE")
                .bind(message.as_str())
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?;
        let Some((event_type,)) = row else {
            return Err(StoreError::NotFound(format!("message {message}")));
        };
        let targets = match endpoint {
            Some(id) => {
                let exists = sqlx::query("SELECT 1 FROM endpoints WHERE id = $1")
                    .bind(id.as_str())
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db)?;
                if exists.is_none() {
                    return Err(StoreError::NotFound(format!("endpoint {id}")));
                }
                vec![id.clone()]
            }
            None => matching_endpoints(&mut tx, &event_type).await?,
        };
        let mut created = Vec::new();
        for target in targets {
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
            insert_delivery(&mut tx, &d).await?;
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
        let r = sqlx::query(
            "UPDATE deliveries SET status = 'pending', failed_in_round = 0, next_attempt_at = $3, \
             updated_at = $3 WHERE endpoint_id = $1 AND status = 'dead_letter' AND updated_at >= $2",
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

    async fn mark_seen(
        &self,
        source: &str,
        digest: &[u8; 32],
        now: SystemTime,
        expires_at: SystemTime,
    ) -> Result<bool, StoreError> {
        seen::mark(
            &self.pool,
            source,
            digest,
            to_millis(now),
            to_millis(expires_at),
        )
        .await
    }

    async fn unmark_seen(&self, source: &str, digest: &[u8; 32]) -> Result<(), StoreError> {
        seen::unmark(&self.pool, source, digest).await
    }

    fn work_signal(&self) -> Option<Arc<Notify>> {
        Some(self.signal.clone())
    }

    async fn prune(&self, cutoff: SystemTime) -> Result<u64, StoreError> {
        let cutoff = to_millis(cutoff);
        let mut total = 0u64;
        // Chunks of 1,000 messages per transaction keep memory and lock time bounded.
        loop {
            let mut tx = self.pool.begin().await.map_err(db)?;
            let ids: Vec<(String,)> = sqlx::query_as(
                "SELECT m.id FROM messages m WHERE m.created_at < $1 AND NOT EXISTS (\
                   SELECT 1 FROM deliveries d WHERE d.message_id = m.id \
                   AND d.status IN ('pending', 'in_flight')) \
                 LIMIT 1000 FOR UPDATE SKIP LOCKED",
            )
            .bind(cutoff)
            .fetch_all(&mut *tx)
            .await
            .map_err(db)?;
            let ids: Vec<String> = ids.into_iter().map(|(id,)| id).collect();
            for sql in [
                "DELETE FROM attempts WHERE message_id = ANY($1)",
                "DELETE FROM deliveries WHERE message_id = ANY($1)",
                "DELETE FROM idempotency_keys WHERE message_id = ANY($1)",
                "DELETE FROM messages WHERE id = ANY($1)",
            ] {
                sqlx::query(sql)
                    .bind(&ids)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
            }
            tx.commit().await.map_err(db)?;
            total += ids.len() as u64;
            if ids.len() < 1000 {
                return Ok(total);
            }
        }
    }
}
