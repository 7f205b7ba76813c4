//! The journal in Postgres: listing messages, deliveries and attempts, and pruning.

use std::time::SystemTime;

use async_trait::async_trait;
use sqlx::postgres::PgArguments;
use sqlx::query::Query;
use sqlx::{AssertSqlSafe, Postgres};

use super::rows::db;
use super::{PostgresStore, map_all};
use crate::delivery::ids::MessageId;
use crate::delivery::model::{Attempt, Delivery, Message, to_millis};
use crate::delivery::query::{AttemptQuery, DeliveryQuery, MessageQuery};
use crate::delivery::store::JournalStore;
use crate::delivery::store::sql::MESSAGE_COLUMNS;
use crate::delivery::store::sql::list::{self, Arg, Dialect, ListSql};
use crate::delivery::store::sql::{self};
use crate::delivery::store::types::StoreError;

#[async_trait]
impl JournalStore for PostgresStore {
    async fn get_message(&self, id: &MessageId) -> Result<Option<Message>, StoreError> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = $1"
        )))
        .bind(id.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.as_ref().map(sql::message).transpose()
    }

    async fn list_messages(&self, q: &MessageQuery) -> Result<Vec<Message>, StoreError> {
        let l = list::messages(q, q.effective_limit(), Dialect::Postgres);
        map_all(self.fetch(l).await?, sql::message)
    }

    async fn list_deliveries(&self, q: &DeliveryQuery) -> Result<Vec<Delivery>, StoreError> {
        let l = list::deliveries(q, q.effective_limit(), Dialect::Postgres);
        map_all(self.fetch(l).await?, sql::delivery)
    }

    async fn list_attempts(&self, q: &AttemptQuery) -> Result<Vec<Attempt>, StoreError> {
        let l = list::attempts(q, q.effective_limit(), Dialect::Postgres);
        map_all(self.fetch(l).await?, sql::attempt)
    }

    async fn prune(&self, cutoff: SystemTime) -> Result<u64, StoreError> {
        let cutoff = to_millis(cutoff);
        let mut total = 0u64;
        // Chunks of 1,000 messages per transaction keep memory and lock time bounded.
        loop {
            let mut tx = self.pool.begin().await.map_err(db)?;
            let ids: Vec<(String,)> = sqlx::query_as(
                "SELECT m.id FROM messages m WHERE m.created_at < $1 AND NOT EXISTS (\
                   SELECT 1 FROM deliveries d WHERE d.message_id = m.id \
                   AND d.status IN ('pending', 'in_flight')) \
                 LIMIT 1000 FOR UPDATE SKIP LOCKED",
            )
            .bind(cutoff)
            .fetch_all(&mut *tx)
            .await
            .map_err(db)?;
            let ids: Vec<String> = ids.into_iter().map(|(id,)| id).collect();
            for sql in [
                "DELETE FROM attempts WHERE message_id = ANY($1)",
                "DELETE FROM deliveries WHERE message_id = ANY($1)",
                "DELETE FROM idempotency_keys WHERE message_id = ANY($1)",
                "DELETE FROM messages WHERE id = ANY($1)",
            ] {
                sqlx::query(sql)
                    .bind(&ids)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
            }
            tx.commit().await.map_err(db)?;
            total += ids.len() as u64;
            if ids.len() < 1000 {
                return Ok(total);
            }
        }
    }
}

impl PostgresStore {
    /// Runs a built list statement.
    async fn fetch(&self, l: ListSql) -> Result<Vec<sqlx::postgres::PgRow>, StoreError> {
        bind_all(l.sql, l.args)
            .fetch_all(&self.pool)
            .await
            .map_err(db)
    }
}

fn bind_all(sql: String, args: Vec<Arg>) -> Query<'static, Postgres, PgArguments> {
    let mut q = sqlx::query(AssertSqlSafe(sql));
    for a in args {
        q = match a {
            Arg::Text(s) => q.bind(s),
            Arg::Int(i) => q.bind(i),
        };
    }
    q
}
