//! The one shape of a page, answered by every admin list (messages, deliveries, attempts, tool
//! calls) and printed by `switchboard calls list --json`: `data`, `iterator` (the next, older
//! page; `null` at the end), `prev_iterator` (the newer rows, or where to poll for new ones)
//! and `done`. The OpenAPI document takes its schema from this type (`{T}Page`).

use schemars::JsonSchema;
use serde::Serialize;
use switchboard::webhooks::delivery::{Cursor, Page};

/// A page of a list, newest first.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "{T}Page")]
pub struct PageOut<T> {
    /// The rows.
    data: Vec<T>,
    /// The cursor of the next, older page; `null` at the end.
    iterator: Option<String>,
    /// The cursor of the newer rows: where to poll for new ones.
    prev_iterator: Option<String>,
    /// Whether this is the last page.
    done: bool,
}

impl<T> PageOut<T> {
    /// `page` with each row in its answer form `T`.
    pub fn of<R>(page: &Page<R>) -> Self
    where
        for<'a> T: From<&'a R>,
    {
        PageOut {
            data: page.data.iter().map(T::from).collect(),
            iterator: page.next.as_ref().map(Cursor::encode),
            prev_iterator: page.prev.as_ref().map(Cursor::encode),
            done: page.done,
        }
    }
}
