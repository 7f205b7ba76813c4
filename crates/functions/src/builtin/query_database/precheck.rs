//! The parser-level pre-check: exactly one read-only query, no side-effect functions.
//!
//! This is a filter in front of the engine guards (read-only transaction or connection), never a
//! replacement: a dialect difference between sqlparser and the server can let something through, and
//! anything sqlparser cannot parse is refused (fail closed).

use std::ops::ControlFlow;

use sqlparser::ast::{
    BinaryOperator, Expr, ObjectName, Query, SetExpr, Statement, TableFactor, Visit, Visitor,
};
use sqlparser::dialect::{Dialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect};
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, Tokenizer, Whitespace};

use super::config::Engine;
use super::error::QueryError;

/// Deepest nesting the parser accepts (sqlparser's default is 50).
const RECURSION_LIMIT: usize = 64;

/// Functions refused by exact (lower-case, unqualified) name.
const DENIED_FUNCTIONS: &[&str] = &[
    // Sleeping ties up a connection; the timeout would stop it, but there is no honest use.
    "pg_sleep",
    "pg_sleep_for",
    "pg_sleep_until",
    "sleep",
    "benchmark",
    // Server files.
    "pg_stat_file",
    "pg_logdir_ls",
    "load_file",
    "readfile",
    "writefile",
    "edit",
    "fsdir",
    "zipfile",
    // Settings and server administration.
    "set_config",
    "pg_reload_conf",
    "pg_rotate_logfile",
    "pg_terminate_backend",
    "pg_cancel_backend",
    "pg_switch_wal",
    "pg_promote",
    "pg_log_backend_memory_contexts",
    "pg_import_system_collations",
    "pg_backup_start",
    "pg_backup_stop",
    "pg_start_backup",
    "pg_stop_backup",
    "pg_wal_replay_pause",
    "pg_wal_replay_resume",
    "pg_logical_emit_message",
    "pg_notify",
    // Sequences.
    "nextval",
    "setval",
    // Functions that run a query given as a string, out of this check's sight.
    "query_to_xml",
    "query_to_xmlschema",
    "query_to_xml_and_xmlschema",
    "cursor_to_xml",
    "cursor_to_xmlschema",
    // Locks that outlive the transaction (MySQL/MariaDB).
    "get_lock",
    "release_lock",
    "release_all_locks",
    "master_pos_wait",
    "source_pos_wait",
    "master_gtid_wait",
    "wait_for_executed_gtid_set",
    "wait_until_sql_thread_after_gtids",
    // Common UDFs that run shell commands.
    "sys_exec",
    "sys_eval",
    // SQLite.
    "load_extension",
    "fts3_tokenizer",
    // HTTP from the database (pgsql-http).
    "http",
];

/// Functions refused by name prefix.
const DENIED_PREFIXES: &[&str] = &[
    "pg_read_",
    "pg_ls_",
    "pg_file_",
    "pg_advisory_",
    "pg_try_advisory_",
    "pg_stat_reset",
    "pg_create_",
    "pg_drop_",
    "pg_replication_origin_",
    "pg_background",
    "lo_",
    "dblink",
    "http_",
];

/// Checks that `sql` is exactly one read-only query for `engine`.
pub(super) fn check(engine: Engine, sql: &str) -> Result<(), QueryError> {
    let dialect: &dyn Dialect = match engine {
        Engine::Sqlite => &SQLiteDialect {},
        Engine::Postgres => &PostgreSqlDialect {},
        Engine::Mysql => &MySqlDialect {},
    };
    refuse_token_tricks(engine, dialect, sql)?;
    let statements = Parser::new(dialect)
        .with_recursion_limit(RECURSION_LIMIT)
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_statements())
        .map_err(|e| {
            QueryError::refused(format!(
                "the query could not be parsed as a single read-only query ({e})"
            ))
        })?;
    let statement = match statements.as_slice() {
        [] => return Err(QueryError::refused("the query is empty")),
        [one] => one,
        many => {
            return Err(QueryError::refused(format!(
                "found {} statements; send exactly one query",
                many.len()
            )));
        }
    };
    check_top_level(statement)?;
    let mut walker = Walker { top: true };
    match statement.visit(&mut walker) {
        ControlFlow::Break(err) => Err(err),
        ControlFlow::Continue(()) => Ok(()),
    }
}

