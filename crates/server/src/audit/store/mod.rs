//! Where audit rows live: the gateway's SQLite file or Postgres database, in tables created by
//! their own migrations (ledger `audit_schema_migrations`) with the delivery store's runner.
//!
//! SQLite, the default store and the one sharing the gateway's cores, keeps a row's callers and
//! names as integer keys into small tables (`sqlite/schema.rs`), which makes a row several times
//! cheaper to insert; Postgres keeps one `tool_calls` table of text columns. Both give back the
//! same [`CallRow`]s. Each has one index besides its key, on `(at_us, id)`: the listing's order,
//! the cursor and the retention job use it, and filters are checked row by row while walking it
//! newest first. Every further index would be paid by every call's insert, for the rarer
//! listing.

mod postgres;
mod sqlite;

use std::path::Path;

use switchboard::webhooks::delivery::Page;

use super::query::CallQuery;
use super::row::{AsRow, CallRow};
use crate::config::Settings;

/// The audit table, in SQLite or Postgres; cheap to clone (clones share the connections).
#[derive(Debug, Clone)]
pub struct AuditStore {
    backend: Backend,
}

#[derive(Debug, Clone)]
enum Backend {
    /// The SQLite file (the default store).
    Sqlite(sqlite::SqliteAudit),
    /// A Postgres database shared by several gateways.
    Postgres(postgres::PostgresAudit),
}

impl AuditStore {
    /// The store `settings` name (`[store] postgres`, else the SQLite file), opened and
    /// migrated.
    ///
    /// # Errors
    /// The database cannot be opened or migrated.
    pub async fn open(settings: &Settings) -> anyhow::Result<AuditStore> {
        match &settings.postgres {
            Some(url) => AuditStore::postgres(url.expose()).await,
            None => AuditStore::sqlite(&settings.sqlite).await,
        }
    }

    /// The audit table in the SQLite file at `path` (created, mode 0600, when missing).
    ///
    /// # Errors
    /// The file cannot be opened or migrated.
    pub async fn sqlite(path: &Path) -> anyhow::Result<AuditStore> {
        let path = path.to_owned();
        let store = tokio::task::spawn_blocking(move || sqlite::SqliteAudit::open(&path)).await??;
        Ok(AuditStore {
            backend: Backend::Sqlite(store),
        })
    }

    /// The audit table in the Postgres database at `url`.
    ///
    /// # Errors
    /// The database cannot be reached or migrated.
    pub async fn postgres(url: &str) -> anyhow::Result<AuditStore> {
        let store = postgres::PostgresAudit::connect(url).await?;
        Ok(AuditStore {
            backend: Backend::Postgres(store),
        })
    }

    /// Inserts `rows` in one transaction.
    ///
    /// # Errors
    /// The database failed; nothing was inserted.
    pub async fn insert<R: AsRow>(&self, rows: Vec<R>) -> anyhow::Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        match &self.backend {
            Backend::Sqlite(s) => s.insert(rows).await,
            Backend::Postgres(p) => p.insert(&rows).await,
        }
    }

    /// One page of rows matching `query`, newest first.
    ///
    /// # Errors
    /// The database failed.
    pub async fn list(&self, query: &CallQuery) -> anyhow::Result<Page<CallRow>> {
        let rows = match &self.backend {
            Backend::Sqlite(s) => s.list(query.clone()).await?,
            Backend::Postgres(p) => p.list(query).await?,
        };
        Ok(query.page(rows))
    }

    /// Deletes every row from before `cutoff_us` (microseconds since the epoch); returns how
    /// many.
    ///
    /// # Errors
    /// The database failed (rows deleted by earlier chunks stay deleted).
    pub async fn delete_before(&self, cutoff_us: i64) -> anyhow::Result<u64> {
        match &self.backend {
            Backend::Sqlite(s) => s.delete_before(cutoff_us).await,
            Backend::Postgres(p) => p.delete_before(cutoff_us).await,
        }
    }
}

/// Rows deleted per statement by the retention job, so one run never holds the write lock long.
const DELETE_CHUNK: i64 = 10_000;
