//! The configured set of databases: argument validation, the pre-check, and dispatch to the engine.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use schemars::JsonSchema;
use serde::Serialize;

use super::collect::RunLimits;
use super::config::{ConfigError, DatabaseConfig, Engine, Limits, Location};
use super::error::QueryError;
use super::mysql::MySqlDb;
use super::output::{QueryArgs, QueryOutput};
use super::postgres::PgDb;
use super::precheck;
use super::sqlite::SqliteDb;

/// Longest query text accepted, in bytes.
pub(super) const MAX_QUERY_BYTES: usize = 100_000;

/// Extra time the outer deadline allows over the engine's own timeout before giving up on it.
const GRACE: Duration = Duration::from_secs(1);

/// A database as the model may see it (no location, no credentials).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct DatabaseInfo {
    /// The name to pass as `database`.
    pub name: String,
    /// The engine, which decides the SQL dialect.
    pub engine: Engine,
    /// What the data is about, if the operator said.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[derive(Debug)]
enum Backend {
    Sqlite(SqliteDb),
    Postgres(PgDb),
    Mysql(MySqlDb),
}

#[derive(Debug)]
struct Entry {
    info: DatabaseInfo,
    limits: Limits,
    backend: Backend,
}

/// The databases the `query_database` tool may read, by name.
///
/// Connections to Postgres and MySQL are pooled and opened on first use; SQLite files are opened
/// read-only for each query.
#[derive(Debug)]
pub struct Databases {
    entries: BTreeMap<String, Entry>,
}

impl Databases {
    /// Checks names (unique, `[A-Za-z0-9_-]{1,64}`), limits and URLs, and builds the set.
    ///
    /// No connection is made here; an unreachable database is reported by the first query.
    pub fn new(configs: impl IntoIterator<Item = DatabaseConfig>) -> Result<Self, ConfigError> {
        let mut entries = BTreeMap::new();
        for config in configs {
            super::config::validate_name(config.name())?;
            config.validate_limits()?;
            if entries.contains_key(config.name()) {
                return Err(ConfigError::DuplicateName {
                    name: config.name().to_owned(),
                });
            }
            let name = config.name().to_owned();
            let limits = config.limits();
            let invalid_url = |url: String, reason: String| ConfigError::InvalidUrl {
                name: name.clone(),
                url,
                reason,
            };
            let backend = match config.location() {
                Location::Sqlite(path) => Backend::Sqlite(SqliteDb::new(&name, path)),
                Location::Postgres(url) => Backend::Postgres(
                    PgDb::new(
                        &name,
                        url,
                        config.max_connections(),
                        config.allow_privileged_role(),
                        run_limits(limits, None),
                    )
                    .map_err(|reason| invalid_url(url.redacted(), reason))?,
                ),
                Location::Mysql(url) => Backend::Mysql(
                    MySqlDb::new(
                        &name,
                        url,
                        config.max_connections(),
                        config.allow_privileged_role(),
                    )
                    .map_err(|reason| invalid_url(url.redacted(), reason))?,
                ),
            };
            let info = DatabaseInfo {
                name: name.clone(),
                engine: config.engine(),
                description: config.description().map(str::to_owned),
            };
            entries.insert(
                name,
                Entry {
                    info,
                    limits,
                    backend,
                },
            );
        }
        Ok(Self { entries })
    }

    /// The configured databases, sorted by name.
    pub fn list(&self) -> Vec<DatabaseInfo> {
        self.entries.values().map(|e| e.info.clone()).collect()
    }

    /// A tool description naming every database, its engine and description.
    pub fn tool_description(&self) -> String {
        let mut out = String::from(
            "Run one read-only SQL query (SELECT, WITH, VALUES or EXPLAIN) on a configured database \
             and get columns and rows as JSON. Writes, DDL, SET, locking clauses and side-effect \
             functions are refused; results are capped in rows and bytes. To find tables, query \
             information_schema.tables (Postgres, MySQL) or sqlite_master (SQLite). Databases:",
        );
        for e in self.entries.values() {
            let _ = write!(out, "\n- {} ({})", e.info.name, e.info.engine);
            if let Some(d) = &e.info.description {
                let _ = write!(out, ": {d}");
            }
        }
        out
    }

    /// Runs one read-only query.
    ///
    /// The query is checked (one statement, a query, no side-effect functions), then run by the engine
    /// under its read-only guards, the row and byte caps and the timeout.
    pub async fn query(&self, args: QueryArgs) -> Result<QueryOutput, QueryError> {
        let entry = self.entries.get(&args.database).ok_or_else(|| {
            if args.database.is_empty() {
                return QueryError::InvalidArgument {
                    pointer: "/database",
                    reason: "the database name is empty".to_owned(),
                };
            }
            QueryError::UnknownDatabase {
                name: args.database.chars().take(80).collect(),
                available: self
                    .entries
                    .keys()
                    .map(String::as_str)
                    .collect::<Vec<_>>()
                    .join(", "),
            }
        })?;
        if args.query.trim().is_empty() {
            return Err(QueryError::InvalidArgument {
                pointer: "/query",
                reason: "the query is empty".to_owned(),
            });
        }
        if args.query.len() > MAX_QUERY_BYTES {
            return Err(QueryError::InvalidArgument {
                pointer: "/query",
                reason: format!(
                    "the query is {} bytes; the limit is {MAX_QUERY_BYTES}",
                    args.query.len()
                ),
            });
        }
        if args.query.contains('\0') {
            return Err(QueryError::InvalidArgument {
                pointer: "/query",
                reason: "the query contains a NUL character".to_owned(),
            });
        }
        if args.max_rows == Some(0) {
            return Err(QueryError::InvalidArgument {
                pointer: "/max_rows",
                reason: "must be at least 1".to_owned(),
            });
        }
        let limits = run_limits(entry.limits, args.max_rows);
        precheck::check(entry.info.engine, &args.query)?;

        let run = async {
            match &entry.backend {
                Backend::Sqlite(db) => db.run(args.query, limits).await,
                Backend::Postgres(db) => db.run(args.query, limits).await,
                Backend::Mysql(db) => db.run(args.query, limits).await,
            }
        };
        // The engines stop themselves at the timeout; this outer deadline only covers an engine
        // that does not answer at all (a hung connection).
        tokio::time::timeout(limits.timeout + GRACE, run)
            .await
            .unwrap_or(Err(QueryError::Timeout {
                timeout_ms: limits.timeout_ms(),
            }))
    }
}

fn run_limits(limits: Limits, requested_rows: Option<u32>) -> RunLimits {
    RunLimits {
        max_rows: requested_rows.map_or(limits.max_rows, |n| n.min(limits.max_rows)),
        max_bytes: limits.max_bytes,
        timeout: limits.timeout,
    }
}
