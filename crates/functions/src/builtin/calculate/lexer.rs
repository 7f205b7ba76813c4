//! Splits an expression into tokens, each with the column it starts at.

use super::error::CalcError;

/// One lexical token.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Token {
    /// A decimal literal as written: digits, optional fraction, optional exponent.
    Number(String),
    /// A name: a function, a constant or the `mod` operator.
    Ident(String),
    Plus,
    Minus,
    Star,
    Slash,
    Caret,
    Percent,
    Bang,
    LParen,
    RParen,
    Comma,
}

/// A token and the 1-based character column where it starts.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Spanned {
    pub(super) token: Token,
    pub(super) column: usize,
}

/// Tokenizes `input`; unknown characters are an error naming the character and column.
pub(super) fn tokenize(input: &str) -> Result<Vec<Spanned>, CalcError> {
    let chars: Vec<char> = input.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let column = i + 1;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let simple = match c {
            '+' => Some(Token::Plus),
            '-' | '−' => Some(Token::Minus),
            '*' | '×' => {
                if chars.get(i + 1) == Some(&'*') {
                    i += 1;
                    Some(Token::Caret)
                } else {
                    Some(Token::Star)
                }
            }
            '/' | '÷' => Some(Token::Slash),
            '^' => Some(Token::Caret),
            '%' => Some(Token::Percent),
            '!' => Some(Token::Bang),
            '(' => Some(Token::LParen),
            ')' => Some(Token::RParen),
            ',' => Some(Token::Comma),
            _ => None,
        };
        if let Some(token) = simple {
            tokens.push(Spanned { token, column });
            i += 1;
            continue;
        }
        if c.is_ascii_digit() || c == '.' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_ascii_digit() || chars[i] == '.' || chars[i] == '_')
            {
                i += 1;
            }
            // Exponent: e or E, optional sign, digits. Only taken when digits follow,
            // so `2e` stays "2 times e" being an error rather than a silent misparse.
            if i < chars.len() && (chars[i] == 'e' || chars[i] == 'E') {
                let mut j = i + 1;
                if j < chars.len() && (chars[j] == '+' || chars[j] == '-') {
                    j += 1;
                }
                if j < chars.len() && chars[j].is_ascii_digit() {
                    while j < chars.len() && chars[j].is_ascii_digit() {
                        j += 1;
                    }
                    i = j;
                }
            }
            let text: String = chars[start..i].iter().filter(|c| **c != '_').collect();
            tokens.push(Spanned {
                token: Token::Number(text),
                column,
            });
            continue;
        }
        if c.is_alphabetic() || c == '_' || c == 'π' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let text: String = chars[start..i].iter().collect::<String>().to_lowercase();
            tokens.push(Spanned {
                token: Token::Ident(text),
                column,
            });
            continue;
        }
        return Err(CalcError::syntax(
            column,
            format!("unexpected character `{c}`"),
        ));
    }
    Ok(tokens)
}
