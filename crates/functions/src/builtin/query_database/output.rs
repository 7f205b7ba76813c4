//! The tool's wire types: the arguments the model sends and the result it gets back.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Arguments of the `query_database` tool, as written by the model.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QueryArgs {
    /// Name of one of the configured databases (see the tool description for the list).
    pub database: String,
    // One line per doc paragraph: schemars copies line breaks into the schema the model reads.
    /// One read-only SQL query (`SELECT`, `WITH … SELECT`, `VALUES`, or `EXPLAIN` of a query) in the database's own dialect. Only one statement; writes, DDL, `SET`, locking clauses and side-effect functions are refused.
    pub query: String,
    /// Maximum number of rows to return. Capped by the operator's limit; defaults to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub max_rows: Option<u32>,
}

/// Result of one query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct QueryOutput {
    /// The result columns, in order.
    pub columns: Vec<Column>,
    /// The rows, each a list of values in column order.
    ///
    /// Values are JSON: integers and floats as numbers (NaN and infinities as strings), text as strings, booleans, `null`, exact decimals as strings, dates and times as ISO 8601 / RFC 3339 strings, JSON columns as JSON, bytes as `{"$base64": "…"}`, and types this tool cannot convert as a string starting with `[unsupported type`.
    pub rows: Vec<Vec<serde_json::Value>>,
    /// Number of rows in `rows`.
    pub row_count: u64,
    /// True when more rows were available than returned.
    pub truncated: bool,
    /// Which limit stopped the result, when `truncated` is true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub truncated_reason: Option<TruncatedReason>,
}

/// One result column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Column {
    /// Column name as the database reports it.
    pub name: String,
    /// The database's type name (e.g. `INT8`, `VARCHAR`, `DECIMAL`), or `null` when the engine does not declare one (SQLite expressions).
    #[serde(rename = "type")]
    pub type_name: Option<String>,
}

/// The limit that cut a result short.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", tag = "limit")]
#[non_exhaustive]
pub enum TruncatedReason {
    /// The row limit was reached; more rows were available.
    MaxRows {
        /// The row limit that applied.
        max_rows: u32,
    },
    /// The next row would have made the result larger than the byte limit.
    MaxBytes {
        /// The byte limit that applied (size of the rows as JSON).
        max_bytes: u64,
    },
}
