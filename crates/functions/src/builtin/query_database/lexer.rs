//! A lexer that reads comments, quotes and whitespace the way each server does.
//!
//! The pre-check's verdict is only as good as its reading of the text: if it takes for a comment or
//! a string what the server runs as code, a function call can hide from it. sqlparser's tokenizer
//! is general-purpose and differs from the servers in small ways (it treats `--` followed by any
//! Unicode whitespace as a MySQL comment; MariaDB needs an ASCII space or control byte). This lexer
//! follows each server's own rules, written as data in [`Rules`], and refuses whatever it cannot
//! read the server's way:
//! - any non-ASCII character outside strings, quoted identifiers and comments (the servers disagree
//!   on which of them are whitespace or identifier characters);
//! - ASCII control characters other than tab, line feed and carriage return outside those;
//! - backslashes outside strings, unterminated strings, identifiers and comments;
//! - MySQL `--` not followed by a space, tab or line break (`1--1` is arithmetic there);
//! - MySQL executable comments and optimizer hints (`/*! */`, `/*M! */`, `/*+ */`), which the server
//!   runs or obeys;
//! - Postgres Unicode-escape strings and identifiers (`U&'…'`, `U&"…"`) and unknown `$` forms.
//!
//! The result keeps only what the server treats as code: words, quoted identifiers, strings
//! (content dropped) and punctuation.

use super::config::Engine;

/// One piece of code, as the server sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Token {
    /// An unquoted run of `[A-Za-z0-9_$]`: a keyword, a name or a number, as written.
    Word(String),
    /// A quoted identifier, without its quotes.
    Ident(String),
    /// A string literal (its content is data, never code).
    Str,
    /// `:=`, the assignment operator (MySQL variables, Postgres named arguments).
    Assign,
    /// Any other single punctuation character.
    Punct(char),
}

/// How one engine reads comments and quotes.
#[derive(Debug, Clone, Copy)]
struct Rules {
    /// `#` starts a comment to the end of the line (MySQL).
    hash_comment: bool,
    /// `--` starts a comment only before a space, tab or line break (MySQL); otherwise always.
    dash_comment_needs_space: bool,
    /// Characters that end a `--` comment.
    line_ends: &'static [u8],
    /// `/* */` comments nest (Postgres).
    nested_block_comments: bool,
    /// `/*!`, `/*M!` and `/*+` comments are code or hints (MySQL, MariaDB).
    executable_comments: bool,
    /// A backslash escapes the next character in every string (MySQL without `NO_BACKSLASH_ESCAPES`,
    /// which the engine removes from the session's `sql_mode`).
    backslash_strings: bool,
    /// `"…"` is a string (MySQL without `ANSI_QUOTES`); otherwise a quoted identifier.
    double_quote_is_string: bool,
    /// `` `…` `` is a quoted identifier (MySQL, SQLite).
    backtick_ident: bool,
    /// `[…]` is a quoted identifier (SQLite).
    bracket_ident: bool,
    /// Postgres forms: `$tag$…$tag$`, `E'…'` with backslash escapes, `$1`; `$` cannot start a word.
    postgres_forms: bool,
}

const POSTGRES: Rules = Rules {
    hash_comment: false,
    dash_comment_needs_space: false,
    // The Postgres scanner ends a `--` comment at either byte.
    line_ends: b"\n\r",
    nested_block_comments: true,
    executable_comments: false,
    // `standard_conforming_strings` is forced on per session and per transaction.
    backslash_strings: false,
    double_quote_is_string: false,
    backtick_ident: false,
    bracket_ident: false,
    postgres_forms: true,
};

const MYSQL: Rules = Rules {
    hash_comment: true,
    dash_comment_needs_space: true,
    line_ends: b"\n",
    nested_block_comments: false,
    executable_comments: true,
    backslash_strings: true,
    double_quote_is_string: true,
    backtick_ident: true,
    bracket_ident: false,
    postgres_forms: false,
};

const SQLITE: Rules = Rules {
    hash_comment: false,
    dash_comment_needs_space: false,
    line_ends: b"\n",
    nested_block_comments: false,
    executable_comments: false,
    backslash_strings: false,
    double_quote_is_string: false,
    backtick_ident: true,
    bracket_ident: true,
    postgres_forms: false,
};

fn rules(engine: Engine) -> Rules {
    match engine {
        Engine::Postgres => POSTGRES,
        Engine::Mysql => MYSQL,
        Engine::Sqlite => SQLITE,
    }
}

