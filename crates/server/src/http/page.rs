//! The JSON shape of a page of every admin list (messages, deliveries, attempts, tool calls),
//! also printed by `switchboard calls list --json`: `data`, `iterator` (the next, older page;
//! `null` at the end), `prev_iterator` (the newer rows, or where to poll for new ones) and
//! `done`.

use serde_json::{Value, json};
use switchboard::webhooks::delivery::{Cursor, Page};

/// `page` as the admin API answers it, each row turned into JSON by `row`.
pub fn page_json<T>(page: &Page<T>, row: impl Fn(&T) -> Value) -> Value {
    json!({
        "data": page.data.iter().map(row).collect::<Vec<_>>(),
        "iterator": page.next.as_ref().map(Cursor::encode),
        "prev_iterator": page.prev.as_ref().map(Cursor::encode),
        "done": page.done,
    })
}
