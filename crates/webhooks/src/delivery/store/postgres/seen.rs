//! Replay records of ingest requests (`seen_requests`): [`SeenStore`] in Postgres.

use std::time::SystemTime;

use async_trait::async_trait;
use sqlx::PgPool;

use super::PostgresStore;
use super::rows::db;
use crate::delivery::model::to_millis;
use crate::delivery::store::{SeenStore, StoreError};

/// Expired rows deleted per call: more than the one row a call adds, so the table only holds
/// rows still inside their window (plus at most a few).
const SWEEP: i64 = 16;

/// Inserts `(source, digest)` unless an unexpired row exists; `true` when it inserted (or
/// replaced an expired row). Times are Unix milliseconds.
///
/// Racing inserts of one key from any number of nodes: the unique key makes all but one wait
/// for its commit and then take the conflict path, where the live row wins.
async fn mark(
    pool: &PgPool,
    source: &str,
    digest: &[u8; 32],
    now: i64,
    expires_at: i64,
) -> Result<bool, StoreError> {
    sqlx::query(
        "DELETE FROM seen_requests WHERE ctid IN (\
           SELECT ctid FROM seen_requests WHERE expires_at <= $1 LIMIT $2 \
           FOR UPDATE SKIP LOCKED)",
    )
    .bind(now)
    .bind(SWEEP)
    .execute(pool)
    .await
    .map_err(db)?;
    let r = sqlx::query(
        "INSERT INTO seen_requests (source, digest, expires_at) VALUES ($1, $2, $3) \
         ON CONFLICT (source, digest) DO UPDATE SET expires_at = EXCLUDED.expires_at \
         WHERE seen_requests.expires_at <= $4",
    )
    .bind(source)
    .bind(&digest[..])
    .bind(expires_at)
    .bind(now)
    .execute(pool)
    .await
    .map_err(db)?;
    Ok(r.rows_affected() == 1)
}

/// Deletes the row of `(source, digest)`, if any.
async fn unmark(pool: &PgPool, source: &str, digest: &[u8; 32]) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM seen_requests WHERE source = $1 AND digest = $2")
        .bind(source)
        .bind(&digest[..])
        .execute(pool)
        .await
        .map_err(db)?;
    Ok(())
}

#[async_trait]
impl SeenStore for PostgresStore {
    async fn mark_seen(
        &self,
        source: &str,
        digest: &[u8; 32],
        now: SystemTime,
        expires_at: SystemTime,
    ) -> Result<bool, StoreError> {
        mark(
            &self.pool,
            source,
            digest,
            to_millis(now),
            to_millis(expires_at),
        )
        .await
    }

    async fn unmark_seen(&self, source: &str, digest: &[u8; 32]) -> Result<(), StoreError> {
        unmark(&self.pool, source, digest).await
    }
}