/// Splits `sql` into the tokens `engine` would run, or says why it cannot read it the engine's way.
pub(super) fn lex(engine: Engine, sql: &str) -> Result<Vec<Token>, String> {
    Lexer {
        rules: rules(engine),
        src: sql.as_bytes(),
        sql,
        pos: 0,
        tokens: Vec::new(),
    }
    .run()
}

struct Lexer<'a> {
    rules: Rules,
    src: &'a [u8],
    sql: &'a str,
    pos: usize,
    tokens: Vec<Token>,
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$'
}

impl Lexer<'_> {
    fn peek(&self, ahead: usize) -> Option<u8> {
        self.src.get(self.pos + ahead).copied()
    }

    fn run(mut self) -> Result<Vec<Token>, String> {
        while let Some(b) = self.peek(0) {
            match b {
                b' ' | b'\t' | b'\n' | b'\r' => self.pos += 1,
                b'-' if self.peek(1) == Some(b'-') => self.dash_comment()?,
                b'#' if self.rules.hash_comment => self.skip_line(),
                b'/' if self.peek(1) == Some(b'*') => self.block_comment()?,
                b'\'' => self.string(b'\'', self.rules.backslash_strings)?,
                b'"' if self.rules.double_quote_is_string => {
                    self.string(b'"', self.rules.backslash_strings)?;
                }
                b'"' => self.quoted_ident(b'"', b'"')?,
                b'`' if self.rules.backtick_ident => self.quoted_ident(b'`', b'`')?,
                b'[' if self.rules.bracket_ident => self.quoted_ident(b'[', b']')?,
                b'$' if self.rules.postgres_forms => self.dollar()?,
                b':' if self.peek(1) == Some(b'=') => {
                    self.pos += 2;
                    self.tokens.push(Token::Assign);
                }
                b'\\' => return Err(self.refusal("a backslash outside a string")),
                _ if is_word_byte(b) => self.word()?,
                0x21..=0x7e => {
                    self.pos += 1;
                    self.tokens.push(Token::Punct(char::from(b)));
                }
                _ => return Err(self.unreadable_char()),
            }
        }
        Ok(self.tokens)
    }

    fn refusal(&self, what: &str) -> String {
        format!("{what} at byte {} is not allowed", self.pos)
    }

    fn unreadable_char(&self) -> String {
        let c = self.sql[self.pos..].chars().next().unwrap_or('\u{fffd}');
        if c.is_ascii() {
            format!(
                "the control character U+{:04X} at byte {} is not allowed outside a quoted string; \
                 use spaces, tabs and line breaks only",
                u32::from(c),
                self.pos
            )
        } else {
            format!(
                "the non-ASCII character U+{:04X} at byte {} is not allowed outside quoted strings, \
                 quoted identifiers and comments (servers disagree on whether such characters are \
                 whitespace); remove it, or quote the string or name that contains it",
                u32::from(c),
                self.pos
            )
        }
    }

    fn dash_comment(&mut self) -> Result<(), String> {
        if self.rules.dash_comment_needs_space
            && !matches!(self.peek(2), None | Some(b' ' | b'\t' | b'\n' | b'\r'))
        {
            return Err(self.refusal(
                "`--` not followed by a space (MySQL reads it as two minus signs, not a comment); \
                 write `-- ` for a comment or `- -` for double negation;",
            ));
        }
        self.skip_line();
        Ok(())
    }

    fn skip_line(&mut self) {
        while let Some(b) = self.peek(0) {
            if self.rules.line_ends.contains(&b) {
                return;
            }
            self.pos += 1;
        }
    }

    fn block_comment(&mut self) -> Result<(), String> {
        let start = self.pos;
        if self.rules.executable_comments {
            let body = &self.src[start + 2..];
            let executable = body.starts_with(b"!")
                || body.starts_with(b"+")
                || body.get(..2).is_some_and(|p| p.eq_ignore_ascii_case(b"m!"));
            if executable {
                return Err(self.refusal(
                    "an executable comment or optimizer hint (/*! … */, /*M! … */, /*+ … */), \
                     which the server runs or obeys,",
                ));
            }
        }
        self.pos += 2;
        let mut depth = 1usize;
        while depth > 0 {
            match (self.peek(0), self.peek(1)) {
                (None, _) => {
                    self.pos = start;
                    return Err(self.refusal("an unterminated /* comment"));
                }
                (Some(b'*'), Some(b'/')) => {
                    depth -= 1;
                    self.pos += 2;
                }
                (Some(b'/'), Some(b'*')) if self.rules.nested_block_comments => {
                    depth += 1;
                    self.pos += 2;
                }
                _ => self.pos += 1,
            }
        }
        Ok(())
    }

    /// A string closed by `quote`; a doubled quote is one quote, and with `backslash` a backslash
    /// escapes the next byte.
    fn string(&mut self, quote: u8, backslash: bool) -> Result<(), String> {
        let start = self.pos;
        self.pos += 1;
        loop {
            match self.peek(0) {
                None => {
                    self.pos = start;
                    return Err(self.refusal("an unterminated string"));
                }
                Some(b'\\') if backslash => self.pos += 2,
                Some(b) if b == quote => {
                    if self.peek(1) == Some(quote) {
                        self.pos += 2;
                    } else {
                        self.pos += 1;
                        break;
                    }
                }
                Some(_) => self.pos += 1,
            }
        }
        self.tokens.push(Token::Str);
        Ok(())
    }

    fn quoted_ident(&mut self, open: u8, close: u8) -> Result<(), String> {
        let start = self.pos;
        self.pos += 1;
        let mut name = Vec::new();
        loop {
            match self.peek(0) {
                None => {
                    self.pos = start;
                    return Err(self.refusal("an unterminated quoted identifier"));
                }
                // `[…]` has no escape; `"…"` and `` `…` `` double the quote.
                Some(b) if b == close && open != close => {
                    self.pos += 1;
                    break;
                }
                Some(b) if b == close => {
                    if self.peek(1) == Some(close) {
                        name.push(close);
                        self.pos += 2;
                    } else {
                        self.pos += 1;
                        break;
                    }
                }
                Some(b) => {
                    name.push(b);
                    self.pos += 1;
                }
            }
        }
        // The quotes are ASCII, so the name is still valid UTF-8.
        self.tokens
            .push(Token::Ident(String::from_utf8_lossy(&name).into_owned()));
        Ok(())
    }

    fn word(&mut self) -> Result<(), String> {
        let start = self.pos;
        while self.peek(0).is_some_and(|b| {
            // Postgres: `$` continues a word but cannot start one (handled in `dollar`).
            is_word_byte(b)
        }) {
            self.pos += 1;
        }
        let word = &self.sql[start..self.pos];
        if self.rules.postgres_forms {
            let next = self.peek(0);
            if word.eq_ignore_ascii_case("u")
                && self.peek(0) == Some(b'&')
                && matches!(self.peek(1), Some(b'\'' | b'"'))
            {
                self.pos = start;
                return Err(self.refusal(
                    "a Unicode-escaped string or identifier (U&'…', U&\"…\"); write it plainly;",
                ));
            }
            if word.eq_ignore_ascii_case("e") && next == Some(b'\'') {
                return self.string(b'\'', true);
            }
        }
        self.tokens.push(Token::Word(word.to_owned()));
        Ok(())
    }

    /// Postgres `$`: a dollar-quoted string (`$$…$$`, `$tag$…$tag$`) or a parameter (`$1`).
    fn dollar(&mut self) -> Result<(), String> {
        let start = self.pos;
        let rest = &self.src[start + 1..];
        if rest.first().is_some_and(u8::is_ascii_digit) {
            self.pos += 1 + rest.iter().take_while(|b| b.is_ascii_digit()).count();
            self.tokens
                .push(Token::Word(self.sql[start..self.pos].to_owned()));
            return Ok(());
        }
        let tag_len = rest
            .iter()
            .take_while(|&&b| b.is_ascii_alphanumeric() || b == b'_')
            .count();
        let tag_ok =
            rest.get(tag_len) == Some(&b'$') && !rest.first().is_some_and(u8::is_ascii_digit);
        if !tag_ok {
            return Err(
                self.refusal("a `$` that starts neither a dollar-quoted string nor a parameter")
            );
        }
        let delimiter = &self.src[start..start + tag_len + 2];
        let body_start = start + tag_len + 2;
        let Some(end) = self.src[body_start..]
            .windows(delimiter.len())
            .position(|w| w == delimiter)
        else {
            return Err(self.refusal("an unterminated dollar-quoted string"));
        };
        self.pos = body_start + end + delimiter.len();
        self.tokens.push(Token::Str);
        Ok(())
    }
}
