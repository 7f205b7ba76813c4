//! What the code `#[tool]` generates refers to: the crates its derives need, under a path the
//! caller's crate can always reach, and the split of a `Result` return type. Not a public API.

pub use schemars;
pub use serde;
pub use serde_json;

/// The `Ok` and `Err` types of a tool function's return type named `Result` (`Result<T, E>` or
/// an alias such as `io::Result<T>`).
pub trait ToolReturn {
    /// The output.
    type Output;
    /// The error.
    type Error;
    /// The value as a `Result`.
    fn into_result(self) -> Result<Self::Output, Self::Error>;
}

impl<T, E> ToolReturn for Result<T, E> {
    type Output = T;
    type Error = E;

    fn into_result(self) -> Result<T, E> {
        self
    }
}
