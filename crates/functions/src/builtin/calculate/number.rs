//! The calculator's numbers: exact rationals where possible, `f64` once an operation is irrational.

use num_bigint::{BigInt, Sign};
use num_integer::Integer;
use num_rational::BigRational;
use num_traits::{One, Signed, ToPrimitive, Zero};

use super::error::CalcError;

/// A value during evaluation.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Number {
    /// An exact rational number.
    Exact(BigRational),
    /// An approximation, used after irrational operations (`sqrt(2)`, `sin`, `pi`).
    Approx(f64),
}

/// Size of an exact number in bits (numerator plus denominator).
fn bits(r: &BigRational) -> u64 {
    r.numer().bits() + r.denom().bits()
}

impl Number {
    pub(super) fn int(n: i64) -> Self {
        Number::Exact(BigRational::from_integer(BigInt::from(n)))
    }

    pub(super) fn to_f64(&self) -> f64 {
        match self {
            Number::Exact(r) => r.to_f64().unwrap_or(f64::NAN),
            Number::Approx(f) => *f,
        }
    }

    pub(super) fn is_zero(&self) -> bool {
        match self {
            Number::Exact(r) => r.is_zero(),
            Number::Approx(f) => *f == 0.0,
        }
    }

    /// The value as an exact integer, if it is one.
    pub(super) fn as_integer(&self) -> Option<BigInt> {
        match self {
            Number::Exact(r) if r.is_integer() => Some(r.to_integer()),
            _ => None,
        }
    }

    /// Checks an exact result against the size limit, and an approximate one for overflow and NaN.
    pub(super) fn checked(
        self,
        column: usize,
        max_bits: u64,
        what: &str,
    ) -> Result<Self, CalcError> {
        match &self {
            Number::Exact(r) if bits(r) > max_bits => Err(CalcError::too_large(
                column,
                format!("{what} needs {} bits; the limit is {max_bits}", bits(r)),
            )),
            Number::Approx(f) if f.is_nan() => {
                Err(CalcError::domain(column, format!("{what} is undefined")))
            }
            Number::Approx(f) if f.is_infinite() => Err(CalcError::too_large(
                column,
                format!("{what} overflows a 64-bit float"),
            )),
            _ => Ok(self),
        }
    }
}

/// Applies a binary arithmetic operator.
pub(super) fn binary(
    op: char,
    a: Number,
    b: Number,
    column: usize,
    max_bits: u64,
) -> Result<Number, CalcError> {
    if matches!(op, '/' | 'm') && b.is_zero() {
        return Err(CalcError::DivisionByZero { column });
    }
    let out = match (a, b) {
        (Number::Exact(x), Number::Exact(y)) => Number::Exact(match op {
            '+' => x + y,
            '-' => x - y,
            '*' => x * y,
            '/' => x / y,
            // Remainder with the sign of the divisor, like floor division.
            'm' => {
                let q = (&x / &y).floor();
                x - y * q
            }
            _ => {
                return Err(CalcError::syntax(
                    column,
                    format!("unknown operator `{op}`"),
                ));
            }
        }),
        (a, b) => {
            let (x, y) = (a.to_f64(), b.to_f64());
            Number::Approx(match op {
                '+' => x + y,
                '-' => x - y,
                '*' => x * y,
                '/' => x / y,
                'm' => x - y * (x / y).floor(),
                _ => {
                    return Err(CalcError::syntax(
                        column,
                        format!("unknown operator `{op}`"),
                    ));
                }
            })
        }
    };
    out.checked(column, max_bits, "the result")
}

/// Raises `base` to `exp`, refusing results beyond `max_bits` before computing them.
pub(super) fn pow(
    base: Number,
    exp: Number,
    column: usize,
    max_bits: u64,
) -> Result<Number, CalcError> {
    if let (Number::Exact(b), Some(e)) = (&base, exp.as_integer()) {
        if b.is_zero() {
            return match e.sign() {
                Sign::Minus => Err(CalcError::DivisionByZero { column }),
                Sign::NoSign => Ok(Number::int(1)),
                Sign::Plus => Ok(Number::int(0)),
            };
        }
        if b.abs().is_one() {
            let negative = b.is_negative() && e.is_odd();
            return Ok(Number::int(if negative { -1 } else { 1 }));
        }
        let magnitude = e.abs();
        let estimate = magnitude
            .to_u64()
            .and_then(|m| m.checked_mul(bits(b)))
            .filter(|n| *n <= max_bits);
        let Some(_) = estimate else {
            return Err(CalcError::too_large(
                column,
                format!("a power with exponent {e} exceeds the {max_bits}-bit limit"),
            ));
        };
        let m = magnitude.to_u32().unwrap_or(u32::MAX);
        let n = num_traits::pow::Pow::pow(b.numer(), m);
        let d = num_traits::pow::Pow::pow(b.denom(), m);
        let r = if e.is_negative() {
            BigRational::new(d, n)
        } else {
            BigRational::new(n, d)
        };
        return Number::Exact(r).checked(column, max_bits, "the power");
    }
    let (x, y) = (base.to_f64(), exp.to_f64());
    if x < 0.0 && y.fract() != 0.0 {
        return Err(CalcError::domain(
            column,
            "a negative number to a fractional power is not a real number",
        ));
    }
    if x == 0.0 && y < 0.0 {
        return Err(CalcError::DivisionByZero { column });
    }
    Number::Approx(x.powf(y)).checked(column, max_bits, "the power")
}

