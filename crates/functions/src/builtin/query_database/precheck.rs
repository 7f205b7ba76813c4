//! The pre-check: exactly one read-only query that calls only known-safe functions.
//!
//! One policy, three stages, each engine's differences held as data in the stage it concerns:
//! 1. `lexer` reads comments, quotes and whitespace exactly as the engine does, and refuses what it
//!    cannot read that way (non-ASCII outside quotes, MySQL `--x`, executable comments, …);
//! 2. `token_rules` judges those tokens: one statement starting as a query, no `INTO`, locking
//!    clause, assignment or data-modifying keyword, and every call on the engine's allow-list
//!    (`functions`);
//! 3. sqlparser, in the engine's dialect, must parse exactly one query (fail closed), and the walk
//!    of its tree refuses data-modifying CTEs, `SELECT … INTO`, locking clauses, assignments and
//!    calls off the allow-list again.
//!
//! Stage 2 does not trust sqlparser's reading of the text, and stage 3 does not trust the token
//! view's understanding of structure. Still a filter in front of the engine guards (read-only
//! transaction or connection, session reset), never a replacement for a read-only role.

use std::ops::ControlFlow;

use sqlparser::ast::{
    BinaryOperator, Expr, ObjectName, Query, SetExpr, Statement, TableFactor, Visit, Visitor,
};
use sqlparser::dialect::{Dialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect};
use sqlparser::parser::Parser;

use super::config::Engine;
use super::error::QueryError;
use super::{functions, lexer, token_rules};

/// Deepest nesting the parser accepts (sqlparser's default is 50).
const RECURSION_LIMIT: usize = 64;

/// Checks that `sql` is exactly one read-only query for `engine`.
pub(super) fn check(engine: Engine, sql: &str) -> Result<(), QueryError> {
    let dialect: &dyn Dialect = match engine {
        Engine::Sqlite => &SQLiteDialect {},
        Engine::Postgres => &PostgreSqlDialect {},
        Engine::Mysql => &MySqlDialect {},
    };
    let tokens = lexer::lex(engine, sql).map_err(QueryError::refused)?;
    token_rules::check(engine, &tokens)?;
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
    let mut walker = Walker { engine, top: true };
    match statement.visit(&mut walker) {
        ControlFlow::Break(err) => Err(err),
        ControlFlow::Continue(()) => Ok(()),
    }
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
    engine: Engine,
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
            Expr::Function(f) => check_function(self.engine, &f.name),
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
            | TableFactor::Function { name, .. } => check_function(self.engine, name),
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

fn check_function(engine: Engine, name: &ObjectName) -> ControlFlow<QueryError> {
    let mut parts = name.0.iter().rev();
    let Some(last) = parts.next() else {
        return ControlFlow::Continue(());
    };
    let Some(ident) = last.as_ident() else {
        return ControlFlow::Break(QueryError::refused(format!(
            "computed function names are not allowed ({name})"
        )));
    };
    let qualifier = parts.next().map(|q| {
        q.as_ident()
            .map_or_else(|| q.to_string(), |i| i.value.clone())
    });
    match functions::judge(engine, qualifier.as_deref(), &ident.value) {
        Ok(()) => ControlFlow::Continue(()),
        Err(e) => ControlFlow::Break(e),
    }
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
