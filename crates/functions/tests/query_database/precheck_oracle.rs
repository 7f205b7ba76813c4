//! An independent reading of SQL text the way each server reads it, to judge the pre-check.
//!
//! Shared by the fuzz target `precheck` (crates/functions/fuzz) and the property test here. It is
//! written from the servers' lexer rules, not from the pre-check's code:
//! - MySQL/MariaDB: `--` is a comment only before a byte up to 0x20 or 0x7F (the end counts), `#`
//!   comments to `\n`, `/* */` does not nest and `/*!`, `/*M!`, `/*+` are code, strings in `'` and
//!   `"` take backslash escapes, bytes from 0x80 are identifier characters;
//! - Postgres: `--` comments end at `\n` or `\r`, `/* */` nests, `'…'` has no backslash escapes
//!   (`standard_conforming_strings`), `E'…'` has them, `$tag$…$tag$` quotes, bytes from 0x80 are
//!   identifier characters;
//! - SQLite: `--` comments end at `\n`, `/* */` does not nest (and may run to the end), `"`, `` ` ``
//!   and `[…]` quote identifiers, bytes from 0x80 are identifier characters.
//!
//! In Postgres `` ` `` is an operator character, not a quote.
//!
//! [`denied_constructs`] lists what the server would run that the pre-check must never let
//! through: calls of dangerous functions, `INTO`, locking clauses and `:=`.

use switchboard_functions::builtin::query_database::Engine;

/// Functions that must never be called by an accepted query, whatever else happens.
const DENIED: &[&str] = &[
    "sleep",
    "benchmark",
    "load_file",
    "get_lock",
    "release_all_locks",
    "pg_sleep",
    "pg_read_file",
    "pg_advisory_lock",
    "ts_stat",
    "ts_rewrite",
    "query_to_xml",
    "set_config",
    "lo_import",
    "dblink",
    "load_extension",
];

/// A function no allow-list has: a call of it must be refused too. After `AS` or `)` the servers
/// read `name(…)` as an alias with a column list, not a call.
const UNKNOWN: &str = "my_udf";

/// Pieces the generator puts together: comments, quotes, Unicode whitespace, calls, keywords.
const PIECES: &[&str] = &[
    "SELECT ",
    "a",
    " ",
    ",",
    "(",
    ")",
    "--",
    "-- ",
    "#",
    "/*",
    "*/",
    "/*!",
    "/*M!",
    "/*+",
    "'",
    "\"",
    "`",
    "\\",
    "\u{a0}",
    "\u{3000}",
    "\u{85}",
    "\u{2028}",
    "\r",
    "\n",
    "\t",
    "\u{b}",
    "\u{1}",
    "sleep(1)",
    "SLEEP",
    "LOAD_FILE('/etc/passwd')",
    "pg_read_file('/x')",
    "ts_stat('SELECT 1')",
    "GET_LOCK('x', 0)",
    "pg_advisory_lock(1)",
    "my_udf(",
    "lower(",
    "count(*)",
    "$$",
    "$a$",
    "E'",
    "e",
    "U&",
    "INTO",
    " OUTFILE '/tmp/x'",
    " FOR UPDATE",
    ":=",
    ":",
    "=",
    ";",
    " FROM t",
    " AS ",
    "x",
    "1",
    "'it''s'",
    "\\'",
    "[",
    "]",
    ".",
    "pg_catalog.",
    "evil.",
    " WHERE ",
    "-",
    "*",
    "/",
    "@",
    "`sleep`",
    "\"ts_stat\"",
];

/// Builds an engine and a query from fuzz bytes: the first byte picks the engine, each further
/// byte a piece (or, when the first byte's top bit is set, the rest is taken as raw text).
pub(crate) fn build_query(data: &[u8]) -> (Engine, String) {
    let Some((&first, rest)) = data.split_first() else {
        return (Engine::Postgres, String::new());
    };
    let engine = match first % 3 {
        0 => Engine::Postgres,
        1 => Engine::Mysql,
        _ => Engine::Sqlite,
    };
    if first & 0x80 != 0 {
        return (engine, String::from_utf8_lossy(rest).into_owned());
    }
    let mut sql = String::from(if first & 0x40 != 0 { "" } else { "SELECT " });
    for &b in rest {
        sql.push_str(PIECES[usize::from(b) % PIECES.len()]);
    }
    (engine, sql)
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    /// A name; `true` when it was quoted.
    Name(String, bool),
    Str,
    Punct(u8),
    /// An executable comment or hint: code the server runs or obeys.
    Executable,
}