/// Refuses what sqlparser reads differently from the server, so that nothing hides from the checks:
/// - Postgres `U&"…"` identifiers, read by sqlparser as `U & "…"`: `U&"pg\005fread_file"` would slip
///   past the function deny-list while Postgres calls `pg_read_file`;
/// - MySQL/MariaDB executable comments (`/*! … */` left unparsed, MariaDB's `/*M! … */`) and optimizer
///   hints (`/*+ … */`), which the server runs or obeys and sqlparser skips as comments.
fn refuse_token_tricks(engine: Engine, dialect: &dyn Dialect, sql: &str) -> Result<(), QueryError> {
    let Ok(tokens) = Tokenizer::new(dialect, sql).tokenize() else {
        // The parser reports the same error with more context.
        return Ok(());
    };
    let escaped = tokens.windows(3).any(|w| match w {
        [Token::Word(u), Token::Ampersand, Token::Word(quoted)] => {
            u.quote_style.is_none()
                && u.value.eq_ignore_ascii_case("u")
                && quoted.quote_style.is_some()
        }
        _ => false,
    });
    if escaped {
        return Err(QueryError::refused(
            "Unicode-escaped identifiers (U&\"…\") are not allowed; write the name plainly",
        ));
    }
    if engine == Engine::Mysql {
        let executable = tokens.iter().any(|t| match t {
            Token::Whitespace(Whitespace::MultiLineComment(c)) => {
                let c = c.trim_start();
                c.starts_with('!')
                    || c.starts_with('+')
                    || c.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("m!"))
            }
            _ => false,
        });
        if executable {
            return Err(QueryError::refused(
                "executable comments (/*! … */, /*M! … */) and optimizer hints (/*+ … */) are not allowed",
            ));
        }
    }
    Ok(())
}

fn check_top_level(statement: &Statement) -> Result<(), QueryError> {
    match statement {
        Statement::Query(_) => Ok(()),
        Statement::Explain {
            analyze,
            options,
            statement,
            ..
        } => {
            let analyze_option = options.iter().flatten().any(|o| {
                let name = o.name.value.to_ascii_lowercase();
                name == "analyze" || name == "analyse"
            });
            if *analyze || analyze_option {
                return Err(QueryError::refused(
                    "EXPLAIN ANALYZE runs the statement; use EXPLAIN without ANALYZE",
                ));
            }
            match **statement {
                Statement::Query(_) => Ok(()),
                ref other => Err(not_a_query(other)),
            }
        }
        other => Err(not_a_query(other)),
    }
}

fn not_a_query(statement: &Statement) -> QueryError {
    let text = statement.to_string();
    let keyword: String = text
        .split_whitespace()
        .next()
        .unwrap_or("this")
        .chars()
        .take(32)
        .collect();
    QueryError::refused(format!(
        "only a read-only query (SELECT, WITH, VALUES or EXPLAIN) is allowed; {} statements are refused",
        keyword.to_ascii_uppercase()
    ))
}

/// Walks every nested statement, query, expression and table factor.
struct Walker {
    top: bool,
}

impl Visitor for Walker {
    type Break = QueryError;

    fn pre_visit_statement(&mut self, statement: &Statement) -> ControlFlow<QueryError> {
        let top = std::mem::replace(&mut self.top, false);
        match statement {
            Statement::Query(_) => ControlFlow::Continue(()),
            Statement::Explain { .. } if top => ControlFlow::Continue(()),
            other => ControlFlow::Break(QueryError::refused(format!(
                "the query contains a data-modifying or non-query statement ({})",
                first_word(&other.to_string())
            ))),
        }
    }

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<QueryError> {
        if !query.locks.is_empty() {
            return ControlFlow::Break(QueryError::refused(
                "locking clauses (FOR UPDATE, FOR SHARE, …) are not allowed",
            ));
        }
        match check_set_expr(&query.body) {
            Ok(()) => ControlFlow::Continue(()),
            Err(e) => ControlFlow::Break(e),
        }
    }

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<QueryError> {
        match expr {
            Expr::Function(f) => check_function(&f.name),
            Expr::BinaryOp {
                op: BinaryOperator::Assignment,
                ..
            } => ControlFlow::Break(QueryError::refused(
                "variable assignment (`:=`) is not allowed",
            )),
            _ => ControlFlow::Continue(()),
        }
    }

    fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<QueryError> {
        match factor {
            TableFactor::Table {
                name,
                args: Some(_),
                ..
            }
            | TableFactor::Function { name, .. } => check_function(name),
            _ => ControlFlow::Continue(()),
        }
    }
}

fn check_set_expr(body: &SetExpr) -> Result<(), QueryError> {
    match body {
        SetExpr::Select(select) => {
            if select.into.is_some() {
                return Err(QueryError::refused(
                    "SELECT … INTO is not allowed (it creates a table or writes variables)",
                ));
            }
            Ok(())
        }
        SetExpr::SetOperation { left, right, .. } => {
            check_set_expr(left)?;
            check_set_expr(right)
        }
        SetExpr::Insert(_) | SetExpr::Update(_) | SetExpr::Delete(_) | SetExpr::Merge(_) => Err(
            QueryError::refused("data-modifying statements inside a query are not allowed"),
        ),
        // Nested queries are visited on their own; VALUES and TABLE only read.
        _ => Ok(()),
    }
}