/// Parses a decimal literal (`12`, `0.1`, `.5`, `1.5e-3`) exactly.
pub(super) fn parse_literal(text: &str, column: usize, max_bits: u64) -> Result<Number, CalcError> {
    let bad = || CalcError::syntax(column, format!("malformed number `{text}`"));
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(at) => (&text[..at], Some(&text[at + 1..])),
        None => (text, None),
    };
    let (int_part, frac_part) = match mantissa.split_once('.') {
        Some((i, f)) => (i, f),
        None => (mantissa, ""),
    };
    if frac_part.contains('.') || (int_part.is_empty() && frac_part.is_empty()) {
        return Err(bad());
    }
    let digits = format!("{int_part}{frac_part}");
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let mut scale: i64 = -(frac_part.len() as i64);
    if let Some(exp) = exponent {
        let e: i64 = exp.parse().map_err(|_| bad())?;
        // A decimal exponent of n needs about 3.33 n bits; refuse before building it.
        if e.unsigned_abs() > max_bits / 3 {
            return Err(CalcError::too_large(
                column,
                format!("exponent {e} in `{text}` exceeds the {max_bits}-bit limit"),
            ));
        }
        scale += e;
    }
    let n: BigInt = digits.parse().map_err(|_| bad())?;
    let ten = BigInt::from(10);
    let factor = num_traits::pow::Pow::pow(&ten, scale.unsigned_abs() as u32);
    let r = if scale >= 0 {
        BigRational::from_integer(n * factor)
    } else {
        BigRational::new(n, factor)
    };
    Number::Exact(r).checked(column, max_bits, "the number")
}

/// Formats a result: `(text, exact, fraction)`. Terminating decimals are written in full;
/// other exact rationals are rounded to `digits` significant digits and also given as a fraction.
pub(super) fn format(n: &Number, digits: usize) -> (String, bool, Option<String>) {
    match n {
        Number::Approx(f) => (format_f64(*f), false, None),
        Number::Exact(r) if r.is_integer() => (r.numer().to_string(), true, None),
        Number::Exact(r) => {
            let mut d = r.denom().clone();
            let (mut twos, mut fives) = (0usize, 0usize);
            let two = BigInt::from(2);
            let five = BigInt::from(5);
            while d.is_even() {
                d /= &two;
                twos += 1;
            }
            while (&d % &five).is_zero() {
                d /= &five;
                fives += 1;
            }
            if d.is_one() {
                (decimal(r, twos.max(fives)), true, None)
            } else {
                let fraction = format!("{}/{}", r.numer(), r.denom());
                (significant(r, digits), true, Some(fraction))
            }
        }
    }
}

/// [`format`] for an exact `num / den` in lowest terms with `den > 0`: an integer is written
/// without building a big one.
pub(super) fn format_fraction(num: i64, den: i64, digits: usize) -> (String, bool, Option<String>) {
    if den == 1 {
        return (num.to_string(), true, None);
    }
    let r = BigRational::new_raw(BigInt::from(num), BigInt::from(den));
    format(&Number::Exact(r), digits)
}

/// Writes `r` with exactly `places` decimal places (exact when `r * 10^places` is an integer).
fn decimal(r: &BigRational, places: usize) -> String {
    let scale = num_traits::pow::Pow::pow(&BigInt::from(10), places);
    let scaled = (r * BigRational::from_integer(scale)).round().to_integer();
    let negative = scaled.is_negative();
    let mut s = scaled.abs().to_string();
    if s.len() <= places {
        s = format!("{}{s}", "0".repeat(places + 1 - s.len()));
    }
    let (int, frac) = s.split_at(s.len() - places);
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    out.push_str(int);
    let frac = frac.trim_end_matches('0');
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    out
}

/// Rounds `r` to `digits` significant digits.
fn significant(r: &BigRational, digits: usize) -> String {
    // Decimal places needed: digits minus the number of integer digits (at least enough
    // to reach the first significant digit of a small number).
    let abs = r.abs();
    let int_digits = abs.to_integer().to_string().len();
    let places = if abs >= BigRational::one() {
        digits.saturating_sub(int_digits)
    } else {
        // Leading zeros after the point: about len(denominator) - len(numerator).
        let gap = abs
            .denom()
            .to_string()
            .len()
            .saturating_sub(abs.numer().to_string().len());
        gap + digits
    };
    decimal(r, places)
}

fn format_f64(f: f64) -> String {
    let a = f.abs();
    if a != 0.0 && !(1e-7..1e21).contains(&a) {
        format!("{f:e}")
    } else {
        format!("{f}")
    }
}
