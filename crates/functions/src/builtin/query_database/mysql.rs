//! The MySQL/MariaDB engine: one prepared statement in a `READ ONLY` transaction with a server-side time limit, always rolled back.

use std::str::FromStr;
use std::sync::OnceLock;

use futures_util::TryStreamExt;
use sqlx::mysql::{MySqlConnectOptions, MySqlConnection, MySqlPool, MySqlPoolOptions};
use sqlx::{AssertSqlSafe, Column as _, Connection, Executor, Row, SqlSafeStr, Statement};

use super::collect::{Collector, Flow, RunLimits};
use super::error::QueryError;
use super::mysql_value::{to_json, type_name};
use super::output::{Column, QueryOutput};
use super::redact::SecretUrl;
use super::session::Lease;

/// Prepared statements kept per connection.
const STATEMENT_CACHE: usize = 32;

/// MySQL and MariaDB name the statement time limit differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flavor {
    Mysql,
    Mariadb,
}

/// Counts the global `FILE` and `SUPER` grants of the session user (`'user'@'host'`).
const PRIVILEGED_USER_QUERY: &str = "SELECT COUNT(*) FROM information_schema.USER_PRIVILEGES \
     WHERE GRANTEE = CONCAT('''', REPLACE(CURRENT_USER(), '@', '''@'''), '''') \
     AND PRIVILEGE_TYPE IN ('FILE', 'SUPER')";

/// One MySQL or MariaDB database, with a pool created on first use.
pub(super) struct MySqlDb {
    name: String,
    url: SecretUrl,
    options: MySqlConnectOptions,
    max_connections: u32,
    allow_privileged: bool,
    role_checked: OnceLock<()>,
    pool: OnceLock<MySqlPool>,
    server: OnceLock<Server>,
}

/// What the tool learns about the server once, on the first call.
#[derive(Debug, Clone)]
struct Server {
    flavor: Flavor,
    /// The session `sql_mode` without the modes that change how quotes and backslashes are read.
    sql_mode: String,
}

impl std::fmt::Debug for MySqlDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MySqlDb")
            .field("name", &self.name)
            .field("url", &self.url)
            .field("server", &self.server.get())
            .finish_non_exhaustive()
    }
}

impl MySqlDb {
    pub(super) fn new(
        name: &str,
        url: &SecretUrl,
        max_connections: u32,
        allow_privileged: bool,
    ) -> Result<Self, String> {
        let options = MySqlConnectOptions::from_str(url.expose())
            .map_err(|e| url.secrets().scrub(&e.to_string()))?
            .statement_cache_capacity(STATEMENT_CACHE);
        Ok(Self {
            name: name.to_owned(),
            url: url.clone(),
            options,
            max_connections,
            allow_privileged,
            role_checked: OnceLock::new(),
            pool: OnceLock::new(),
            server: OnceLock::new(),
        })
    }

