//! The audit tables in the gateway's SQLite file ([`schema`]), on their own connection (WAL
//! mode lets it write next to the delivery store's connection; `busy_timeout` waits out the
//! other's commits).

mod keys;
mod schema;

use std::path::Path;
use std::sync::{Arc, LazyLock, Mutex, PoisonError};
use std::time::Duration;

use anyhow::Context as _;
use rusqlite::{Connection, Row, params};
use switchboard::webhooks::delivery::Direction;
use switchboard::webhooks::delivery::store::migrations::apply_sqlite;

use self::keys::{Keys, RowKeys};
use self::schema::{DELETE_ROWS, MIGRATIONS, PRUNE_CALLERS, insert_sql, list_sql};
use super::DELETE_CHUNK;
use crate::audit::query::{CallQuery, position};
use crate::audit::row::{AsRow, CallRow, RowRef};

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
            let rows = rows
                .iter()
                .map(AsRow::as_row)
                .collect::<anyhow::Result<Vec<RowRef<'_>>>>()?;
            // Immediate: take the write lock (waiting up to `busy_timeout` for the delivery
            // store's commits) before the first insert, never midway.
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            {
                let newest = rows.iter().map(|r| r.at_us).max().unwrap_or(0);
                let mut keys = Keys::new(&tx, newest);
                let mut rest = &rows[..];
                for (size, sql) in INSERT_SIZES.iter().zip(INSERTS.iter()) {
                    if rest.len() < *size {
                        continue;
                    }
                    let mut stmt = tx.prepare_cached(sql)?;
                    while let Some((chunk, tail)) = rest.split_at_checked(*size) {
                        bind_rows(&mut stmt, &mut keys, chunk)?;
                        stmt.raw_execute()?;
                        rest = tail;
                    }
                }
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    pub(super) async fn list(&self, query: CallQuery) -> anyhow::Result<Vec<CallRow>> {
        self.with(move |conn| {
            let (op, order) = match query.direction() {
                Direction::Older => ("<", "DESC"),
                Direction::Newer => (">", "ASC"),
            };
            let mut stmt = conn.prepare_cached(&list_sql(op, order))?;
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

    /// Deletes the rows from before `cutoff_us` a chunk per transaction; the transaction that
    /// deletes the last of them also deletes the callers no row names any more.
    pub(super) async fn delete_before(&self, cutoff_us: i64) -> anyhow::Result<u64> {
        let mut total = 0;
        loop {
            let deleted = self
                .with(move |conn| {
                    let tx =
                        conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
                    let deleted = tx.execute(DELETE_ROWS, params![cutoff_us, DELETE_CHUNK])?;
                    if (deleted as i64) < DELETE_CHUNK {
                        tx.execute(PRUNE_CALLERS, [cutoff_us])?;
                    }
                    tx.commit()?;
                    Ok(deleted)
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
        arguments_sha256: r.get_ref(13)?.as_blob_or_null()?.map(hex::encode),
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

/// Rows per `INSERT` statement, largest first: a batch is written in statements of 32 rows,
/// then its remainder in one statement of each smaller size it needs. SQLite's per-statement
/// work (starting and halting the program, opening its cursors, updating the `AUTOINCREMENT`
/// counter) was a third of an audit row's cost when each row had its own statement, and a
/// batch is short of 32 rows whenever calls come slower than 640 a second (one linger); 32
/// rows of 11 values stay far below SQLite's limit of bound parameters.
const INSERT_SIZES: [usize; 6] = [32, 16, 8, 4, 2, 1];

/// The statements of [`INSERT_SIZES`], written once: the statement cache is looked up by their
/// text.
static INSERTS: LazyLock<[String; 6]> = LazyLock::new(|| INSERT_SIZES.map(insert_sql));

/// Binds `rows` to the parameters of [`insert_sql`]`(rows.len())`, in [`schema::INSERT_COLUMNS`] order,
/// their callers and labels as keys.
fn bind_rows<'r>(
    stmt: &mut rusqlite::CachedStatement<'_>,
    keys: &mut Keys<'_, 'r>,
    rows: &[RowRef<'r>],
) -> rusqlite::Result<()> {
    let mut at = 0;
    let mut bind = |value: &dyn rusqlite::ToSql| {
        at += 1;
        stmt.raw_bind_parameter(at, value)
    };
    for r in rows {
        let RowKeys {
            caller,
            tool,
            transport,
            outcome,
        } = keys.of(r)?;
        bind(&r.at_us)?;
        bind(&caller)?;
        bind(&tool)?;
        bind(&transport)?;
        bind(&outcome)?;
        bind(&r.duration_us)?;
        bind(&r.result_bytes)?;
        bind(&r.arguments_sha256.as_ref().map(<[u8; 32]>::as_slice))?;
        bind(&r.arguments)?;
        bind(&r.chat_id)?;
        bind(&r.message_id)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
