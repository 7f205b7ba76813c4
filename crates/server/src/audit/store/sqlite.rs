//! The audit table in the gateway's SQLite file, on its own connection (WAL mode lets it write
//! next to the delivery store's connection; `busy_timeout` waits out the other's commits).

use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use anyhow::Context as _;
use rusqlite::{Connection, Row, params};
use switchboard::webhooks::delivery::store::migrations::{Migrations, apply_sqlite};

use super::{COLUMNS, DELETE_CHUNK, list_sql};
use crate::audit::query::{CallQuery, position};
use crate::audit::row::CallRow;

/// `(version, SQL)`; append new versions, never edit applied ones.
const MIGRATIONS: Migrations<&str> = Migrations {
    ledger: "audit_schema_migrations",
    lock_key: 0,
    steps: &[(
        1,
        "CREATE TABLE tool_calls (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at_us INTEGER NOT NULL,
            token TEXT,
            user_id TEXT,
            email TEXT,
            user_name TEXT,
            role TEXT,
            chat_id TEXT,
            message_id TEXT,
            tool TEXT NOT NULL,
            transport TEXT NOT NULL,
            outcome TEXT NOT NULL,
            duration_us INTEGER NOT NULL,
            arguments_sha256 TEXT,
            arguments TEXT,
            result_bytes INTEGER NOT NULL
        );
        CREATE INDEX tool_calls_at ON tool_calls (at_us, id);",
    )],
};

/// The audit connection; one statement at a time, each on a blocking thread.
#[derive(Debug, Clone)]
pub(super) struct SqliteAudit {
    conn: Arc<Mutex<Connection>>,
}

impl SqliteAudit {
    /// Opens (creating owner-only when missing) and migrates the file at `path`.
    pub(super) fn open(path: &Path) -> anyhow::Result<SqliteAudit> {
        create_owner_only(path)?;
        let mut conn = Connection::open(path)
            .with_context(|| format!("opening the audit table in {}", path.display()))?;
        conn.busy_timeout(Duration::from_secs(10))?;
        // NORMAL: in WAL mode a commit then survives a crash of the process, not of the machine;
        // rows still queued are lost in either crash, so an fsync per batch buys nothing.
        conn.execute_batch("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")?;
        apply_sqlite(&mut conn, &MIGRATIONS)
            .map_err(|e| anyhow::anyhow!("migrating the audit table in {}: {e}", path.display()))?;
        Ok(SqliteAudit {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    async fn with<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Connection) -> anyhow::Result<T> + Send + 'static,
    ) -> anyhow::Result<T> {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = conn.lock().unwrap_or_else(PoisonError::into_inner);
            work(&mut conn)
        })
        .await?
    }

    pub(super) async fn insert(&self, rows: Vec<CallRow>) -> anyhow::Result<()> {
        self.with(move |conn| {
            // Immediate: take the write lock (waiting up to `busy_timeout` for the delivery
            // store's commits) before the first insert, never midway.
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            {
                let sql = format!(
                    "INSERT INTO tool_calls ({COLUMNS}) VALUES \
                     (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"
                );
                let mut stmt = tx.prepare_cached(&sql)?;
                for r in &rows {
                    stmt.execute(params![
                        r.at_us,
                        r.token,
                        r.user_id,
                        r.email,
                        r.user_name,
                        r.role,
                        r.chat_id,
                        r.message_id,
                        r.tool,
                        r.transport,
                        r.outcome,
                        r.duration_us,
                        r.arguments_sha256,
                        r.arguments,
                        r.result_bytes,
                    ])?;
                }
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    pub(super) async fn list(&self, query: CallQuery) -> anyhow::Result<Vec<CallRow>> {
        self.with(move |conn| {
            let mut stmt = conn.prepare_cached(&list_sql(query.direction(), false))?;
            let at = query.cursor.as_ref().map(position);
            let rows = stmt.query_map(
                params![
                    query.caller,
                    query.tool,
                    query.outcome,
                    query.since_us,
                    query.until_us,
                    at.map(|(at_us, _)| at_us),
                    at.map(|(_, id)| id),
                    query.fetch_limit(),
                ],
                row,
            )?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    pub(super) async fn delete_before(&self, cutoff_us: i64) -> anyhow::Result<u64> {
        let mut total = 0;
        loop {
            let deleted = self
                .with(move |conn| {
                    Ok(conn.execute(
                        "DELETE FROM tool_calls WHERE id IN \
                         (SELECT id FROM tool_calls WHERE at_us < ?1 LIMIT ?2)",
                        params![cutoff_us, DELETE_CHUNK],
                    )?)
                })
                .await?;
            total += deleted as u64;
            if (deleted as i64) < DELETE_CHUNK {
                return Ok(total);
            }
        }
    }
}

fn row(r: &Row<'_>) -> rusqlite::Result<CallRow> {
    Ok(CallRow {
        id: r.get(0)?,
        at_us: r.get(1)?,
        token: r.get(2)?,
        user_id: r.get(3)?,
        email: r.get(4)?,
        user_name: r.get(5)?,
        role: r.get(6)?,
        chat_id: r.get(7)?,
        message_id: r.get(8)?,
        tool: r.get(9)?,
        transport: r.get(10)?,
        outcome: r.get(11)?,
        duration_us: r.get(12)?,
        arguments_sha256: r.get(13)?,
        arguments: r.get(14)?,
        result_bytes: r.get(15)?,
    })
}

/// Creates `path` readable by its owner only when it does not exist (it holds who called what).
fn create_owner_only(path: &Path) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(anyhow::anyhow!("cannot create {}: {e}", path.display())),
    }
}
