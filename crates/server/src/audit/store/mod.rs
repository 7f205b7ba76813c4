//! Where audit rows live: the `tool_calls` table in the gateway's SQLite file or Postgres
//! database, created by its own migrations (ledger `audit_schema_migrations`) with the delivery
//! store's runner.
//!
//! The table has one index besides its key, `(at_us, id)`: the listing's order, the cursor and
//! the retention job use it, and filters are checked row by row while walking it newest first.
//! Every further index would be paid by every call's insert, for the rarer listing.

mod postgres;
mod sqlite;

use std::path::Path;

use switchboard::webhooks::delivery::{Direction, Page};

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

/// The columns of `tool_calls` after `id`, in the order every insert and select uses.
const COLUMNS: &str = "at_us, token, user_id, email, user_name, role, chat_id, message_id, \
     tool, transport, outcome, duration_us, arguments_sha256, arguments, result_bytes";

/// The page query of both backends, for `query`'s direction: parameters `1` caller, `2` tool,
/// `3` outcome, `4` since, `5` until, `6`/`7` the cursor's `(at_us, id)`, `8` the limit, each
/// `NULL` when unused; `$`-numbered for Postgres, `?`-numbered for SQLite. Rows come ordered
/// walking away from the cursor, as `Page::from_rows` takes them. `CAST` gives Postgres the
/// parameters' types and is a no-op in SQLite.
fn list_sql(direction: Direction, postgres: bool) -> String {
    let (op, order) = match direction {
        Direction::Older => ("<", "DESC"),
        Direction::Newer => (">", "ASC"),
    };
    let sql = format!(
        "SELECT id, {COLUMNS} FROM tool_calls \
         WHERE (CAST(?1 AS TEXT) IS NULL OR token = ?1 OR user_id = ?1 OR email = ?1) \
           AND (CAST(?2 AS TEXT) IS NULL OR tool = ?2) \
           AND (CAST(?3 AS TEXT) IS NULL OR outcome = ?3) \
           AND (CAST(?4 AS BIGINT) IS NULL OR at_us >= ?4) \
           AND (CAST(?5 AS BIGINT) IS NULL OR at_us < ?5) \
           AND (CAST(?6 AS BIGINT) IS NULL OR at_us {op} ?6 \
                OR (at_us = ?6 AND id {op} CAST(?7 AS BIGINT))) \
         ORDER BY at_us {order}, id {order} LIMIT ?8"
    );
    if postgres { sql.replace('?', "$") } else { sql }
}

/// Rows deleted per statement by the retention job, so one run never holds the write lock long.
const DELETE_CHUNK: i64 = 10_000;
