//! A recursive-descent evaluator with a hard bound on recursion depth, time and number size.
//!
//! Grammar (lowest precedence first):
//! ```text
//! sum     = product (("+" | "-") product)*
//! product = unary (("*" | "/" | "mod") unary)*
//! unary   = ("-" | "+") unary | power
//! power   = postfix ("^" unary)?          right-associative; -2^2 = -(2^2)
//! postfix = primary ("%" | "!")*
//! primary = number | constant | name "(" sum ("," sum)* ")" | "(" sum ")"
//! ```
//! Every rule that can recurse passes through [`Evaluator::enter`], which counts depth, so the
//! Rust stack used is bounded by `max_depth` frames of this file's functions whatever the input.

use std::time::Instant;

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{Signed, ToPrimitive};

use super::Limits;
use super::error::CalcError;
use super::lexer::{Spanned, Token};
use super::number::{self, Number};

const FUNCTIONS: &[&str] = &[
    "abs", "acos", "asin", "atan", "cbrt", "ceil", "cos", "exp", "floor", "ln", "log", "log10",
    "log2", "max", "min", "round", "sin", "sqrt", "tan", "trunc",
];
const CONSTANTS: &[&str] = &["e", "pi", "π", "tau"];

pub(super) struct Evaluator<'a> {
    tokens: &'a [Spanned],
    pos: usize,
    depth: usize,
    limits: &'a Limits,
    deadline: Instant,
    end_column: usize,
}

impl<'a> Evaluator<'a> {
    pub(super) fn new(tokens: &'a [Spanned], limits: &'a Limits, end_column: usize) -> Self {
        Evaluator {
            tokens,
            pos: 0,
            depth: 0,
            limits,
            deadline: Instant::now() + limits.time,
            end_column,
        }
    }

    /// Evaluates the whole token list; trailing tokens are an error.
    pub(super) fn run(mut self) -> Result<Number, CalcError> {
        let value = self.sum()?;
        match self.tokens.get(self.pos) {
            None => Ok(value),
            Some(t) => Err(CalcError::syntax(
                t.column,
                unexpected(&t.token, "an operator"),
            )),
        }
    }

