//! The audit table in the gateway's SQLite file, on its own connection (WAL mode lets it write
//! next to the delivery store's connection; `busy_timeout` waits out the other's commits).

use std::path::Path;
use std::sync::{Arc, LazyLock, Mutex, PoisonError};
use std::time::Duration;

use anyhow::Context as _;
use rusqlite::{Connection, Row, params};
use switchboard::webhooks::delivery::store::migrations::{Migrations, apply_sqlite};

use super::{COLUMNS, DELETE_CHUNK, list_sql};
use crate::audit::query::{CallQuery, position};
use crate::audit::row::{AsRow, CallRow};

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

    pub(super) async fn insert<R: AsRow>(&self, rows: Vec<R>) -> anyhow::Result<()> {
        self.with(move |conn| {
            // Immediate: take the write lock (waiting up to `busy_timeout` for the delivery
            // store's commits) before the first insert, never midway.
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            {
                let mut chunks = rows.chunks_exact(ROWS_PER_INSERT);
                let mut many = tx.prepare_cached(&INSERT_MANY)?;
                for chunk in &mut chunks {
                    bind_rows(&mut many, chunk)?;
                    many.raw_execute()?;
                }
                let mut one = tx.prepare_cached(&INSERT_ONE)?;
                for row in chunks.remainder() {
                    bind_rows(&mut one, std::slice::from_ref(row))?;
                    one.raw_execute()?;
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

/// Rows per `INSERT` statement. SQLite's per-statement work (starting and halting the program,
/// opening its cursors, updating the `AUTOINCREMENT` counter) was a third of an audit row's
/// cost when each row had its own statement; 32 rows of 15 values stay far below SQLite's limit
/// of bound parameters.
const ROWS_PER_INSERT: usize = 32;

/// The statements of a batch, written once: the statement cache is looked up by their text.
static INSERT_MANY: LazyLock<String> = LazyLock::new(|| insert_sql(ROWS_PER_INSERT));
static INSERT_ONE: LazyLock<String> = LazyLock::new(|| insert_sql(1));

/// `INSERT` of `rows` rows, numbered parameters `?1`… in [`COLUMNS`] order, row after row.
fn insert_sql(rows: usize) -> String {
    let per_row = COLUMNS.split(',').count();
    let values: Vec<String> = (0..rows)
        .map(|r| {
            let params: Vec<String> = (1..=per_row)
                .map(|c| format!("?{}", r * per_row + c))
                .collect();
            format!("({})", params.join(", "))
        })
        .collect();
    format!(
        "INSERT INTO tool_calls ({COLUMNS}) VALUES {}",
        values.join(", ")
    )
}

/// Binds `rows` to the parameters of [`insert_sql`]`(rows.len())`.
fn bind_rows<R: AsRow>(
    stmt: &mut rusqlite::CachedStatement<'_>,
    rows: &[R],
) -> rusqlite::Result<()> {
    let mut at = 0;
    let mut bind = |value: &dyn rusqlite::ToSql| {
        at += 1;
        stmt.raw_bind_parameter(at, value)
    };
    for r in rows {
        let r = r.as_row();
        bind(&r.at_us)?;
        bind(&r.token)?;
        bind(&r.user_id)?;
        bind(&r.email)?;
        bind(&r.user_name)?;
        bind(&r.role)?;
        bind(&r.chat_id)?;
        bind(&r.message_id)?;
        bind(&r.tool)?;
        bind(&r.transport)?;
        bind(&r.outcome)?;
        bind(&r.duration_us)?;
        bind(&r.arguments_sha256)?;
        bind(&r.arguments)?;
        bind(&r.result_bytes)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(i: i64) -> CallRow {
        CallRow {
            id: 0,
            at_us: 1_000 + i,
            token: Some("t".to_owned()),
            user_id: None,
            email: None,
            user_name: None,
            role: None,
            chat_id: None,
            message_id: None,
            tool: "calculate".to_owned(),
            transport: "rest".to_owned(),
            outcome: "ok".to_owned(),
            duration_us: i,
            arguments_sha256: None,
            arguments: Some(format!("{{\"i\":{i}}}")),
            result_bytes: i,
        }
    }

    #[tokio::test]
    async fn a_batch_of_full_statements_and_a_remainder_stores_every_row_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteAudit::open(&dir.path().join("audit.db")).unwrap();
        let n = i64::try_from(ROWS_PER_INSERT * 2 + 5).unwrap();
        store.insert((0..n).map(row).collect()).await.unwrap();
        let stored: Vec<(i64, i64, String)> = store
            .with(|conn| {
                let mut stmt = conn
                    .prepare("SELECT at_us, result_bytes, arguments FROM tool_calls ORDER BY id")?;
                let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
                Ok(rows.collect::<Result<_, _>>()?)
            })
            .await
            .unwrap();
        let expected: Vec<(i64, i64, String)> = (0..n)
            .map(|i| (1_000 + i, i, format!("{{\"i\":{i}}}")))
            .collect();
        assert_eq!(stored, expected);
    }

    #[test]
    fn an_insert_statement_numbers_its_parameters_row_after_row() {
        let sql = insert_sql(2);
        assert!(sql.ends_with("(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15), (?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30)"), "{sql}");
    }
}
