//! Replay records of ingest requests (`seen_requests`): [`SeenStore`] in SQLite.

use std::time::SystemTime;

use async_trait::async_trait;
use rusqlite::{Connection, params};

use super::SqliteStore;
use super::rows::db;
use crate::delivery::model::to_millis;
use crate::delivery::store::{SeenStore, StoreError};

/// Expired rows deleted per call: more than the one row a call adds, so the table only holds
/// rows still inside their window (plus at most a few).
const SWEEP: i64 = 16;

/// Inserts `(source, digest)` unless an unexpired row exists; `true` when it inserted (or
/// replaced an expired row). Times are Unix milliseconds.
fn mark(
    conn: &Connection,
    source: &str,
    digest: &[u8; 32],
    now: i64,
    expires_at: i64,
) -> Result<bool, StoreError> {
    conn.prepare_cached(
        "DELETE FROM seen_requests WHERE rowid IN (\
           SELECT rowid FROM seen_requests WHERE expires_at <= ?1 LIMIT ?2)",
    )
    .map_err(db)?
    .execute(params![now, SWEEP])
    .map_err(db)?;
    // The upsert's condition makes a live row win: nothing changes and 0 rows are reported.
    let changed = conn
        .prepare_cached(
            "INSERT INTO seen_requests (source, digest, expires_at) VALUES (?1, ?2, ?3) \
             ON CONFLICT (source, digest) DO UPDATE SET expires_at = excluded.expires_at \
             WHERE seen_requests.expires_at <= ?4",
        )
        .map_err(db)?
        .execute(params![source, &digest[..], expires_at, now])
        .map_err(db)?;
    Ok(changed == 1)
}

/// Deletes the row of `(source, digest)`, if any.
fn unmark(conn: &Connection, source: &str, digest: &[u8; 32]) -> Result<(), StoreError> {
    conn.prepare_cached("DELETE FROM seen_requests WHERE source = ?1 AND digest = ?2")
        .map_err(db)?
        .execute(params![source, &digest[..]])
        .map_err(db)?;
    Ok(())
}

#[async_trait]
impl SeenStore for SqliteStore {
    async fn mark_seen(
        &self,
        source: &str,
        digest: &[u8; 32],
        now: SystemTime,
        expires_at: SystemTime,
    ) -> Result<bool, StoreError> {
        let (source, digest) = (source.to_owned(), *digest);
        self.call(move |conn| {
            mark(
                conn,
                &source,
                &digest,
                to_millis(now),
                to_millis(expires_at),
            )
        })
        .await
    }

    async fn unmark_seen(&self, source: &str, digest: &[u8; 32]) -> Result<(), StoreError> {
        let (source, digest) = (source.to_owned(), *digest);
        self.call(move |conn| unmark(conn, &source, &digest)).await
    }
}