    fn peek(&self) -> Option<&'a Spanned> {
        self.tokens.get(self.pos)
    }

    fn column(&self) -> usize {
        self.peek().map_or(self.end_column, |t| t.column)
    }

    fn enter(&mut self) -> Result<(), CalcError> {
        self.depth += 1;
        if self.depth > self.limits.max_depth {
            return Err(CalcError::TooDeep {
                column: self.column(),
                max: self.limits.max_depth,
            });
        }
        if Instant::now() > self.deadline {
            return Err(CalcError::Timeout {
                millis: self.limits.time.as_millis(),
            });
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    fn tick(&self) -> Result<(), CalcError> {
        if Instant::now() > self.deadline {
            return Err(CalcError::Timeout {
                millis: self.limits.time.as_millis(),
            });
        }
        Ok(())
    }

    fn sum(&mut self) -> Result<Number, CalcError> {
        self.enter()?;
        let mut acc = self.product()?;
        while let Some(t) = self.peek() {
            let op = match t.token {
                Token::Plus => '+',
                Token::Minus => '-',
                _ => break,
            };
            self.pos += 1;
            let rhs = self.product()?;
            self.tick()?;
            acc = number::binary(op, acc, rhs, t.column, self.limits.max_bits)?;
        }
        self.leave();
        Ok(acc)
    }

    fn product(&mut self) -> Result<Number, CalcError> {
        let mut acc = self.unary()?;
        while let Some(t) = self.peek() {
            let op = match &t.token {
                Token::Star => '*',
                Token::Slash => '/',
                Token::Ident(name) if name == "mod" => 'm',
                _ => break,
            };
            self.pos += 1;
            let rhs = self.unary()?;
            self.tick()?;
            acc = number::binary(op, acc, rhs, t.column, self.limits.max_bits)?;
        }
        Ok(acc)
    }

    fn unary(&mut self) -> Result<Number, CalcError> {
        self.enter()?;
        let out = match self.peek().map(|t| &t.token) {
            Some(Token::Minus) => {
                let column = self.column();
                self.pos += 1;
                let v = self.unary()?;
                number::binary('-', Number::int(0), v, column, self.limits.max_bits)?
            }
            Some(Token::Plus) => {
                self.pos += 1;
                self.unary()?
            }
            _ => self.power()?,
        };
        self.leave();
        Ok(out)
    }

    fn power(&mut self) -> Result<Number, CalcError> {
        let base = self.postfix()?;
        if let Some(t) = self.peek()
            && t.token == Token::Caret
        {
            self.pos += 1;
            let exp = self.unary()?;
            self.tick()?;
            return number::pow(base, exp, t.column, self.limits.max_bits);
        }
        Ok(base)
    }

    fn postfix(&mut self) -> Result<Number, CalcError> {
        let mut v = self.primary()?;
        while let Some(t) = self.peek() {
            match t.token {
                Token::Percent => {
                    self.pos += 1;
                    v = number::binary('/', v, Number::int(100), t.column, self.limits.max_bits)?;
                }
                Token::Bang => {
                    self.pos += 1;
                    v = factorial(v, t.column, self.limits)?;
                }
                _ => break,
            }
        }
        Ok(v)
    }

    fn primary(&mut self) -> Result<Number, CalcError> {
        let Some(t) = self.peek() else {
            return Err(CalcError::syntax(
                self.end_column,
                "expression ends too early",
            ));
        };
        match &t.token {
            Token::Number(text) => {
                self.pos += 1;
                number::parse_literal(text, t.column, self.limits.max_bits)
            }
            Token::LParen => {
                self.pos += 1;
                self.enter()?;
                let v = self.sum()?;
                self.expect_close(t.column)?;
                self.leave();
                Ok(v)
            }
            Token::Ident(name) => {
                self.pos += 1;
                if let Some(next) = self.peek()
                    && next.token == Token::LParen
                {
                    if !FUNCTIONS.contains(&name.as_str()) {
                        return Err(unknown(t.column, name));
                    }
                    self.pos += 1;
                    self.enter()?;
                    let mut args = vec![self.sum()?];
                    while self.peek().map(|t| &t.token) == Some(&Token::Comma) {
                        self.pos += 1;
                        if args.len() >= 64 {
                            return Err(CalcError::syntax(self.column(), "too many arguments"));
                        }
                        args.push(self.sum()?);
                    }
                    self.expect_close(next.column)?;
                    self.leave();
                    self.tick()?;
                    return call(name, args, t.column, self.limits);
                }
                match name.as_str() {
                    "pi" | "π" => Ok(Number::Approx(std::f64::consts::PI)),
                    "tau" => Ok(Number::Approx(std::f64::consts::TAU)),
                    "e" => Ok(Number::Approx(std::f64::consts::E)),
                    _ if FUNCTIONS.contains(&name.as_str()) => Err(CalcError::syntax(
                        t.column,
                        format!("function `{name}` needs arguments in parentheses"),
                    )),
                    _ => Err(unknown(t.column, name)),
                }
            }
            other => Err(CalcError::syntax(t.column, unexpected(other, "a number"))),
        }
    }

    fn expect_close(&mut self, open_column: usize) -> Result<(), CalcError> {
        match self.peek() {
            Some(t) if t.token == Token::RParen => {
                self.pos += 1;
                Ok(())
            }
            Some(t) => Err(CalcError::syntax(
                t.column,
                format!(
                    "{} (the parenthesis opened at column {open_column} is not closed)",
                    unexpected(&t.token, "`)` or an operator")
                ),
            )),
            None => Err(CalcError::syntax(
                self.end_column,
                format!("the parenthesis opened at column {open_column} is not closed"),
            )),
        }
    }
}

fn unknown(column: usize, name: &str) -> CalcError {
    let mut known: Vec<&str> = FUNCTIONS.iter().chain(CONSTANTS).copied().collect();
    known.push("mod");
    known.sort_unstable();
    CalcError::UnknownName {
        column,
        name: name.to_owned(),
        known: known.join(", "),
    }
}

fn unexpected(token: &Token, wanted: &str) -> String {
    let found = match token {
        Token::Number(n) => format!("number `{n}`"),
        Token::Ident(n) => format!("name `{n}`"),
        Token::Plus => "`+`".into(),
        Token::Minus => "`-`".into(),
        Token::Star => "`*`".into(),
        Token::Slash => "`/`".into(),
        Token::Caret => "`^`".into(),
        Token::Percent => "`%` (percent; use `mod` for a remainder)".into(),
        Token::Bang => "`!`".into(),
        Token::LParen => "`(`".into(),
        Token::RParen => "`)`".into(),
        Token::Comma => "`,`".into(),
    };
    format!("expected {wanted}, found {found}")
}

fn factorial(v: Number, column: usize, limits: &Limits) -> Result<Number, CalcError> {
    let n = v
        .as_integer()
        .filter(|n| !n.is_negative())
        .ok_or_else(|| CalcError::domain(column, "factorial needs a non-negative integer"))?;
    let n = n
        .to_u64()
        .filter(|n| *n <= limits.max_factorial)
        .ok_or_else(|| {
            CalcError::too_large(
                column,
                format!("factorial above {} is refused", limits.max_factorial),
            )
        })?;
    let mut acc = BigInt::from(1);
    for i in 2..=n {
        acc *= i;
    }
    Number::Exact(BigRational::from_integer(acc)).checked(column, limits.max_bits, "the factorial")
}

fn arity(
    name: &str,
    args: &[Number],
    min: usize,
    max: usize,
    column: usize,
) -> Result<(), CalcError> {
    if args.len() < min || args.len() > max {
        let wanted = if min == max {
            format!("{min}")
        } else if max == usize::MAX {
            format!("at least {min}")
        } else {
            format!("{min} or {max}")
        };
        return Err(CalcError::syntax(
            column,
            format!("`{name}` takes {wanted} argument(s), got {}", args.len()),
        ));
    }
    Ok(())
}

fn call(
    name: &str,
    mut args: Vec<Number>,
    column: usize,
    limits: &Limits,
) -> Result<Number, CalcError> {
    let max_bits = limits.max_bits;
    match name {
        "min" | "max" => {
            arity(name, &args, 1, usize::MAX, column)?;
            let mut best = args.remove(0);
            for a in args {
                let better = match (&a, &best) {
                    (Number::Exact(x), Number::Exact(y)) => {
                        if name == "min" {
                            x < y
                        } else {
                            x > y
                        }
                    }
                    _ => {
                        if name == "min" {
                            a.to_f64() < best.to_f64()
                        } else {
                            a.to_f64() > best.to_f64()
                        }
                    }
                };
                if better {
                    best = a;
                }
            }
            Ok(best)
        }
        "round" => {
            arity(name, &args, 1, 2, column)?;
            let places = match args.get(1) {
                None => 0,
                Some(p) => p
                    .as_integer()
                    .and_then(|p| p.to_u32())
                    .filter(|p| *p <= 100)
                    .ok_or_else(|| {
                        CalcError::domain(column, "round's places must be an integer from 0 to 100")
                    })?,
            };
            let x = exact_or_from_float(&args[0], column)?;
            let scale =
                BigRational::from_integer(num_traits::pow::Pow::pow(&BigInt::from(10), places));
            Number::Exact((x * &scale).round() / scale).checked(column, max_bits, "the result")
        }
        "floor" | "ceil" | "trunc" | "abs" => {
            arity(name, &args, 1, 1, column)?;
            if let (Number::Approx(f), "abs") = (&args[0], name) {
                return Ok(Number::Approx(f.abs()));
            }
            let x = exact_or_from_float(&args[0], column)?;
            let r = match name {
                "floor" => x.floor(),
                "ceil" => x.ceil(),
                "trunc" => x.trunc(),
                _ => x.abs(),
            };
            Number::Exact(r).checked(column, max_bits, "the result")
        }
        "sqrt" => {
            arity(name, &args, 1, 1, column)?;
            let x = &args[0];
            if x.to_f64() < 0.0 || matches!(x, Number::Exact(r) if r.is_negative()) {
                return Err(CalcError::domain(column, "sqrt of a negative number"));
            }
            if let Number::Exact(r) = x {
                let (n, d) = (r.numer().sqrt(), r.denom().sqrt());
                if &(&n * &n) == r.numer() && &(&d * &d) == r.denom() {
                    return Ok(Number::Exact(BigRational::new(n, d)));
                }
            }
            Number::Approx(x.to_f64().sqrt()).checked(column, max_bits, "sqrt")
        }
        "log" => {
            arity(name, &args, 1, 2, column)?;
            let x = positive(&args[0], name, column)?;
            let v = match args.get(1) {
                None => x.log10(),
                Some(b) => {
                    let b = positive(b, name, column)?;
                    if b == 1.0 {
                        return Err(CalcError::domain(column, "log base 1 is undefined"));
                    }
                    x.ln() / b.ln()
                }
            };
            Number::Approx(v).checked(column, max_bits, "log")
        }
        "ln" | "log10" | "log2" => {
            arity(name, &args, 1, 1, column)?;
            let x = positive(&args[0], name, column)?;
            let v = match name {
                "ln" => x.ln(),
                "log10" => x.log10(),
                _ => x.log2(),
            };
            Number::Approx(v).checked(column, max_bits, name)
        }
        _ => {
            arity(name, &args, 1, 1, column)?;
            let x = args[0].to_f64();
            let v = match name {
                "exp" => x.exp(),
                "sin" => x.sin(),
                "cos" => x.cos(),
                "tan" => x.tan(),
                "asin" => x.asin(),
                "acos" => x.acos(),
                "atan" => x.atan(),
                "cbrt" => x.cbrt(),
                _ => return Err(unknown(column, name)),
            };
            Number::Approx(v).checked(column, max_bits, name)
        }
    }
}

fn positive(n: &Number, name: &str, column: usize) -> Result<f64, CalcError> {
    let x = n.to_f64();
    if x <= 0.0 || matches!(n, Number::Exact(r) if !r.is_positive()) {
        return Err(CalcError::domain(
            column,
            format!("{name} needs a positive number"),
        ));
    }
    if x.is_nan() || x.is_infinite() {
        return Err(CalcError::too_large(
            column,
            format!("{name} argument does not fit a 64-bit float"),
        ));
    }
    Ok(x)
}

fn exact_or_from_float(n: &Number, column: usize) -> Result<BigRational, CalcError> {
    match n {
        Number::Exact(r) => Ok(r.clone()),
        Number::Approx(f) => BigRational::from_float(*f)
            .ok_or_else(|| CalcError::domain(column, "not a finite number")),
    }
}
