//! Errors of the `calculate` tool: each says what went wrong and at which column.

/// Why an expression could not be evaluated.
///
/// Columns are 1-based character positions in the expression.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CalcError {
    /// The expression is longer than the configured limit.
    #[error("expression is {len} characters long; the limit is {max}")]
    TooLong {
        /// Length of the expression in characters.
        len: usize,
        /// The configured limit.
        max: usize,
    },
    /// The expression is empty or only white space.
    #[error("expression is empty")]
    Empty,
    /// Parentheses, unary signs or powers are nested deeper than the limit.
    #[error("at column {column}: nesting deeper than {max} levels")]
    TooDeep {
        /// Where the limit was crossed.
        column: usize,
        /// The configured limit.
        max: usize,
    },
    /// The expression is not well formed.
    #[error("at column {column}: {message}")]
    Syntax {
        /// Where the problem is.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// A name that is neither a known function nor a constant.
    #[error("at column {column}: unknown name `{name}` (known: {known})")]
    UnknownName {
        /// Where the name is.
        column: usize,
        /// The name as written (lower-cased).
        name: String,
        /// The known names, comma-separated.
        known: String,
    },
    /// Division (or remainder) by zero.
    #[error("at column {column}: division by zero")]
    DivisionByZero {
        /// The operator's column.
        column: usize,
    },
    /// A function or operator applied outside its domain, such as `sqrt(-1)` or `ln(0)`.
    #[error("at column {column}: {message}")]
    Domain {
        /// The column of the function or operator.
        column: usize,
        /// What is out of domain.
        message: String,
    },
    /// A result would exceed the size limit (such as `10^10^10`).
    #[error("at column {column}: result too large ({message})")]
    TooLarge {
        /// The column of the operator that would overflow.
        column: usize,
        /// Why, with the numbers involved.
        message: String,
    },
    /// The evaluation thread could not be started or ended without an answer.
    #[error("the evaluator could not run (no thread available)")]
    Unavailable,
    /// Evaluation took longer than the time limit.
    #[error("evaluation exceeded the time limit of {millis} ms")]
    Timeout {
        /// The configured limit in milliseconds.
        millis: u128,
    },
}

impl CalcError {
    pub(super) fn syntax(column: usize, message: impl Into<String>) -> Self {
        CalcError::Syntax {
            column,
            message: message.into(),
        }
    }

    pub(super) fn domain(column: usize, message: impl Into<String>) -> Self {
        CalcError::Domain {
            column,
            message: message.into(),
        }
    }

    pub(super) fn too_large(column: usize, message: impl Into<String>) -> Self {
        CalcError::TooLarge {
            column,
            message: message.into(),
        }
    }
}
