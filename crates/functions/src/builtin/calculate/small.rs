//! Plain arithmetic on machine-integer fractions: the common case of `calculate`, without big
//! numbers.
//!
//! Most expressions a model sends are a few short numbers joined by `+ - * / %` and
//! parentheses. With [`BigRational`](num_rational::BigRational) every number is a heap
//! allocation and every operation a big-integer gcd; for `(17 + 3) * 2340 / 100` that cost
//! several times the whole HTTP request carrying it. [`evaluate`] evaluates that part of the
//! grammar on `i64` fractions and gives up (`None`) on everything else: another operator, a
//! name, an exponent, a malformed number, a division by zero, an `i64` overflow, or nesting
//! deeper than `max_depth`. The caller then runs the general evaluator, which answers or names
//! the error and its column, exactly as without this path.
//!
//! Where it answers, the answer is the general evaluator's: both compute the exact rational
//! value, the grammar and the depth count mirror [`eval`](super::eval)'s, and the limits that
//! could refuse a value the general evaluator would accept are checked before starting (every
//! value here fits in 128 bits; the input is at most [`MAX_LEN`] bytes, so the time budget is
//! not at stake). A property test compares the two on generated expressions.

use super::Limits;

/// Longest expression tried, in bytes; longer ones go to the general evaluator.
const MAX_LEN: usize = 128;

/// The most bits a fraction here can take (numerator plus denominator, 64 each).
const MAX_BITS: u64 = 128;

/// Smallest time budget under which this path runs: far more than evaluating [`MAX_LEN`] bytes
/// of `i64` arithmetic takes.
const MIN_TIME: std::time::Duration = std::time::Duration::from_millis(1);

/// An exact fraction: `den > 0` and the two share no factor (the form `BigRational` keeps).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Fraction {
    pub(super) num: i64,
    pub(super) den: i64,
}

impl Fraction {
    const ZERO: Fraction = Fraction { num: 0, den: 1 };

    /// `num / den` reduced; `None` for a zero denominator or an overflow.
    fn new(num: i64, den: i64) -> Option<Self> {
        if den == 0 {
            return None;
        }
        let g = i64::try_from(gcd(num.unsigned_abs(), den.unsigned_abs())).ok()?;
        let (num, den) = if g == 1 {
            (num, den)
        } else {
            (num / g, den / g)
        };
        if den < 0 {
            Some(Fraction {
                num: num.checked_neg()?,
                den: den.checked_neg()?,
            })
        } else {
            Some(Fraction { num, den })
        }
    }

    fn add(self, other: Fraction) -> Option<Self> {
        let g = i64::try_from(gcd(self.den.unsigned_abs(), other.den.unsigned_abs())).ok()?;
        let num = self
            .num
            .checked_mul(other.den / g)?
            .checked_add(other.num.checked_mul(self.den / g)?)?;
        Fraction::new(num, (self.den / g).checked_mul(other.den)?)
    }

    fn sub(self, other: Fraction) -> Option<Self> {
        self.add(Fraction {
            num: other.num.checked_neg()?,
            den: other.den,
        })
    }

    fn mul(self, other: Fraction) -> Option<Self> {
        let g1 = i64::try_from(gcd(self.num.unsigned_abs(), other.den.unsigned_abs())).ok()?;
        let g2 = i64::try_from(gcd(other.num.unsigned_abs(), self.den.unsigned_abs())).ok()?;
        let num = (self.num / g1).checked_mul(other.num / g2)?;
        let den = (self.den / g2).checked_mul(other.den / g1)?;
        Fraction::new(num, den)
    }

    fn div(self, other: Fraction) -> Option<Self> {
        if other.num == 0 {
            return None;
        }
        let (num, den) = if other.num < 0 {
            (other.den.checked_neg()?, other.num.checked_neg()?)
        } else {
            (other.den, other.num)
        };
        self.mul(Fraction { num, den })
    }
}

/// Greatest common divisor (binary); `gcd(0, n) = n`.
fn gcd(mut a: u64, mut b: u64) -> u64 {
    if a == 0 || b == 0 {
        return a | b;
    }
    if a == 1 || b == 1 {
        return 1;
    }
    let shift = (a | b).trailing_zeros();
    a >>= a.trailing_zeros();
    loop {
        b >>= b.trailing_zeros();
        if a > b {
            std::mem::swap(&mut a, &mut b);
        }
        b -= a;
        if b == 0 {
            return a << shift;
        }
    }
}

/// The exact value of `expression`, when it is plain arithmetic on small numbers within
/// `limits`; `None` sends it to the general evaluator (see the module docs).
pub(super) fn evaluate(expression: &str, limits: &Limits) -> Option<Fraction> {
    if expression.len() > MAX_LEN
        || expression.len() > limits.max_len
        || limits.max_bits < MAX_BITS
        || limits.time < MIN_TIME
    {
        return None;
    }
    let mut parser = Parser {
        bytes: expression.as_bytes(),
        pos: 0,
        depth: 0,
        max_depth: limits.max_depth,
    };
    let value = parser.sum()?;
    parser.peek().is_none().then_some(value)
}