fn check_function(name: &ObjectName) -> ControlFlow<QueryError> {
    let Some(last) = name.0.last() else {
        return ControlFlow::Continue(());
    };
    let Some(ident) = last.as_ident() else {
        return ControlFlow::Break(QueryError::refused(format!(
            "computed function names are not allowed ({name})"
        )));
    };
    let lower = ident.value.to_ascii_lowercase();
    let plain = lower
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
    if !plain {
        return ControlFlow::Break(QueryError::refused(format!(
            "function names with unusual characters are not allowed ({})",
            lower.chars().take(64).collect::<String>()
        )));
    }
    if DENIED_FUNCTIONS.contains(&lower.as_str())
        || DENIED_PREFIXES.iter().any(|p| lower.starts_with(p))
    {
        return ControlFlow::Break(QueryError::refused(format!(
            "the function {lower}() has side effects or reads server files and is not allowed"
        )));
    }
    ControlFlow::Continue(())
}

fn first_word(text: &str) -> String {
    text.split_whitespace()
        .next()
        .unwrap_or("")
        .chars()
        .take(32)
        .collect::<String>()
        .to_ascii_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(engine: Engine, sql: &str) -> bool {
        check(engine, sql).is_err()
    }

    #[test]
    fn plain_queries_pass() {
        for (engine, sql) in [
            (Engine::Postgres, "SELECT 1"),
            (
                Engine::Postgres,
                "WITH x AS (SELECT 1 AS a) SELECT a FROM x;",
            ),
            (Engine::Postgres, "VALUES (1), (2)"),
            (Engine::Postgres, "EXPLAIN SELECT * FROM t"),
            (Engine::Postgres, "SELECT * FROM generate_series(1, 3)"),
            (Engine::Mysql, "SELECT `a` FROM t WHERE b = 'x' LIMIT 3"),
            (
                Engine::Sqlite,
                "SELECT name FROM sqlite_master WHERE type = 'table'",
            ),
            (Engine::Sqlite, "select 1 -- trailing comment"),
        ] {
            assert_eq!(check(engine, sql), Ok(()), "{sql}");
        }
    }

    #[test]
    fn writes_and_side_effects_are_refused() {
        for (engine, sql) in [
            (Engine::Postgres, "INSERT INTO t VALUES (1)"),
            (Engine::Postgres, "SELECT 1; SELECT 2"),
            (Engine::Postgres, "COMMIT; INSERT INTO t VALUES (1)"),
            (
                Engine::Postgres,
                "WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d",
            ),
            (Engine::Postgres, "SELECT * INTO t2 FROM t"),
            (Engine::Postgres, "SELECT * FROM t FOR UPDATE"),
            (Engine::Postgres, "SELECT * FROM t FOR SHARE SKIP LOCKED"),
            (
                Engine::Postgres,
                "SELECT pg_catalog.set_config('a', 'b', false)",
            ),
            (
                Engine::Postgres,
                "SELECT * FROM pg_read_file('/etc/passwd')",
            ),
            (Engine::Postgres, "SELECT (SELECT pg_sleep(10))"),
            (Engine::Postgres, "SELECT PG_ADVISORY_LOCK(1)"),
            (Engine::Postgres, "SELECT \"lo_import\"('/etc/passwd')"),
            (Engine::Postgres, "EXPLAIN ANALYZE SELECT 1"),
            (Engine::Postgres, "EXPLAIN (ANALYZE) SELECT 1"),
            (Engine::Postgres, "EXPLAIN DELETE FROM t"),
            (Engine::Postgres, "SET statement_timeout = 0"),
            (Engine::Postgres, "COPY t TO PROGRAM 'id'"),
            (
                Engine::Postgres,
                "SELECT query_to_xml('delete from t', true, true, '')",
            ),
            (Engine::Mysql, "SELECT @a := 1"),
            (Engine::Mysql, "SELECT 1 /*M!, SLEEP(3) */"),
            (Engine::Mysql, "SELECT 1 /*!50000 , SLEEP(3) */"),
            (Engine::Mysql, "SELECT /*+ MAX_EXECUTION_TIME(0) */ 1"),
            (Engine::Mysql, "SELECT LOAD_FILE('/etc/passwd')"),
            (Engine::Mysql, "SELECT * FROM t INTO OUTFILE '/tmp/x'"),
            (Engine::Mysql, "DO SLEEP(5)"),
            (Engine::Sqlite, "VACUUM INTO '/tmp/x.db'"),
            (Engine::Sqlite, "ATTACH 'x.db' AS x"),
            (Engine::Sqlite, "PRAGMA query_only = 0"),
            (Engine::Sqlite, "SELECT load_extension('x')"),
            (Engine::Sqlite, ""),
            (Engine::Sqlite, "  ;  "),
        ] {
            assert!(refused(engine, sql), "{engine}: {sql} was accepted");
        }
    }
}
