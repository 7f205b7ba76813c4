//! The pre-check's rules on the engine's own reading of the text (see `lexer`).
//!
//! These rules do not depend on sqlparser: whatever sqlparser makes of the text, every call the
//! server would make, every `INTO`, locking clause, assignment and extra statement is seen here,
//! because the tokens come from a lexer that reads comments and quotes exactly as the server does.
//! The parser-level rules (`precheck`) then check the structure of what sqlparser parsed.

use super::config::Engine;
use super::error::QueryError;
use super::functions;
use super::lexer::Token;

/// Words a query may start with.
const QUERY_STARTS: &[&str] = &["select", "with", "values", "table", "explain"];

/// Words that start a data-modifying statement (`insert(…)` is also a MySQL string function).
const MODIFYING: &[&str] = &["insert", "update", "delete", "merge", "truncate", "replace"];

fn word(token: Option<&Token>) -> Option<&str> {
    match token {
        Some(Token::Word(w)) => Some(w),
        _ => None,
    }
}

fn is_word(token: Option<&Token>, expected: &[&str]) -> bool {
    word(token).is_some_and(|w| expected.iter().any(|e| w.eq_ignore_ascii_case(e)))
}

/// Checks the lexed query: one statement that starts as a query, no `INTO`, locking clause,
/// assignment or data-modifying keyword, and only allowed functions.
pub(super) fn check(engine: Engine, tokens: &[Token]) -> Result<(), QueryError> {
    let Some(first) = tokens.first() else {
        return Err(QueryError::refused("the query is empty"));
    };
    if first != &Token::Punct('(') && !is_word(Some(first), QUERY_STARTS) {
        let shown = match first {
            Token::Word(w) => w.to_ascii_uppercase().chars().take(32).collect(),
            _ => "this".to_owned(),
        };
        return Err(QueryError::refused(format!(
            "only a read-only query (SELECT, WITH, VALUES, TABLE or EXPLAIN) is allowed; \
             {shown} statements are refused"
        )));
    }
    let explain = is_word(Some(first), &["explain"]);
    // Trailing semicolons end the one statement; any other one separates two.
    let last_code = tokens.iter().rposition(|t| t != &Token::Punct(';'));
    for (i, token) in tokens.iter().enumerate() {
        let next = tokens.get(i + 1);
        match token {
            Token::Punct(';') if last_code.is_some_and(|last| i < last) => {
                return Err(QueryError::refused(
                    "found more than one statement; send exactly one query",
                ));
            }
            Token::Assign => {
                return Err(QueryError::refused(
                    "variable assignment (`:=`) is not allowed",
                ));
            }
            Token::Punct('(') if i > 0 => check_call(engine, tokens, i)?,
            Token::Word(w) => check_word(w, next, explain)?,
            _ => {}
        }
    }
    Ok(())
}

fn check_word(w: &str, next: Option<&Token>, explain: bool) -> Result<(), QueryError> {
    let lower = w.to_ascii_lowercase();
    let locking = (lower == "for" && is_word(next, &["update", "share", "no", "key"]))
        || (lower == "lock" && is_word(next, &["in"]));
    if locking {
        return Err(QueryError::refused(
            "locking clauses (FOR UPDATE, FOR SHARE, LOCK IN SHARE MODE) are not allowed",
        ));
    }
    if lower == "into" {
        return Err(QueryError::refused(
            "SELECT … INTO is not allowed (it creates a table, sets variables or writes a file)",
        ));
    }
    if MODIFYING.contains(&lower.as_str()) && next != Some(&Token::Punct('(')) {
        return Err(QueryError::refused(format!(
            "data-modifying statements are not allowed, not even inside a query ({})",
            lower.to_ascii_uppercase()
        )));
    }
    if explain && (lower == "analyze" || lower == "analyse") {
        return Err(QueryError::refused(
            "EXPLAIN ANALYZE runs the statement; use EXPLAIN without ANALYZE",
        ));
    }
    Ok(())
}

/// Judges the name before the `(` at `open`, unless it is syntax (`IN (`, `OVER (`) or names
/// columns (`AS e(k, v)`, `FROM f() g(n)`, `WITH r(n) AS (…)`).
fn check_call(engine: Engine, tokens: &[Token], open: usize) -> Result<(), QueryError> {
    let name = match &tokens[open - 1] {
        Token::Word(w) if functions::is_keyword(w) => return Ok(()),
        Token::Word(w) => w.as_str(),
        Token::Ident(name) => name.as_str(),
        _ => return Ok(()),
    };
    functions::refuse_known_danger(name)?;
    if names_columns(tokens, open) {
        return Ok(());
    }
    let qualifier = match open.checked_sub(3).map(|q| (&tokens[q], &tokens[q + 1])) {
        Some((Token::Word(q) | Token::Ident(q), Token::Punct('.'))) => Some(q.as_str()),
        _ => None,
    };
    functions::judge(engine, qualifier, name)
}

/// True when the name before the `(` at `open` is an alias or a CTE name followed by its column
/// list: after `AS` or `)` (`AS e(k, v)`, `FROM f() g(n)`), or after `WITH`, `RECURSIVE` or `,`
/// when the matching `)` is followed by `AS (` or `AS [NOT] MATERIALIZED` (`WITH r(n) AS (…)`).
/// A call in any of those places would be a syntax error on every engine.
fn names_columns(tokens: &[Token], open: usize) -> bool {
    let before = open.checked_sub(2).map(|i| &tokens[i]);
    if before == Some(&Token::Punct(')')) || is_word(before, &["as"]) {
        return true;
    }
    let cte_position =
        before == Some(&Token::Punct(',')) || is_word(before, &["with", "recursive"]);
    if !cte_position {
        return false;
    }
    let mut depth = 0usize;
    let close = tokens[open..].iter().position(|t| {
        match t {
            Token::Punct('(') => depth += 1,
            Token::Punct(')') => depth -= 1,
            _ => {}
        }
        depth == 0
    });
    let Some(close) = close.map(|c| open + c) else {
        return false;
    };
    is_word(tokens.get(close + 1), &["as"])
        && (tokens.get(close + 2) == Some(&Token::Punct('('))
            || is_word(tokens.get(close + 2), &["materialized", "not"]))
}
