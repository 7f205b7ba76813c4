//! A tool without a doc comment: the error points at the function name.

use switchboard_functions::tool;

#[tool]
fn undocumented(a: i64) -> i64 {
    a
}

fn main() {}