/// What the server would run that no accepted query may contain.
pub(crate) fn denied_constructs(engine: Engine, sql: &str) -> Vec<String> {
    let tokens = read(engine, sql.as_bytes());
    let mut found = Vec::new();
    for (i, tok) in tokens.iter().enumerate() {
        let next = tokens.get(i + 1);
        match tok {
            Tok::Name(name, _) if next == Some(&Tok::Punct(b'(')) => {
                let lower = name.to_ascii_lowercase();
                let alias = i > 0
                    && match &tokens[i - 1] {
                        Tok::Punct(b')') => true,
                        Tok::Name(w, false) => w.eq_ignore_ascii_case("as"),
                        _ => false,
                    };
                if DENIED.contains(&lower.as_str()) || (lower == UNKNOWN && !alias) {
                    found.push(format!("a call of {lower}"));
                }
            }
            Tok::Name(name, false) if name.eq_ignore_ascii_case("into") => {
                found.push("INTO".to_owned());
            }
            Tok::Name(name, false) if name.eq_ignore_ascii_case("for") => {
                if matches!(next, Some(Tok::Name(n, false)) if n.eq_ignore_ascii_case("update")) {
                    found.push("FOR UPDATE".to_owned());
                }
            }
            Tok::Punct(b':') if next == Some(&Tok::Punct(b'=')) => found.push(":=".to_owned()),
            Tok::Executable => found.push("an executable comment".to_owned()),
            _ => {}
        }
    }
    found
}

/// Every engine here takes bytes from 0x80 (any non-ASCII character) into unquoted names.
fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

fn is_space(engine: Engine, b: u8) -> bool {
    // SQLite's whitespace lacks the vertical tab; MySQL's and Postgres's include it.
    matches!(b, b' ' | b'\t' | b'\n' | 0x0c | b'\r') || (b == 0x0b && engine != Engine::Sqlite)
}

/// Skips a `--` or `#` comment starting at `i`; returns the index after it.
fn line_comment(engine: Engine, s: &[u8], mut i: usize) -> usize {
    while i < s.len() {
        let end = match engine {
            Engine::Postgres => s[i] == b'\n' || s[i] == b'\r',
            _ => s[i] == b'\n',
        };
        if end {
            break;
        }
        i += 1;
    }
    i
}

/// Skips a `/* */` comment starting at `i`; returns the index after it (the end if unterminated).
fn block_comment(engine: Engine, s: &[u8], mut i: usize) -> usize {
    let mut depth = 0usize;
    while i < s.len() {
        if s[i..].starts_with(b"/*") && (depth == 0 || engine == Engine::Postgres) {
            depth += 1;
            i += 2;
        } else if s[i..].starts_with(b"*/") {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    s.len()
}

/// Skips a string or quoted name opened at `i` by `quote`; returns the index after it.
fn quoted(s: &[u8], mut i: usize, close: u8, backslash: bool) -> usize {
    i += 1;
    while i < s.len() {
        if backslash && s[i] == b'\\' {
            i += 2;
        } else if s[i] == close {
            if s.get(i + 1) == Some(&close) && close != b']' {
                i += 2;
            } else {
                return i + 1;
            }
        } else {
            i += 1;
        }
    }
    s.len()
}

fn read(engine: Engine, s: &[u8]) -> Vec<Tok> {
    let mysql = engine == Engine::Mysql;
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() {
        let b = s[i];
        let rest = &s[i..];
        if is_space(engine, b) {
            i += 1;
        } else if (mysql && b == b'#')
            || (rest.starts_with(b"--")
                && (!mysql || s.get(i + 2).is_none_or(|&c| c <= 0x20 || c == 0x7f)))
        {
            i = line_comment(engine, s, i);
        } else if rest.starts_with(b"/*") {
            let executable = mysql
                && (rest[2..].starts_with(b"!")
                    || rest[2..].starts_with(b"+")
                    || rest[2..].to_ascii_lowercase().starts_with(b"m!"));
            if executable {
                out.push(Tok::Executable);
                i += 2;
            } else {
                i = block_comment(engine, s, i);
            }
        } else if b == b'\'' || (mysql && b == b'"') {
            i = quoted(s, i, b, mysql);
            out.push(Tok::Str);
        } else if engine == Engine::Postgres && b == b'$' {
            let tag_len = rest[1..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_' || **c >= 0x80)
                .count();
            if rest.get(1 + tag_len) == Some(&b'$') && !rest[1].is_ascii_digit() {
                let tag = &rest[..tag_len + 2];
                let body = i + tag.len();
                i = s[body..]
                    .windows(tag.len())
                    .position(|w| w == tag)
                    .map_or(s.len(), |p| body + p + tag.len());
                out.push(Tok::Str);
            } else {
                out.push(Tok::Punct(b));
                i += 1;
            }
        } else if b == b'"'
            || (b == b'`' && engine != Engine::Postgres)
            || (b == b'[' && engine == Engine::Sqlite)
        {
            let close = if b == b'[' { b']' } else { b };
            let end = quoted(s, i, close, false);
            let inner = &s[i + 1..end.saturating_sub(1).max(i + 1)];
            let c = char::from(close);
            let name = String::from_utf8_lossy(inner).replace(&format!("{c}{c}"), &c.to_string());
            out.push(Tok::Name(name, true));
            i = end;
        } else if is_name_byte(b) {
            let start = i;
            while i < s.len() && is_name_byte(s[i]) {
                i += 1;
            }
            let word = &s[start..i];
            if engine == Engine::Postgres
                && word.eq_ignore_ascii_case(b"e")
                && s.get(i) == Some(&b'\'')
            {
                i = quoted(s, i, b'\'', true);
                out.push(Tok::Str);
            } else {
                out.push(Tok::Name(String::from_utf8_lossy(word).into_owned(), false));
            }
        } else {
            out.push(Tok::Punct(b));
            i += 1;
        }
    }
    out
}
