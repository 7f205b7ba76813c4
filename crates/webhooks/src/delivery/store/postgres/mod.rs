//! The Postgres store: several processes share one database.
//!
//! Claims use `FOR UPDATE SKIP LOCKED`, so concurrent workers in any number of processes never
//! claim the same delivery and never wait on each other's rows. Each store may live in its own
//! schema (tests use one per run).

mod batch;
mod complete;
mod endpoints;
mod journal;
#[cfg(test)]
mod ordered_race;
mod queue;
mod rows;
mod schema;
mod seen;

use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgListener, PgPool, PgPoolOptions, PgRow};
use sqlx::{AssertSqlSafe, Connection, PgConnection};
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tracing::warn;

use super::types::{Enqueued, StoreError};
use super::{Applied, Decision};
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

/// A [`Store`](super::Store) in Postgres.
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
///
/// A `NOTIFY` gives its transaction an id, so its commit waits for a WAL flush by default, and
/// listeners hear nothing until then: on a disk busy with other writes that flush took tens of
/// milliseconds, on the path from publication to first attempt. The announcement need not be
/// durable (the work it announces already is, and every node also polls), so its statement's
/// own transaction sets `synchronous_commit` off (`set_config(…, true)` lasts until that
/// transaction's commit, which it thus governs).
async fn announce_loop(pool: PgPool, channel: String, announce: Arc<Notify>) {
    loop {
        announce.notified().await;
        if let Err(e) =
            sqlx::query("SELECT set_config('synchronous_commit', 'off', true), pg_notify($1, '')")
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
            completer: batch::Batcher::spawn(pool.clone(), complete::complete_batch),
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

pub(super) fn map_all<T>(
    rows: Vec<PgRow>,
    f: fn(&PgRow) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    rows.iter().map(f).collect()
}

pub(super) fn conflict_or_db(e: sqlx::Error, what: impl FnOnce() -> String) -> StoreError {
    if e.as_database_error()
        .is_some_and(|d| d.is_unique_violation())
    {
        StoreError::Conflict(what())
    } else {
        db(e)
    }
}
