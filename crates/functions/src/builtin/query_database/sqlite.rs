//! The SQLite engine: a fresh read-only connection per query, guarded by flags, an authorizer and a deadline.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use rusqlite::hooks::{AuthAction, AuthContext, Authorization};
use rusqlite::limits::Limit;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, ErrorCode, OpenFlags, config::DbConfig};
use serde_json::Value;

use super::collect::{Collector, Flow, RunLimits};
use super::error::QueryError;
use super::output::{Column, QueryOutput};
use super::value;

/// How many SQLite VM instructions run between two deadline checks.
const PROGRESS_STEPS: i32 = 1000;

/// Longest SQL text SQLite accepts from the model.
const MAX_SQL_LEN: i32 = 100_000;

/// Smallest cap on one string or blob inside SQLite, whatever `max_bytes` is.
const MIN_VALUE_LEN: u64 = 1024 * 1024;

/// PRAGMAs the authorizer lets through (schema introspection, e.g. `pragma_table_info('t')`).
const ALLOWED_PRAGMAS: &[&str] = &[
    "table_info",
    "table_xinfo",
    "table_list",
    "index_list",
    "index_info",
    "index_xinfo",
    "foreign_key_list",
    "collation_list",
];

/// Functions the authorizer refuses (the pre-check refuses them too).
const DENIED_FUNCTIONS: &[&str] = &[
    "load_extension",
    "fts3_tokenizer",
    "readfile",
    "writefile",
    "edit",
    "fsdir",
    "zipfile",
];

/// One SQLite database file.
#[derive(Debug)]
pub(super) struct SqliteDb {
    name: String,
    path: PathBuf,
}

impl SqliteDb {
    pub(super) fn new(name: &str, path: &Path) -> Self {
        Self {
            name: name.to_owned(),
            path: path.to_owned(),
        }
    }

    /// Runs `sql` on a blocking thread.
    pub(super) async fn run(
        &self,
        sql: String,
        limits: RunLimits,
    ) -> Result<QueryOutput, QueryError> {
        let path = self.path.clone();
        let name = self.name.clone();
        crate::concurrency::spawn_blocking(move || run_blocking(&name, &path, &sql, limits))
            .await
            .map_err(|e| QueryError::Internal {
                message: format!("the SQLite worker failed: {e}"),
            })?
    }
}

fn run_blocking(
    name: &str,
    path: &Path,
    sql: &str,
    limits: RunLimits,
) -> Result<QueryOutput, QueryError> {
    let deadline = Instant::now() + limits.timeout;
    // The flag, not a `?mode=ro` URI: URI parsing is off, so the path is only ever a path.
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(|e| QueryError::Unavailable {
        database: name.to_owned(),
        // The code only: SQLite's open message names the file path.
        reason: format!(
            "the SQLite file could not be opened read-only ({:?})",
            e.sqlite_error_code().unwrap_or(ErrorCode::Unknown)
        ),
    })?;
    let denied = Arc::new(Mutex::new(None::<String>));
    harden(&conn, limits, deadline, Arc::clone(&denied)).map_err(|e| QueryError::Internal {
        message: format!(
            "could not set up the read-only SQLite connection: {}",
            short_error(&e)
        ),
    })?;

    let map_error = |e: rusqlite::Error| map_error(&e, &denied, limits, path);
    // rusqlite prepares the tail after the first statement and refuses anything there but
    // whitespace and comments (`Error::MultipleStatement`); the tail is never executed.
    let mut stmt = conn.prepare(sql).map_err(map_error)?;
    if !stmt.readonly() {
        return Err(QueryError::refused(
            "the statement would write to the database (SQLite reports it is not read-only)",
        ));
    }
    let columns: Vec<Column> = stmt
        .columns()
        .iter()
        .map(|c| Column {
            name: c.name().to_owned(),
            type_name: c.decl_type().map(str::to_owned),
        })
        .collect();
    let n = columns.len();
    let mut collector = Collector::new(limits);
    let mut rows = stmt.query([]).map_err(map_error)?;
    while let Some(row) = rows.next().map_err(map_error)? {
        let mut values = Vec::with_capacity(n);
        for i in 0..n {
            let v = row.get_ref(i).map_err(map_error)?;
            values.push(to_json(v));
        }
        if collector.push(values) == Flow::Stop {
            break;
        }
    }
    drop(rows);
    Ok(collector.finish(columns))
}