/// The grammar of [`eval`](super::eval) without `^`, `!`, `mod`, names and exponents; `enter`
/// is called where the general evaluator's is, so the depth reached is the same.
struct Parser<'a> {
    bytes: &'a [u8],
    pos: usize,
    depth: usize,
    max_depth: usize,
}

impl Parser<'_> {
    /// The next byte that is not a blank.
    fn peek(&mut self) -> Option<u8> {
        while let Some(b' ' | b'\t') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
        self.bytes.get(self.pos).copied()
    }

    fn enter(&mut self) -> Option<()> {
        self.depth += 1;
        (self.depth <= self.max_depth).then_some(())
    }

    fn sum(&mut self) -> Option<Fraction> {
        self.enter()?;
        let mut acc = self.product()?;
        loop {
            let op = self.peek();
            if !matches!(op, Some(b'+' | b'-')) {
                break;
            }
            self.pos += 1;
            let rhs = self.product()?;
            acc = if op == Some(b'+') {
                acc.add(rhs)?
            } else {
                acc.sub(rhs)?
            };
        }
        self.depth -= 1;
        Some(acc)
    }

    fn product(&mut self) -> Option<Fraction> {
        let mut acc = self.unary()?;
        loop {
            let op = self.peek();
            if !matches!(op, Some(b'*' | b'/')) {
                break;
            }
            // `**` is a power.
            if self.bytes.get(self.pos + 1) == Some(&b'*') {
                return None;
            }
            self.pos += 1;
            let rhs = self.unary()?;
            acc = if op == Some(b'*') {
                acc.mul(rhs)?
            } else {
                acc.div(rhs)?
            };
        }
        Some(acc)
    }

    fn unary(&mut self) -> Option<Fraction> {
        self.enter()?;
        let out = match self.peek() {
            Some(b'-') => {
                self.pos += 1;
                Fraction::ZERO.sub(self.unary()?)?
            }
            Some(b'+') => {
                self.pos += 1;
                self.unary()?
            }
            _ => self.postfix()?,
        };
        self.depth -= 1;
        Some(out)
    }

    /// A primary followed by any number of `%` (percent: divided by 100).
    fn postfix(&mut self) -> Option<Fraction> {
        let mut v = self.primary()?;
        while self.peek() == Some(b'%') {
            self.pos += 1;
            v = v.div(Fraction { num: 100, den: 1 })?;
        }
        Some(v)
    }

    fn primary(&mut self) -> Option<Fraction> {
        match self.peek()? {
            b'0'..=b'9' | b'.' => self.number(),
            b'(' => {
                self.pos += 1;
                self.enter()?;
                let v = self.sum()?;
                if self.peek() != Some(b')') {
                    return None;
                }
                self.pos += 1;
                self.depth -= 1;
                Some(v)
            }
            _ => None,
        }
    }

    /// A decimal literal as the lexer reads it (digits, one `.`, `_` ignored), without exponent.
    fn number(&mut self) -> Option<Fraction> {
        let (mut digits, mut mantissa, mut places, mut dot) = (0u32, 0i64, 0u32, false);
        while let Some(&b) = self.bytes.get(self.pos) {
            match b {
                b'0'..=b'9' => {
                    mantissa = mantissa.checked_mul(10)?.checked_add(i64::from(b - b'0'))?;
                    digits += 1;
                    places += u32::from(dot);
                }
                b'.' if dot => return None,
                b'.' => dot = true,
                b'_' => {}
                // An exponent or a name right after the digits.
                b'e' | b'E' => return None,
                _ => break,
            }
            self.pos += 1;
        }
        if digits == 0 {
            return None;
        }
        Fraction::new(mantissa, 10i64.checked_pow(places)?)
    }
}

#[cfg(test)]
mod tests {
    use num_bigint::BigInt;
    use num_rational::BigRational;
    use proptest::prelude::*;
    use proptest::strategy::ValueTree;

    use super::super::eval::Evaluator;
    use super::super::lexer::tokenize;
    use super::super::number::Number;
    use super::*;

    /// The general evaluator's value, or `None` for an error.
    fn general(expression: &str, limits: &Limits) -> Option<BigRational> {
        let tokens = tokenize(expression).ok()?;
        let len = expression.chars().count();
        match Evaluator::new(&tokens, limits, len + 1).run().ok()? {
            Number::Exact(r) => Some(r),
            Number::Approx(_) => None,
        }
    }

    fn big(f: Fraction) -> BigRational {
        BigRational::new(BigInt::from(f.num), BigInt::from(f.den))
    }

    fn small(expression: &str) -> Option<Fraction> {
        evaluate(expression, &Limits::default())
    }

