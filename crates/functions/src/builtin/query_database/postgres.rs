//! The Postgres engine: one prepared statement in a `READ ONLY` transaction with local timeouts, always rolled back.

use std::str::FromStr;
use std::sync::OnceLock;

use futures_util::TryStreamExt;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
use sqlx::{
    AssertSqlSafe, Column as _, Connection, Executor, Row, SqlSafeStr, Statement, TypeInfo,
};

use super::collect::{Collector, Flow, RunLimits};
use super::error::QueryError;
use super::output::{Column, QueryOutput};
use super::postgres_value::to_json;
use super::redact::SecretUrl;
use super::session::Lease;

/// Prepared statements kept per connection.
const STATEMENT_CACHE: usize = 32;

/// True when the session role can reach server files or programs (superusers are members of all roles).
const PRIVILEGED_ROLE_QUERY: &str = "SELECT rolsuper \
     OR pg_has_role(current_user, 'pg_read_server_files', 'MEMBER') \
     OR pg_has_role(current_user, 'pg_write_server_files', 'MEMBER') \
     OR pg_has_role(current_user, 'pg_execute_server_program', 'MEMBER') \
     FROM pg_roles WHERE rolname = current_user";

/// Undoes what a statement can leave on its session, as `DISCARD ALL` does, except `DEALLOCATE
/// ALL`, which would break sqlx's cache of prepared statements (the model's statements are never
/// named, so they cannot be reused by name). `RESET ALL` returns to the connection's startup
/// settings (`default_transaction_read_only = on`, …). Simple protocol, outside any transaction:
/// a failed statement's transaction is rolled back first (sqlx queues the `ROLLBACK`).
const RESET_SESSION: &str = "SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL; \
     SET SESSION AUTHORIZATION DEFAULT; DISCARD TEMP; DISCARD SEQUENCES";

/// One Postgres database, with a pool created on first use.
pub(super) struct PgDb {
    name: String,
    url: SecretUrl,
    options: PgConnectOptions,
    max_connections: u32,
    allow_privileged: bool,
    role_checked: OnceLock<()>,
    pool: OnceLock<PgPool>,
}

