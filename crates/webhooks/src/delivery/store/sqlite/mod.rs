//! The SQLite store: the embedded default, one file in WAL mode with group commits.
//!
//! All work runs on one dedicated thread that owns the connection ([`worker`]), so async tasks
//! never block on SQLite, and every batch of queued operations shares one commit. Claims are
//! `LIMIT n` queries over indexes: memory stays bounded however many messages are queued.
//! Several processes may open the same file: `BEGIN IMMEDIATE` serialises writers, so a
//! delivery is never claimed twice.

mod endpoints;
mod files;
mod journal;
mod queue;
#[cfg(test)]
mod queue_plan;
mod rows;
mod schema;
mod seen;
mod worker;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::config::DbConfig;
use rusqlite::{Connection, Params, Row};

use super::types::StoreError;
use rows::db;

/// How hard SQLite works to make each commit durable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Synchronous {
    /// `synchronous=FULL`: a commit survives power loss. The default.
    #[default]
    Full,
    /// `synchronous=NORMAL`: a commit survives a crash of the process, not of the machine.
    Normal,
}

/// Settings of a [`SqliteStore`].
#[derive(Debug, Clone)]
pub struct SqliteOptions {
    /// Durability of commits.
    pub synchronous: Synchronous,
    /// Most operations committed together.
    pub batch_max: usize,
    /// How long to wait for another process holding the write lock.
    pub busy_timeout: Duration,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        Self {
            synchronous: Synchronous::Full,
            batch_max: 512,
            busy_timeout: Duration::from_secs(10),
        }
    }
}

/// A [`Store`](super::Store) in one SQLite file.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    worker: worker::Handle,
    path: PathBuf,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path`, applies migrations and starts the
    /// writer thread.
    ///
    /// A new database file is created with mode `0600` (SQLite gives its `-wal` and `-shm`
    /// files the same mode), since it holds signing secrets; when an existing database, `-wal`
    /// or `-shm` file is accessible to the group or other users, a warning names it and the
    /// `chmod 600` that fixes it.
    pub fn open(path: impl AsRef<Path>, options: SqliteOptions) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        let fail = |what: &str, e: String| {
            StoreError::Database(format!("{what} {}: {e}", path.display()).into())
        };
        files::warn_if_shared(&path);
        files::create_owner_only(&path).map_err(|e| fail("creating", e.to_string()))?;
        let mut conn = Connection::open(&path).map_err(|e| fail("opening", e.to_string()))?;
        conn.busy_timeout(options.busy_timeout)
            .map_err(|e| fail("configuring", e.to_string()))?;
        let sync = match options.synchronous {
            Synchronous::Full => "FULL",
            Synchronous::Normal => "NORMAL",
        };
        // A 32 MiB page cache (bounded, whatever the queue holds) and a WAL checkpoint every
        // 8,192 pages (32 MiB) rather than 1,000: the writer thread copies fewer pages back.
        conn.execute_batch(&format!(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous={sync}; PRAGMA foreign_keys=OFF; \
             PRAGMA cache_size=-32768; PRAGMA wal_autocheckpoint=8192;"
        ))
        .map_err(|e| fail("configuring", e.to_string()))?;
        // Query plans that do not depend on bound values: otherwise a statement whose `LIMIT`
        // is a parameter (the claim) is compiled again whenever the limit changes.
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)
            .map_err(|e| fail("configuring", e.to_string()))?;
        schema::migrate(&mut conn).map_err(|e| fail("migrating", e))?;
        let worker = worker::spawn(conn, options.batch_max, "sb-webhooks-sqlite".to_owned())
            .map_err(|e| fail("starting the writer thread for", e.to_string()))?;
        Ok(Self { worker, path })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    async fn call<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.worker.call(work).await
    }
}

fn query_all<T>(
    conn: &Connection,
    sql: &str,
    params: impl Params,
    map: fn(&Row<'_>) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    let mut stmt = conn.prepare_cached(sql).map_err(db)?;
    let mut rows = stmt.query(params).map_err(db)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(db)? {
        out.push(map(row)?);
    }
    Ok(out)
}

fn query_one<T>(
    conn: &Connection,
    sql: &str,
    params: impl Params,
    map: fn(&Row<'_>) -> Result<T, StoreError>,
) -> Result<Option<T>, StoreError> {
    Ok(query_all(conn, sql, params, map)?.into_iter().next())
}

pub(super) fn is_unique_violation(e: &rusqlite::Error) -> bool {
    matches!(
        e,
        rusqlite::Error::SqliteFailure(f, _)
            if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
    )
}
