//! Errors of one query. Every message is safe to return to the model: no URL, path or credential appears.

/// Why a query returned no result.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QueryError {
    /// The model named a database that is not configured.
    #[error("unknown database `{name}`; configured databases: {available}")]
    UnknownDatabase {
        /// The requested name (cut to 80 characters).
        name: String,
        /// The configured names, comma separated.
        available: String,
    },
    /// An argument is invalid; `pointer` is the JSON pointer of the argument.
    #[error("invalid argument at {pointer}: {reason}")]
    InvalidArgument {
        /// JSON pointer into the arguments, e.g. `/max_rows`.
        pointer: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The query was refused because it is not a single read-only query, or a guard stopped it.
    #[error("query refused: {reason}")]
    Refused {
        /// Which rule refused it.
        reason: String,
    },
    /// The query ran longer than the configured timeout and was stopped.
    #[error("query stopped: it ran longer than the {timeout_ms} ms limit")]
    Timeout {
        /// The limit in milliseconds.
        timeout_ms: u64,
    },
    /// The database could not be reached or opened.
    #[error("database `{database}` is unavailable: {reason}")]
    Unavailable {
        /// The database name.
        database: String,
        /// Why, with credentials removed.
        reason: String,
    },
    /// The database rejected or failed the query (syntax error, unknown table, …).
    #[error("the database reported an error: {message}")]
    Database {
        /// The engine's message, with credentials removed.
        message: String,
    },
    /// A failure inside this tool (a worker thread panicked, the pool was closed).
    #[error("internal error: {message}")]
    Internal {
        /// What failed.
        message: String,
    },
}

impl QueryError {
    /// True when the query was refused by a guard (not merely failed or timed out).
    pub fn is_refused(&self) -> bool {
        matches!(self, QueryError::Refused { .. })
    }

    /// True when the query was stopped by the timeout.
    pub fn is_timeout(&self) -> bool {
        matches!(self, QueryError::Timeout { .. })
    }

    pub(super) fn refused(reason: impl Into<String>) -> Self {
        QueryError::Refused {
            reason: reason.into(),
        }
    }
}