impl std::fmt::Debug for PgDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgDb")
            .field("name", &self.name)
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl PgDb {
    pub(super) fn new(
        name: &str,
        url: &SecretUrl,
        max_connections: u32,
        allow_privileged: bool,
        limits: RunLimits,
    ) -> Result<Self, String> {
        let timeout_ms = limits.timeout_ms().to_string();
        let options = PgConnectOptions::from_str(url.expose())
            .map_err(|e| url.secrets().scrub(&e.to_string()))?
            .application_name("switchboard-query-database")
            .statement_cache_capacity(STATEMENT_CACHE)
            // Session defaults, in force before the per-query `SET LOCAL`s.
            .options([
                ("default_transaction_read_only", "on"),
                ("statement_timeout", timeout_ms.as_str()),
                // Strings read the way the pre-check reads them: a backslash is just a character.
                ("standard_conforming_strings", "on"),
            ]);
        Ok(Self {
            name: name.to_owned(),
            url: url.clone(),
            options,
            max_connections,
            allow_privileged,
            role_checked: OnceLock::new(),
            pool: OnceLock::new(),
        })
    }

    fn pool(&self, limits: RunLimits) -> &PgPool {
        self.pool.get_or_init(|| {
            PgPoolOptions::new()
                .max_connections(self.max_connections)
                .min_connections(0)
                .acquire_timeout(limits.timeout)
                .test_before_acquire(true)
                .connect_lazy_with(self.options.clone())
        })
    }

    /// Runs `sql`, then resets the session (or closes the connection), whatever the outcome.
    pub(super) async fn run(
        &self,
        sql: String,
        limits: RunLimits,
    ) -> Result<QueryOutput, QueryError> {
        let conn = self
            .pool(limits)
            .acquire()
            .await
            .map_err(|e| self.unavailable(&e, limits))?;
        let mut lease = Lease::new(conn);
        let result = self.run_on(&mut lease, sql, limits).await;
        // A truncated result is still streaming: closing ends it (and the session) at once.
        let truncated = result.as_ref().is_ok_and(|out| out.truncated);
        if !truncated
            && (**lease)
                .execute(sqlx::raw_sql(RESET_SESSION))
                .await
                .is_ok()
        {
            lease.mark_clean();
        }
        result
    }

    async fn run_on(
        &self,
        conn: &mut PgConnection,
        sql: String,
        limits: RunLimits,
    ) -> Result<QueryOutput, QueryError> {
        if !self.allow_privileged && self.role_checked.get().is_none() {
            let (privileged,): (bool,) = sqlx::query_as(PRIVILEGED_ROLE_QUERY)
                .fetch_one(&mut *conn)
                .await
                .map_err(|e| self.map_error(&e, limits))?;
            if privileged {
                return Err(QueryError::Unavailable {
                    database: self.name.clone(),
                    reason: "the configured role is a superuser or can read, write or run server files; \
                             the operator must configure a SELECT-only role"
                        .to_owned(),
                });
            }
            let _ = self.role_checked.set(());
        }
        let ms = limits.timeout_ms();
        let mut tx = conn
            .begin_with("BEGIN TRANSACTION READ ONLY")
            .await
            .map_err(|e| self.map_error(&e, limits))?;
        tx.execute(sqlx::raw_sql(AssertSqlSafe(format!(
            "SET LOCAL statement_timeout = {ms}; SET LOCAL lock_timeout = {ms}; \
             SET LOCAL idle_in_transaction_session_timeout = {idle}; \
             SET LOCAL standard_conforming_strings = on",
            idle = ms.saturating_mul(2).max(1000)
        ))))
        .await
        .map_err(|e| self.map_error(&e, limits))?;

        // One prepared statement: Postgres refuses several commands in it.
        let statement = (&mut *tx)
            .prepare(AssertSqlSafe(sql).into_sql_str())
            .await
            .map_err(|e| self.map_error(&e, limits))?;
        let columns: Vec<Column> = statement
            .columns()
            .iter()
            .map(|c| Column {
                name: c.name().to_owned(),
                type_name: Some(c.type_info().name().to_owned()),
            })
            .collect();
        let mut collector = Collector::new(limits);
        {
            let mut rows = statement.query().fetch(&mut *tx);
            while let Some(row) = rows
                .try_next()
                .await
                .map_err(|e| self.map_error(&e, limits))?
            {
                let values = (0..row.len()).map(|i| to_json(&row, i)).collect();
                if collector.push(values) == Flow::Stop {
                    break;
                }
            }
        }
        // Unread rows of a truncated result are still in flight; the caller closes the connection,
        // which ends the statement and the transaction without draining them.
        if !collector.is_truncated() {
            tx.rollback()
                .await
                .map_err(|e| self.map_error(&e, limits))?;
        }
        Ok(collector.finish(columns))
    }

    fn unavailable(&self, e: &sqlx::Error, limits: RunLimits) -> QueryError {
        match e {
            sqlx::Error::PoolTimedOut => QueryError::Timeout {
                timeout_ms: limits.timeout_ms(),
            },
            _ => QueryError::Unavailable {
                database: self.name.clone(),
                reason: self.url.secrets().scrub(&e.to_string()),
            },
        }
    }

    fn map_error(&self, e: &sqlx::Error, limits: RunLimits) -> QueryError {
        let Some(db) = e.as_database_error() else {
            return self.unavailable(e, limits);
        };
        let message = self.url.secrets().scrub(db.message());
        match db.code().as_deref() {
            // query_canceled: statement_timeout.
            Some("57014") => QueryError::Timeout {
                timeout_ms: limits.timeout_ms(),
            },
            // read_only_sql_transaction, insufficient_privilege.
            Some("25006" | "42501") => QueryError::refused(message),
            // syntax_error, raised for several commands in one prepared statement.
            Some("42601") if message.contains("multiple commands") => {
                QueryError::refused(format!("{message}; send exactly one query"))
            }
            // lock_not_available (lock_timeout).
            Some("55P03") => QueryError::Database {
                message: format!("{message} (a lock was not granted within the timeout)"),
            },
            _ => QueryError::Database { message },
        }
    }
}