    #[test]
    fn plain_arithmetic_is_exact() {
        assert_eq!(
            small("(17 + 3) * 2340 / 100"),
            Some(Fraction { num: 468, den: 1 })
        );
        assert_eq!(small("0.1 + 0.2"), Some(Fraction { num: 3, den: 10 }));
        assert_eq!(small("1 / 3 + 50%"), Some(Fraction { num: 5, den: 6 }));
        assert_eq!(
            small("-(1_000.5) * -2"),
            Some(Fraction { num: 2001, den: 1 })
        );
        assert_eq!(small(".5 + 5."), Some(Fraction { num: 11, den: 2 }));
        assert_eq!(
            small("--+-3%%"),
            Some(Fraction {
                num: -3,
                den: 10_000
            })
        );
    }

    #[test]
    fn anything_else_goes_to_the_general_evaluator() {
        for e in [
            "",
            "  ",
            "1 / 0",
            "1 / (2 - 2)",
            "2 ^ 3",
            "2 ** 3",
            "3!",
            "10 mod 3",
            "1e3",
            "2e",
            "pi",
            "sqrt(4)",
            "1..2",
            "1.2.3",
            ".",
            "_1",
            "1 2",
            "(1",
            "1)",
            "()",
            "1 +",
            "7 −1",
            "1 × 2",
            "1\n+ 2",
        ] {
            assert_eq!(small(e), None, "{e:?}");
        }
    }

    #[test]
    fn an_overflow_goes_to_the_general_evaluator() {
        let huge = "9223372036854775807";
        assert_eq!(
            small(huge),
            Some(Fraction {
                num: i64::MAX,
                den: 1
            })
        );
        assert_eq!(small(&format!("{huge} + 1")), None);
        assert_eq!(small(&format!("{huge}0")), None);
        assert_eq!(small(&format!("1 / {huge} / {huge}")), None);
        assert_eq!(small("0.0000000000000000001"), None);
    }

    #[test]
    fn limits_that_could_refuse_send_it_to_the_general_evaluator() {
        let e = "(((1)))";
        let depth = |max_depth| Limits {
            max_depth,
            ..Limits::default()
        };
        // sum, unary, then three levels per parenthesis: 11 in all, as in `eval`.
        assert!(evaluate(e, &depth(11)).is_some());
        assert_eq!(evaluate(e, &depth(10)), None);
        assert!(general(e, &depth(11)).is_some());
        assert_eq!(general(e, &depth(10)), None);
        let tight = Limits {
            max_bits: 64,
            ..Limits::default()
        };
        assert_eq!(evaluate("1 + 1", &tight), None);
        let short = Limits {
            max_len: 4,
            ..Limits::default()
        };
        assert_eq!(evaluate("1 + 1", &short), None);
        let hurried = Limits {
            time: std::time::Duration::ZERO,
            ..Limits::default()
        };
        assert_eq!(evaluate("1 + 1", &hurried), None);
        let longest = "1+".repeat(64);
        assert_eq!(
            small(longest.trim_end_matches('+')),
            Some(Fraction { num: 64, den: 1 })
        );
        assert_eq!(small(&format!("{}1", "1+".repeat(64))), None);
    }

    /// Expressions of the plain-arithmetic grammar, with blanks, signs, percent and underscores.
    fn expression() -> impl Strategy<Value = String> {
        let number = prop_oneof![
            (0u64..1_000_000).prop_map(|n| n.to_string()),
            (0u64..10_000, 0u32..1_000).prop_map(|(i, f)| format!("{i}.{f}")),
            (0u32..1_000).prop_map(|f| format!(".{f}")),
            (1u64..1_000).prop_map(|n| format!("{n}_000")),
            Just("99999999999999999999".to_owned()),
        ];
        let leaf =
            (number, prop::bool::ANY).prop_map(|(n, pct)| if pct { format!("{n}%") } else { n });
        leaf.prop_recursive(6, 48, 2, |inner| {
            prop_oneof![
                (
                    inner.clone(),
                    prop::sample::select(vec!["+", " - ", "*", " / ", "+-"]),
                    inner.clone()
                )
                    .prop_map(|(a, op, b)| format!("{a}{op}{b}")),
                inner.clone().prop_map(|a| format!("({a})")),
                inner.prop_map(|a| format!("-{a}")),
            ]
        })
    }

    #[test]
    fn most_generated_expressions_take_the_fast_path() {
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let strategy = expression();
        let answered = (0..500)
            .filter(|_| {
                let e = strategy.new_tree(&mut runner).unwrap().current();
                evaluate(&e, &Limits::default()).is_some()
            })
            .count();
        assert!(answered > 250, "{answered} of 500");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Where the fast path answers, the general evaluator gives the same exact value.
        #[test]
        fn agrees_with_the_general_evaluator(e in expression()) {
            let limits = Limits::default();
            if let Some(value) = evaluate(&e, &limits) {
                prop_assert_eq!(Some(big(value)), general(&e, &limits), "{}", e);
            }
        }
    }
}