/// Every guard that does not depend on the statement.
fn harden(
    conn: &Connection,
    limits: RunLimits,
    deadline: Instant,
    denied: Arc<Mutex<Option<String>>>,
) -> rusqlite::Result<()> {
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_TRUSTED_SCHEMA, false)?;
    conn.pragma_update(None, "query_only", true)?;
    conn.busy_timeout(limits.timeout)?;
    let value_len = limits.max_bytes.max(MIN_VALUE_LEN).min(i32::MAX as u64) as i32;
    conn.set_limit(Limit::SQLITE_LIMIT_LENGTH, value_len)?;
    conn.set_limit(Limit::SQLITE_LIMIT_SQL_LENGTH, MAX_SQL_LEN)?;
    conn.set_limit(Limit::SQLITE_LIMIT_ATTACHED, 0)?;
    conn.progress_handler(PROGRESS_STEPS, Some(move || Instant::now() >= deadline))?;
    conn.authorizer(Some(move |ctx: AuthContext<'_>| {
        let verdict = authorize(&ctx.action);
        if let Err(what) = verdict {
            if let Ok(mut slot) = denied.lock() {
                slot.get_or_insert(what);
            }
            return Authorization::Deny;
        }
        Authorization::Allow
    }))?;
    Ok(())
}

/// The authorizer's rule: reads only. Returns what was denied.
fn authorize(action: &AuthAction<'_>) -> Result<(), String> {
    match action {
        AuthAction::Select | AuthAction::Read { .. } | AuthAction::Recursive => Ok(()),
        AuthAction::Function { function_name } => {
            let lower = function_name.to_ascii_lowercase();
            if DENIED_FUNCTIONS.contains(&lower.as_str()) {
                Err(format!("the function {lower}()"))
            } else {
                Ok(())
            }
        }
        AuthAction::Pragma {
            pragma_name,
            pragma_value,
        } => {
            let lower = pragma_name.to_ascii_lowercase();
            if ALLOWED_PRAGMAS.contains(&lower.as_str()) {
                Ok(())
            } else {
                let value = pragma_value.map(|v| format!(" = {v}")).unwrap_or_default();
                Err(format!("PRAGMA {lower}{value}"))
            }
        }
        AuthAction::Attach { .. } => Err("ATTACH".to_owned()),
        AuthAction::Detach { .. } => Err("DETACH".to_owned()),
        AuthAction::Transaction { .. } | AuthAction::Savepoint { .. } => {
            Err("transaction control".to_owned())
        }
        other => Err(format!("{other:?}")
            .split([' ', '{', '('])
            .next()
            .unwrap_or("a write")
            .to_owned()),
    }
}

fn map_error(
    e: &rusqlite::Error,
    denied: &Mutex<Option<String>>,
    limits: RunLimits,
    path: &Path,
) -> QueryError {
    if let rusqlite::Error::MultipleStatement = e {
        return QueryError::refused("found more than one statement; send exactly one query");
    }
    let code = e.sqlite_error_code();
    match code {
        Some(ErrorCode::AuthorizationForStatementDenied) => {
            let what = denied
                .lock()
                .ok()
                .and_then(|slot| slot.clone())
                .unwrap_or_else(|| "an action".to_owned());
            QueryError::refused(format!(
                "the SQLite authorizer denied {what}; only reads are allowed"
            ))
        }
        Some(ErrorCode::OperationInterrupted) => QueryError::Timeout {
            timeout_ms: limits.timeout_ms(),
        },
        Some(ErrorCode::ReadOnly) => QueryError::refused(format!(
            "the database is read-only ({})",
            without_path(&short_error(e), path)
        )),
        _ => {
            let message = without_path(&short_error(e), path);
            // Functions SQLite itself disables (load_extension) fail with this text.
            if message.starts_with("not authorized") {
                QueryError::refused(message)
            } else {
                QueryError::Database { message }
            }
        }
    }
}

/// `message` with the operator's file path (and its directory) replaced.
fn without_path(message: &str, path: &Path) -> String {
    let mut out = message.to_owned();
    for p in [Some(path), path.parent()].into_iter().flatten() {
        let shown = p.display().to_string();
        if shown.len() > 1 {
            out = out.replace(&shown, "[path]");
        }
    }
    out
}

/// The engine's message and code.
fn short_error(e: &rusqlite::Error) -> String {
    match e {
        rusqlite::Error::SqliteFailure(err, Some(msg)) => format!("{msg} ({:?})", err.code),
        rusqlite::Error::SqliteFailure(err, None) => format!("{:?}", err.code),
        other => other.to_string(),
    }
}

fn to_json(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::from(i),
        ValueRef::Real(f) => value::float(f),
        ValueRef::Text(t) => Value::String(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => value::bytes(b),
    }
}
