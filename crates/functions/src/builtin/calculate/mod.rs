//! The `calculate` tool: exact arithmetic on untrusted expressions, bounded in length, depth, size and time.
//!
//! Numbers are exact rationals (`0.1 + 0.2` is `0.3`, integers of any size up to a bit limit) until an
//! operation is irrational (`sqrt(2)`, `sin`, `pi`), after which the result is a 64-bit float and is
//! reported as not exact. The evaluator never recurses deeper than [`Limits::max_depth`], refuses
//! results larger than [`Limits::max_bits`] *before* computing them (`10^10^10` is an error at once),
//! and stops at [`Limits::time`].

mod error;
mod eval;
mod inline;
mod lexer;
mod number;
mod pool;
mod small;
mod tool;

use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use error::CalcError;
pub use tool::Calculate;

/// Arguments of the `calculate` tool.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CalculateArgs {
    /// The expression, e.g. `(1 + 2) * 3^2`, `sqrt(2)`, `15% * 80`, `10 mod 3`, `20!`.
    /// Operators: `+ - * / ^` (also `**`), `mod`, postfix `%` (percent) and `!` (factorial).
    /// Functions: abs, sqrt, cbrt, exp, ln, log (base 10, or `log(x, base)`), log2, log10,
    /// sin, cos, tan, asin, acos, atan (radians), floor, ceil, trunc, round (`round(x, places)`),
    /// min, max. Constants: pi, tau, e.
    pub expression: String,
}

/// The result of the `calculate` tool.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct CalculateOutput {
    /// The value in decimal notation. When `fraction` is present the decimal is rounded
    /// to the configured significant digits and `fraction` is the exact value.
    pub result: String,
    /// Whether the value is exact (a rational computed without rounding). False once an
    /// irrational operation (`sqrt(2)`, `sin`, `pi`) made it a 64-bit float approximation.
    pub exact: bool,
    /// The exact value as a fraction, when it has no finite decimal form (e.g. `1/3`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fraction: Option<String>,
}

/// Stack size of the thread [`evaluate_on_own_thread`] runs on. The evaluator's recursion is
/// bounded by [`Limits::max_depth`]; at the default depth it needs well under an eighth of this,
/// which the hostile-input tests check.
pub const EVAL_STACK_SIZE: usize = 16 * 1024 * 1024;

/// Bounds that keep evaluation of hostile input cheap.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Longest expression accepted, in characters.
    pub max_len: usize,
    /// Deepest nesting of parentheses, signs, powers and calls (each counts about 1–3 levels).
    pub max_depth: usize,
    /// Largest exact number, in bits of numerator plus denominator.
    pub max_bits: u64,
    /// Largest `n` accepted by `n!`.
    pub max_factorial: u64,
    /// Wall-clock budget for one evaluation.
    pub time: Duration,
    /// Significant digits shown for results that are not exact decimals.
    pub digits: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_len: 1024,
            max_depth: 200,
            max_bits: 65_536,
            max_factorial: 3_000,
            time: Duration::from_millis(250),
            digits: 30,
        }
    }
}

/// Evaluates `expression` within `limits`.
///
/// ```
/// # use switchboard_functions::builtin::calculate::{evaluate, Limits};
/// let out = evaluate("0.1 + 0.2", &Limits::default()).unwrap();
/// assert_eq!(out.result, "0.3");
/// assert!(out.exact);
/// assert!(evaluate("10^10^10", &Limits::default()).is_err());
/// ```
pub fn evaluate(expression: &str, limits: &Limits) -> Result<CalculateOutput, CalcError> {
    let len = expression.chars().count();
    if len > limits.max_len {
        return Err(CalcError::TooLong {
            len,
            max: limits.max_len,
        });
    }
    // Plain arithmetic on small numbers first; everything else (and every error) from the
    // general evaluator.
    let (result, exact, fraction) = match small::evaluate(expression, limits) {
        Some(value) => number::format_fraction(value.num, value.den, limits.digits),
        None => {
            let tokens = lexer::tokenize(expression)?;
            if tokens.is_empty() {
                return Err(CalcError::Empty);
            }
            let value = eval::Evaluator::new(&tokens, limits, len + 1).run()?;
            number::format(&value, limits.digits)
        }
    };
    Ok(CalculateOutput {
        result,
        exact,
        fraction,
    })
}

/// Runs [`evaluate`] on a thread with [`EVAL_STACK_SIZE`] of stack, so that the caller's stack
/// size (a tokio worker's, say) does not matter. The threads belong to a small shared pool
/// (one per core, 2 to 8) started on first use; a call waits while all of them are busy, each
/// evaluation being bounded by [`Limits::time`].
pub async fn evaluate_on_own_thread(
    expression: String,
    limits: Limits,
) -> Result<CalculateOutput, CalcError> {
    pool::run(expression, limits).await
}
