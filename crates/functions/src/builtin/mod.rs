//! Built-in tools, each behind its own feature, registered like any other [`Tool`](crate::Tool).
//!
//! | tool | feature | type to register |
//! |---|---|---|
//! | `calculate` | `calculate` | [`calculate::Calculate`] |
//! | `read_file`, `list_dir` | `read_file` | [`read_file::ReadFile`], [`read_file::ListDir`] |
//! | `query_database` | `query_database` | [`query_database::QueryDatabase`] |
//! | `execute_code` | `execute_code` (Linux) | [`execute_code::ExecuteCode`] |
//!
//! What each guarantees against hostile input, and what it does not, is in its module docs and
//! in `docs/builtin-tools.md`.

#[cfg(feature = "calculate")]
pub mod calculate;
#[cfg(all(feature = "execute_code", target_os = "linux"))]
pub mod execute_code;
#[cfg(feature = "query_database")]
pub mod query_database;
#[cfg(feature = "read_file")]
pub mod read_file;
