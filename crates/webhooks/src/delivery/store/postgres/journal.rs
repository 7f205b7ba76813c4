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
use crate::delivery::store::sql::{self};
use crate::delivery::store::sql::{ATTEMPT_COLUMNS, DELIVERY_COLUMNS, MESSAGE_COLUMNS};
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
        let mut f = Filter::default();
        if let Some(e) = &q.endpoint {
            f.add(
                "EXISTS (SELECT 1 FROM deliveries d WHERE d.message_id = messages.id \
                 AND d.endpoint_id = ?)",
                Arg::Text(e.as_str().to_owned()),
            );
        }
        if let Some(t) = &q.event_type {
            f.add("event_type = ?", Arg::Text(t.clone()));
        }
        if let Some(since) = q.since {
            f.add("created_at >= ?", Arg::Int(to_millis(since)));
        }
        let (sql, args) = f.finish(
            &format!("SELECT {MESSAGE_COLUMNS} FROM messages"),
            "created_at DESC, id DESC",
            q.effective_limit(),
        );
        let rows = bind_all(sql, args)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        map_all(rows, sql::message)
    }

    async fn list_deliveries(&self, q: &DeliveryQuery) -> Result<Vec<Delivery>, StoreError> {
        let mut f = Filter::default();
        if let Some(e) = &q.endpoint {
            f.add("endpoint_id = ?", Arg::Text(e.as_str().to_owned()));
        }
        if let Some(m) = &q.message {
            f.add("message_id = ?", Arg::Text(m.as_str().to_owned()));
        }
        if let Some(s) = q.status {
            // A literal (one of a fixed set), so the partial index of that status is used.
            f.clauses.push(format!("status = '{}'", s.as_str()));
        }
        let (sql, args) = f.finish(
            &format!("SELECT {DELIVERY_COLUMNS} FROM deliveries"),
            "created_at DESC, id DESC",
            q.effective_limit(),
        );
        let rows = bind_all(sql, args)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        map_all(rows, sql::delivery)
    }

    async fn list_attempts(&self, q: &AttemptQuery) -> Result<Vec<Attempt>, StoreError> {
        let mut f = Filter::default();
        if let Some(e) = &q.endpoint {
            f.add("endpoint_id = ?", Arg::Text(e.as_str().to_owned()));
        }
        if let Some(m) = &q.message {
            f.add("message_id = ?", Arg::Text(m.as_str().to_owned()));
        }
        if let Some(d) = &q.delivery {
            f.add("delivery_id = ?", Arg::Text(d.as_str().to_owned()));
        }
        let (sql, args) = f.finish(
            &format!("SELECT {ATTEMPT_COLUMNS} FROM attempts"),
            "at DESC, seq DESC",
            q.effective_limit(),
        );
        let rows = bind_all(sql, args)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        map_all(rows, sql::attempt)
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

/// A positional argument of a dynamically built query.
enum Arg {
    Text(String),
    Int(i64),
}

#[derive(Default)]
struct Filter {
    clauses: Vec<String>,
    args: Vec<Arg>,
}

impl Filter {
    fn add(&mut self, clause: &str, arg: Arg) {
        self.args.push(arg);
        self.clauses
            .push(clause.replace('?', &format!("${}", self.args.len())));
    }

    fn finish(mut self, select: &str, order: &str, limit: usize) -> (String, Vec<Arg>) {
        self.args
            .push(Arg::Int(i64::try_from(limit).unwrap_or(i64::MAX)));
        let filter = if self.clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.clauses.join(" AND "))
        };
        (
            format!(
                "{select} {filter} ORDER BY {order} LIMIT ${}",
                self.args.len()
            ),
            self.args,
        )
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