    fn pool(&self, limits: RunLimits) -> &MySqlPool {
        self.pool.get_or_init(|| {
            MySqlPoolOptions::new()
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
        if !truncated && reset_session(&mut lease).await.is_ok() {
            lease.mark_clean();
        }
        result
    }

    async fn run_on(
        &self,
        conn: &mut MySqlConnection,
        sql: String,
        limits: RunLimits,
    ) -> Result<QueryOutput, QueryError> {
        let server = match self.server.get() {
            Some(server) => server.clone(),
            None => {
                let (version, sql_mode): (String, String) =
                    sqlx::query_as("SELECT VERSION(), @@SESSION.sql_mode")
                        .fetch_one(&mut *conn)
                        .await
                        .map_err(|e| self.map_error(&e, limits))?;
                let flavor = if version.to_ascii_lowercase().contains("mariadb") {
                    Flavor::Mariadb
                } else {
                    Flavor::Mysql
                };
                let server = Server {
                    flavor,
                    sql_mode: sanitize_sql_mode(&sql_mode),
                };
                self.server.get_or_init(|| server).clone()
            }
        };
        if !self.allow_privileged && self.role_checked.get().is_none() {
            let (privileged,): (i64,) = sqlx::query_as(PRIVILEGED_USER_QUERY)
                .fetch_one(&mut *conn)
                .await
                .map_err(|e| self.map_error(&e, limits))?;
            if privileged > 0 {
                return Err(QueryError::Unavailable {
                    database: self.name.clone(),
                    reason: "the configured user has the FILE or SUPER privilege; \
                             the operator must configure a SELECT-only user"
                        .to_owned(),
                });
            }
            let _ = self.role_checked.set(());
        }
        // Session settings are re-applied on every call, so nothing a previous call did can linger.
        // Read-only at session level too: a statement that commits implicitly cannot leave a
        // writable transaction behind.
        conn.execute("SET SESSION TRANSACTION READ ONLY")
            .await
            .map_err(|e| self.map_error(&e, limits))?;
        let ms = limits.timeout_ms();
        let lock_secs = ms.div_ceil(1000).max(1);
        let time_limit = match server.flavor {
            Flavor::Mysql => format!("max_execution_time = {ms}"),
            Flavor::Mariadb => format!("max_statement_time = {:.3}", ms as f64 / 1000.0),
        };
        conn.execute(sqlx::raw_sql(AssertSqlSafe(format!(
            "SET SESSION {time_limit}, SESSION lock_wait_timeout = {lock_secs}, \
             SESSION innodb_lock_wait_timeout = {lock_secs}, SESSION sql_select_limit = DEFAULT, \
             SESSION sql_mode = '{sql_mode}'",
            sql_mode = server.sql_mode
        ))))
        .await
        .map_err(|e| self.map_error(&e, limits))?;

        let mut tx = conn
            .begin_with("START TRANSACTION READ ONLY")
            .await
            .map_err(|e| self.map_error(&e, limits))?;
        // One prepared statement: the server refuses several statements in it.
        let statement = (&mut *tx)
            .prepare(AssertSqlSafe(sql).into_sql_str())
            .await
            .map_err(|e| self.map_error(&e, limits))?;
        let columns: Vec<Column> = statement
            .columns()
            .iter()
            .map(|c| Column {
                name: c.name().to_owned(),
                type_name: Some(type_name(c.type_info())),
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
        // which ends the statement instead of draining them.
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
        let number = db
            .try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>()
            .map(sqlx::mysql::MySqlDatabaseError::number);
        match number {
            // ER_QUERY_TIMEOUT (MySQL), ER_STATEMENT_TIMEOUT (MariaDB), ER_QUERY_INTERRUPTED.
            Some(3024 | 1969 | 1317) => QueryError::Timeout {
                timeout_ms: limits.timeout_ms(),
            },
            // ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION, access/command denied, ER_OPTION_PREVENTS_STATEMENT.
            Some(1792 | 1142 | 1227 | 1044 | 1290) => QueryError::refused(message),
            // ER_UNSUPPORTED_PS: the statement cannot be prepared (e.g. several statements).
            Some(1295) => QueryError::refused(format!("{message}; send exactly one query")),
            _ => QueryError::Database { message },
        }
    }
}

/// Undoes what a statement can leave on its session: table locks and named locks (`GET_LOCK`).
/// `COM_RESET_CONNECTION` would also drop sqlx's prepared statements, so the locks are released
/// by name. Session settings are re-applied by the next call. Needs `RELEASE_ALL_LOCKS()` (MySQL
/// 5.7, MariaDB 10.5); on an older server the reset fails and the connection is closed instead.
async fn reset_session(conn: &mut MySqlConnection) -> Result<(), sqlx::Error> {
    // A failed statement's transaction is rolled back first (sqlx queues the `ROLLBACK`).
    conn.execute("UNLOCK TABLES").await?;
    conn.execute("DO RELEASE_ALL_LOCKS()").await?;
    Ok(())
}

/// `mode` without `NO_BACKSLASH_ESCAPES`, `ANSI_QUOTES` and `ANSI`: with them the server would read
/// quotes and backslashes differently from the pre-check, which could hide part of a query inside
/// what the pre-check takes for a string. Only `[A-Z0-9_]` names are kept (the result is put in SQL).
fn sanitize_sql_mode(mode: &str) -> String {
    mode.split(',')
        .map(str::trim)
        .filter(|m| {
            !m.is_empty()
                && !matches!(
                    m.to_ascii_uppercase().as_str(),
                    "NO_BACKSLASH_ESCAPES" | "ANSI_QUOTES" | "ANSI"
                )
                && m.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        })
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::sanitize_sql_mode;

    #[test]
    fn sql_mode_loses_quote_changing_modes() {
        assert_eq!(
            sanitize_sql_mode("STRICT_TRANS_TABLES,ANSI_QUOTES,NO_BACKSLASH_ESCAPES,ANSI,x';DROP"),
            "STRICT_TRANS_TABLES"
        );
        assert_eq!(sanitize_sql_mode(""), "");
    }
}
