//! The `query_database` built-in tool: read-only SQL against operator-configured SQLite, Postgres and MySQL/MariaDB databases.
//!
//! The model names a database and writes one SQL query; it never supplies a URL, a path or credentials.
//! Every query goes through layered guards, each of which would refuse the common attacks on its own:
//!
//! 1. `precheck`: reads the text with the engine's own comment and quoting rules (`lexer`,
//!    refusing what it cannot read that way), judges those tokens (`token_rules`), then has
//!    sqlparser parse exactly one query (`SELECT`, `WITH`, `VALUES`, `TABLE`, or `EXPLAIN` of those
//!    without `ANALYZE`) and walks it: no data-modifying CTEs, `SELECT … INTO`, locking clauses or
//!    variable assignment, and only functions on the engine's allow-list (`functions`). It is a
//!    filter in front of the engine guards, not a replacement for them.
//! 2. The engine guards:
//!    - SQLite (`sqlite`): opened with `SQLITE_OPEN_READ_ONLY`, `PRAGMA query_only`, one prepared
//!      statement whose `readonly()` must be true, an authorizer allowing only reads, and a progress-handler
//!      deadline;
//!    - Postgres (`postgres`): one prepared statement inside `BEGIN TRANSACTION READ ONLY` with
//!      `SET LOCAL statement_timeout` and `lock_timeout`, always rolled back;
//!    - MySQL/MariaDB (`mysql`): one prepared statement inside `START TRANSACTION READ ONLY` with
//!      `max_execution_time` (MySQL) or `max_statement_time` (MariaDB), always rolled back;
//!    - Postgres and MySQL (`session`): the pooled session is reset after every call (advisory and
//!      named locks released, settings reset), or the connection is closed.
//! 3. Results are streamed and capped by rows and by bytes; truncation is reported.
//!
//! The real boundary is still a database role (or file permission) that can only read: see `docs/query-database.md`.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use switchboard_functions::builtin::query_database::{DatabaseConfig, Databases, QueryArgs};
//!
//! let dbs = Databases::new(vec![DatabaseConfig::sqlite("inventory", "/srv/inventory.db")?])?;
//! let out = dbs
//!     .query(QueryArgs {
//!         database: "inventory".into(),
//!         query: "SELECT name, qty FROM items ORDER BY name".into(),
//!         max_rows: Some(10),
//!     })
//!     .await?;
//! println!("{} rows, truncated: {}", out.row_count, out.truncated);
//! # Ok(())
//! # }
//! ```

mod collect;
mod config;
mod databases;
mod error;
mod functions;
#[cfg(test)]
mod guard_tests;
mod lexer;
mod mysql;
mod mysql_value;
mod output;
mod postgres;
mod postgres_value;
mod precheck;
#[cfg(test)]
mod precheck_tests;
mod redact;
#[cfg(test)]
mod reset_tests;
mod session;
mod sqlite;
mod token_rules;
mod tool;
mod value;

pub use self::config::{ConfigError, DatabaseConfig, Engine, Limits};
pub use self::databases::{DatabaseInfo, Databases};
pub use self::error::QueryError;
pub use self::output::{Column, QueryArgs, QueryOutput, TruncatedReason};
pub use self::tool::QueryDatabase;

/// Entry points for the fuzz targets in `crates/functions/fuzz` and the property tests; not a
/// stable API.
#[doc(hidden)]
pub mod fuzzing {
    use super::{Engine, QueryError};

    /// The pre-check alone: `Ok` when the query would be sent to the engine.
    pub fn precheck(engine: Engine, query: &str) -> Result<(), QueryError> {
        super::precheck::check(engine, query)
    }
}
