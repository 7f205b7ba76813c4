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
use crate::delivery::store::sql::MESSAGE_COLUMNS;
use crate::delivery::store::sql::list::{self, Arg, Dialect};
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

    async fn list_messages(&self, q: &MessageQuery) -> Result<Vec<Message>, StoreError> {
        let l = list::messages(q, q.effective_limit(), Dialect::Sqlite);
        self.call(move |conn| query_all(conn, &l.sql, values(l.args), rows::message))
            .await
    }

    async fn list_deliveries(&self, q: &DeliveryQuery) -> Result<Vec<Delivery>, StoreError> {
        let l = list::deliveries(q, q.effective_limit(), Dialect::Sqlite);
        self.call(move |conn| query_all(conn, &l.sql, values(l.args), rows::delivery))
            .await
    }

    async fn list_attempts(&self, q: &AttemptQuery) -> Result<Vec<Attempt>, StoreError> {
        let l = list::attempts(q, q.effective_limit(), Dialect::Sqlite);
        self.call(move |conn| query_all(conn, &l.sql, values(l.args), rows::attempt))
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

/// The list builder's arguments as SQLite values.
fn values(args: Vec<Arg>) -> rusqlite::ParamsFromIter<Vec<Value>> {
    params_from_iter(
        args.into_iter()
            .map(|a| match a {
                Arg::Text(s) => Value::Text(s),
                Arg::Int(i) => Value::Integer(i),
            })
            .collect::<Vec<_>>(),
    )
}
