//! The audit table in a Postgres database (the one `[store] postgres` names, shared by every
//! gateway on it). A batch is one `INSERT … SELECT FROM UNNEST(…)` of column arrays.

use anyhow::Context as _;
use sqlx::postgres::{PgPool, PgPoolOptions, PgRow};
use sqlx::{AssertSqlSafe, Row};
use switchboard::webhooks::delivery::Direction;
use switchboard::webhooks::delivery::store::migrations::{Migrations, apply_postgres};

use super::DELETE_CHUNK;
use crate::audit::query::{CallQuery, position};
use crate::audit::row::{AsRow, CallRow, RowRef};

/// `(version, statements)`; append new versions, never edit applied ones.
const MIGRATIONS: Migrations<&[&str]> = Migrations {
    ledger: "audit_schema_migrations",
    lock_key: 7_264_318_846_121,
    steps: &[(
        1,
        &[
            "CREATE TABLE tool_calls (
                id BIGSERIAL PRIMARY KEY,
                at_us BIGINT NOT NULL,
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
                duration_us BIGINT NOT NULL,
                arguments_sha256 TEXT,
                arguments TEXT,
                result_bytes BIGINT NOT NULL
            )",
            "CREATE INDEX tool_calls_at ON tool_calls (at_us, id)",
        ],
    )],
};

/// A small pool on the store's database.
#[derive(Debug, Clone)]
pub(super) struct PostgresAudit {
    pool: PgPool,
}

impl PostgresAudit {
    pub(super) async fn connect(url: &str) -> anyhow::Result<PostgresAudit> {
        let pool = PgPoolOptions::new()
            .max_connections(2)
            .connect(url)
            .await
            .context("connecting to store.postgres for the audit table")?;
        let mut conn = pool.acquire().await?;
        apply_postgres(&mut conn, &MIGRATIONS)
            .await
            .context("migrating the audit table in store.postgres")?;
        drop(conn);
        Ok(PostgresAudit { pool })
    }

    pub(super) async fn insert<R: AsRow>(&self, rows: &[R]) -> anyhow::Result<()> {
        fn col<'a, T>(rows: &[RowRef<'a>], f: impl Fn(&RowRef<'a>) -> T) -> Vec<T> {
            rows.iter().map(f).collect()
        }
        let rows = rows
            .iter()
            .map(AsRow::as_row)
            .collect::<anyhow::Result<Vec<RowRef<'_>>>>()?;
        let sql = format!(
            "INSERT INTO tool_calls ({COLUMNS}) SELECT * FROM UNNEST(\
             $1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], \
             $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::bigint[], \
             $13::text[], $14::text[], $15::bigint[])"
        );
        sqlx::query(AssertSqlSafe(sql))
            .bind(col(&rows, |r| r.at_us))
            .bind(col(&rows, |r| r.token))
            .bind(col(&rows, |r| r.user_id))
            .bind(col(&rows, |r| r.email))
            .bind(col(&rows, |r| r.user_name))
            .bind(col(&rows, |r| r.role))
            .bind(col(&rows, |r| r.chat_id))
            .bind(col(&rows, |r| r.message_id))
            .bind(col(&rows, |r| r.tool))
            .bind(col(&rows, |r| r.transport))
            .bind(col(&rows, |r| r.outcome))
            .bind(col(&rows, |r| r.duration_us))
            .bind(col(&rows, |r| r.arguments_sha256.map(hex::encode)))
            .bind(col(&rows, |r| r.arguments))
            .bind(col(&rows, |r| r.result_bytes))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub(super) async fn list(&self, query: &CallQuery) -> anyhow::Result<Vec<CallRow>> {
        let at = query.cursor.as_ref().map(position);
        let rows = sqlx::query(AssertSqlSafe(list_sql(query.direction())))
            .bind(query.caller.as_deref())
            .bind(query.tool.as_deref())
            .bind(query.outcome.as_deref())
            .bind(query.since_us)
            .bind(query.until_us)
            .bind(at.map(|(at_us, _)| at_us))
            .bind(at.map(|(_, id)| id))
            .bind(query.fetch_limit())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(row).collect()
    }

    pub(super) async fn delete_before(&self, cutoff_us: i64) -> anyhow::Result<u64> {
        let mut total = 0;
        loop {
            let deleted = sqlx::query(
                "DELETE FROM tool_calls WHERE id IN \
                 (SELECT id FROM tool_calls WHERE at_us < $1 LIMIT $2)",
            )
            .bind(cutoff_us)
            .bind(DELETE_CHUNK)
            .execute(&self.pool)
            .await?
            .rows_affected();
            total += deleted;
            if deleted < DELETE_CHUNK.unsigned_abs() {
                return Ok(total);
            }
        }
    }
}

/// The columns of `tool_calls` after `id`, in the order every insert and select uses.
const COLUMNS: &str = "at_us, token, user_id, email, user_name, role, chat_id, message_id, \
     tool, transport, outcome, duration_us, arguments_sha256, arguments, result_bytes";

/// The page query for `direction`: parameters `$1` caller, `$2` tool, `$3` outcome, `$4` since,
/// `$5` until, `$6`/`$7` the cursor's `(at_us, id)`, `$8` the limit, each `NULL` when unused.
/// Rows come ordered walking away from the cursor, as `Page::from_rows` takes them. It walks the
/// `(at_us, id)` index from the cursor (or the newest row) and checks the filters on each row
/// walked, so a page of a rare caller or tool reads many rows.
fn list_sql(direction: Direction) -> String {
    let (op, order) = match direction {
        Direction::Older => ("<", "DESC"),
        Direction::Newer => (">", "ASC"),
    };
    format!(
        "SELECT id, {COLUMNS} FROM tool_calls \
         WHERE ($1::text IS NULL OR token = $1 OR user_id = $1 OR email = $1) \
           AND ($2::text IS NULL OR tool = $2) \
           AND ($3::text IS NULL OR outcome = $3) \
           AND ($4::bigint IS NULL OR at_us >= $4) \
           AND ($5::bigint IS NULL OR at_us < $5) \
           AND ($6::bigint IS NULL OR at_us {op} $6 \
                OR (at_us = $6 AND id {op} $7::bigint)) \
         ORDER BY at_us {order}, id {order} LIMIT $8"
    )
}

fn row(r: &PgRow) -> anyhow::Result<CallRow> {
    Ok(CallRow {
        id: r.try_get(0)?,
        at_us: r.try_get(1)?,
        token: r.try_get(2)?,
        user_id: r.try_get(3)?,
        email: r.try_get(4)?,
        user_name: r.try_get(5)?,
        role: r.try_get(6)?,
        chat_id: r.try_get(7)?,
        message_id: r.try_get(8)?,
        tool: r.try_get(9)?,
        transport: r.try_get(10)?,
        outcome: r.try_get(11)?,
        duration_us: r.try_get(12)?,
        arguments_sha256: r.try_get(13)?,
        arguments: r.try_get(14)?,
        result_bytes: r.try_get(15)?,
    })
}
