//! The audit trail: every tool call, from `POST /tools/{name}` and MCP `tools/call` alike,
//! refused ones included, kept as one row in the gateway's store (the SQLite file or Postgres
//! database of `[store]`, next to the deliveries).
//!
//! [`crate::http::dispatch`] hands each finished call to [`Audit::record`], which only puts it
//! on a bounded queue: a writer thread turns queued calls into rows (redacting the arguments and
//! hashing them, [`row`]) and inserts each batch in one transaction. A call never waits for the
//! store and never fails because of it; when the queue is full the row is dropped, counted in
//! `switchboard_audit_dropped_total` and logged.
//!
//! What a row never holds: values under a tool schema's `x-secret` fields, values of the
//! configured `[audit] redact_fields`, the tool's output (only its size), or any token.

mod answer;
mod query;
mod row;
mod store;
mod writer;

pub use answer::{ToolCall, ToolCaller};
pub use query::{CallParams, CallQuery, OUTCOMES, QueryError, format_time};
pub use row::{AsRow, CallRecord, CallRow, NewCall, RowRef, Transport};
pub use store::AuditStore;
pub use writer::{Audit, WRITER_THREAD, apply_retention};
