//! Which expressions are evaluated on the caller's thread instead of the pool.
//!
//! Handing a call to the pool ([`pool`](super::pool)) costs two cross-thread wake-ups, more than
//! evaluating a typical expression. The pool exists for what the caller's stack (a tokio
//! worker's, 2 MiB by default) and its time slice cannot be trusted with: deep recursion and
//! long evaluations. An expression that is both of the following has neither, provably:
//!
//! - **Short, with only `+ - * / %`, parentheses, digits, `.`, `_` and blanks** (no `^`, `**`,
//!   `!`, names or exponent notation): every intermediate value is then built from its literals
//!   by at most [`INLINE_MAX_LEN`] operations that each add at most the bits of their operands
//!   (`%` adds 7), so no number exceeds about 7 bits per character (under 1,000 bits), and the
//!   whole evaluation is a few microseconds of arithmetic on small integers.
//! - **Shallow**: it is evaluated with `max_depth` lowered to [`INLINE_MAX_DEPTH`], a sixth of
//!   the default, whose stack the hostile-input tests show fits with a wide margin in the 2 MiB
//!   that `max_depth = 200` needs at most. A deeper expression stops with `TooDeep` at once and
//!   goes to the pool, where the configured limit decides.
//!
//! The configured limits still apply inline: length, bits, the time budget and (when lower than
//! [`INLINE_MAX_DEPTH`]) the depth.

use super::{CalcError, CalculateOutput, Limits, evaluate};

/// Longest expression (in bytes) evaluated inline.
pub(super) const INLINE_MAX_LEN: usize = 128;

/// The recursion depth allowed inline (see the module docs).
pub(super) const INLINE_MAX_DEPTH: usize = 32;

/// Whether `expression` is short and uses only the cheap operators (see the module docs).
fn cheap(expression: &str) -> bool {
    expression.len() <= INLINE_MAX_LEN
        && !expression.contains("**")
        && expression.bytes().all(|b| {
            b.is_ascii_digit()
                || matches!(
                    b,
                    b'+' | b'-' | b'*' | b'/' | b'%' | b'(' | b')' | b'.' | b'_' | b' ' | b'\t'
                )
        })
}

/// Evaluates `expression` on this thread when that is provably cheap and shallow; `None` when
/// it must go to the pool.
pub(super) fn try_evaluate(
    expression: &str,
    limits: &Limits,
) -> Option<Result<CalculateOutput, CalcError>> {
    if !cheap(expression) {
        return None;
    }
    let lowered = limits.max_depth > INLINE_MAX_DEPTH;
    let inline = Limits {
        max_depth: limits.max_depth.min(INLINE_MAX_DEPTH),
        ..limits.clone()
    };
    match evaluate(expression, &inline) {
        // Too deep for this thread, not necessarily for the configured limit.
        Err(CalcError::TooDeep { .. }) if lowered => None,
        other => Some(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_arithmetic_is_evaluated_inline() {
        let out = try_evaluate("(17 + 3) * 2340 / 100", &Limits::default())
            .unwrap()
            .unwrap();
        assert_eq!(out.result, "468");
        assert!(out.exact);
        assert_eq!(
            try_evaluate("1 / 3 + 50%", &Limits::default())
                .unwrap()
                .unwrap()
                .fraction
                .as_deref(),
            Some("5/6")
        );
    }

    #[test]
    fn errors_of_cheap_expressions_are_answered_inline() {
        let err = try_evaluate("1 / (2 - 2)", &Limits::default())
            .unwrap()
            .unwrap_err();
        assert!(matches!(err, CalcError::DivisionByZero { .. }), "{err}");
    }

    #[test]
    fn powers_factorials_names_and_exponents_go_to_the_pool() {
        for e in ["2^64", "2**64", "20!", "sqrt(2)", "pi", "1e300", "10 mod 3"] {
            assert!(try_evaluate(e, &Limits::default()).is_none(), "{e}");
        }
    }

    #[test]
    fn long_expressions_go_to_the_pool() {
        let e = vec!["1"; INLINE_MAX_LEN / 4 + 1].join(" + ");
        assert!(e.len() > INLINE_MAX_LEN);
        assert!(try_evaluate(&e, &Limits::default()).is_none());
    }

    #[test]
    fn deep_nesting_goes_to_the_pool_with_the_configured_limit() {
        let n = INLINE_MAX_DEPTH;
        let e = format!("{}1{}", "(".repeat(n), ")".repeat(n));
        assert!(e.len() <= INLINE_MAX_LEN);
        assert!(try_evaluate(&e, &Limits::default()).is_none());
        // A configured limit at or below the inline one is answered inline, as configured.
        let strict = Limits {
            max_depth: 4,
            ..Limits::default()
        };
        let err = try_evaluate(&e, &strict).unwrap().unwrap_err();
        assert!(matches!(err, CalcError::TooDeep { max: 4, .. }), "{err}");
    }

    #[tokio::test]
    async fn the_tool_answers_short_deep_expressions_from_the_pool() {
        use crate::Tool;
        use crate::builtin::calculate::{Calculate, CalculateArgs};
        // Short enough to be tried inline, too deep for it: the pool answers, within the
        // configured depth.
        let n = 50;
        let expression = format!("{}7{}", "(".repeat(n), ")".repeat(n));
        assert!(expression.len() <= INLINE_MAX_LEN);
        let out = Calculate::default()
            .call(CalculateArgs { expression })
            .await
            .unwrap();
        assert_eq!(out.result, "7");
    }

    #[test]
    fn the_largest_inline_value_stays_small() {
        // The worst case for size: digits, then a division by `1%%%…` (1/100 per `%`).
        let e = format!("{}/1{}", "9".repeat(60), "%".repeat(60));
        assert!(e.len() <= INLINE_MAX_LEN);
        let out = try_evaluate(&e, &Limits::default()).unwrap().unwrap();
        assert!(out.result.len() < 400, "{}", out.result);
    }
}
