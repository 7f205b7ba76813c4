//! The journal in SQLite: listing messages, deliveries and attempts, and pruning.

use std::time::SystemTime;

use async_trait::async_trait;
use rusqlite::params_from_iter;
use rusqlite::types::Value;

use super::rows::{self, db};
use super::{SqliteStore, query_all, query_one};
use crate::delivery::ids::MessageId;
use crate::delivery::model::{Attempt, Delivery, Message, to_millis};
use crate::delivery::query::{AttemptQuery, DeliveryQuery, MessageQuery};
use crate::delivery::store::JournalStore;
use crate::delivery::store::sql::{ATTEMPT_COLUMNS, DELIVERY_COLUMNS, MESSAGE_COLUMNS};
use crate::delivery::store::types::StoreError;

#[async_trait]
impl JournalStore for SqliteStore {
    async fn get_message(&self, id: &MessageId) -> Result<Option<Message>, StoreError> {
        let id = id.clone();
        self.call(move |conn| {
            query_one(
                conn,
                &format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = ?1"),
                [id.as_str()],
                rows::message,
            )
        })
        .await
    }

    async fn list_messages(&self, query: &MessageQuery) -> Result<Vec<Message>, StoreError> {
        let q = query.clone();
        self.call(move |conn| {
            let mut f = Filter::default();
            if let Some(e) = &q.endpoint {
                f.add(
                    "EXISTS (SELECT 1 FROM deliveries d WHERE d.message_id = messages.id \
                     AND d.endpoint_id = ?)",
                    e.as_str().to_owned(),
                );
            }
            if let Some(t) = &q.event_type {
                f.add("event_type = ?", t.clone());
            }
            if let Some(since) = q.since {
                f.add("created_at >= ?", to_millis(since));
            }
            f.values.push(Value::Integer(limit_value(q.effective_limit())));
            let sql = format!(
                "SELECT {MESSAGE_COLUMNS} FROM messages {} ORDER BY created_at DESC, id DESC LIMIT ?{}",
                f.sql(),
                f.values.len()
            );
            query_all(conn, &sql, params_from_iter(f.values), rows::message)
        })
        .await
    }

    async fn list_deliveries(&self, query: &DeliveryQuery) -> Result<Vec<Delivery>, StoreError> {
        let q = query.clone();
        self.call(move |conn| {
            let mut f = Filter::default();
            if let Some(e) = &q.endpoint {
                f.add("endpoint_id = ?", e.as_str().to_owned());
            }
            if let Some(m) = &q.message {
                f.add("message_id = ?", m.as_str().to_owned());
            }
            if let Some(s) = q.status {
                // A literal (one of a fixed set), so the partial index of that status is used.
                f.clauses.push(format!("status = '{}'", s.as_str()));
            }
            f.values.push(Value::Integer(limit_value(q.effective_limit())));
            let sql = format!(
                "SELECT {DELIVERY_COLUMNS} FROM deliveries {} ORDER BY created_at DESC, id DESC LIMIT ?{}",
                f.sql(),
                f.values.len()
            );
            query_all(conn, &sql, params_from_iter(f.values), rows::delivery)
        })
        .await
    }

    async fn list_attempts(&self, query: &AttemptQuery) -> Result<Vec<Attempt>, StoreError> {
        let q = query.clone();
        self.call(move |conn| {
            let mut f = Filter::default();
            if let Some(e) = &q.endpoint {
                f.add("endpoint_id = ?", e.as_str().to_owned());
            }
            if let Some(m) = &q.message {
                f.add("message_id = ?", m.as_str().to_owned());
            }
            if let Some(d) = &q.delivery {
                f.add("delivery_id = ?", d.as_str().to_owned());
            }
            f.values
                .push(Value::Integer(limit_value(q.effective_limit())));
            let sql = format!(
                "SELECT {ATTEMPT_COLUMNS} FROM attempts {} ORDER BY at DESC, seq DESC LIMIT ?{}",
                f.sql(),
                f.values.len()
            );
            query_all(conn, &sql, params_from_iter(f.values), rows::attempt)
        })
        .await
    }

    async fn prune(&self, cutoff: SystemTime) -> Result<u64, StoreError> {
        self.call(move |conn| {
            let cutoff = to_millis(cutoff);
            let mut total = 0u64;
            // Chunks of 1,000 keep memory bounded however much has piled up.
            loop {
                let ids: Vec<String> = {
                    let mut stmt = conn
                        .prepare_cached(
                            "SELECT m.id FROM messages m WHERE m.created_at < ?1 AND NOT EXISTS (\
                               SELECT 1 FROM deliveries d WHERE d.message_id = m.id \
                               AND d.status IN ('pending', 'in_flight')) LIMIT 1000",
                        )
                        .map_err(db)?;
                    let rows = stmt.query_map([cutoff], |r| r.get(0)).map_err(db)?;
                    rows.collect::<Result<_, _>>().map_err(db)?
                };
                for id in &ids {
                    for sql in [
                        "DELETE FROM attempts WHERE message_id = ?1",
                        "DELETE FROM deliveries WHERE message_id = ?1",
                        "DELETE FROM idempotency_keys WHERE message_id = ?1",
                        "DELETE FROM messages WHERE id = ?1",
                    ] {
                        conn.prepare_cached(sql)
                            .map_err(db)?
                            .execute([id])
                            .map_err(db)?;
                    }
                }
                total += ids.len() as u64;
                if ids.len() < 1000 {
                    return Ok(total);
                }
            }
        })
        .await
    }
}

/// `WHERE` clause builder with positional values.
#[derive(Default)]
struct Filter {
    clauses: Vec<String>,
    values: Vec<Value>,
}

impl Filter {
    fn add(&mut self, clause: &str, value: impl Into<Value>) {
        self.values.push(value.into());
        self.clauses
            .push(clause.replace('?', &format!("?{}", self.values.len())));
    }

    fn sql(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.clauses.join(" AND "))
        }
    }
}

fn limit_value(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}
