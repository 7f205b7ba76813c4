//! Under `require_docs`, an undescribed parameter: the error points at it.

use switchboard_functions::tool;

/// Adds two integers.
#[tool(require_docs)]
fn add(
    /// First operand.
    a: i64,
    b: i64,
) -> i64 {
    a + b
}

fn main() {}
