//! Endpoint records in Postgres.

use std::time::SystemTime;

use async_trait::async_trait;
use sqlx::{AssertSqlSafe, PgConnection, PgPool};

use super::rows::db;
use super::{PostgresStore, conflict_or_db, map_all};
use crate::delivery::ids::EndpointId;
use crate::delivery::model::{DisabledReason, Endpoint, to_millis};
use crate::delivery::store::EndpointStore;
use crate::delivery::store::sql::ENDPOINT_COLUMNS;
use crate::delivery::store::sql::codec::encode_channels;
use crate::delivery::store::sql::{
    self,
    codec::{encode_events, encode_headers, encode_keys, encode_metadata},
};
use crate::delivery::store::types::StoreError;

#[async_trait]
impl EndpointStore for PostgresStore {
    async fn insert_endpoint(&self, endpoint: &Endpoint) -> Result<(), StoreError> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        write_endpoint(&mut conn, endpoint, true).await.map(|_| ())
    }

    async fn update_endpoint(&self, endpoint: &Endpoint) -> Result<(), StoreError> {
        if update_settings(&self.pool, endpoint).await? {
            // Deliveries held behind a head may be claimable now, in any process.
            self.announce.notify_one();
        }
        Ok(())
    }

    async fn delete_endpoint(&self, id: &EndpointId) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let n = sqlx::query("DELETE FROM endpoints WHERE id = $1")
            .bind(id.as_str())
            .execute(&mut *tx)
            .await
            .map_err(db)?
            .rows_affected();
        for sql in [
            "DELETE FROM deliveries WHERE endpoint_id = $1",
            "DELETE FROM attempts WHERE endpoint_id = $1",
        ] {
            sqlx::query(sql)
                .bind(id.as_str())
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        tx.commit().await.map_err(db)?;
        Ok(n > 0)
    }

    async fn get_endpoint(&self, id: &EndpointId) -> Result<Option<Endpoint>, StoreError> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {ENDPOINT_COLUMNS} FROM endpoints WHERE id = $1"
        )))
        .bind(id.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.as_ref().map(sql::endpoint).transpose()
    }

    async fn list_endpoints(&self) -> Result<Vec<Endpoint>, StoreError> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {ENDPOINT_COLUMNS} FROM endpoints ORDER BY created_at, id"
        )))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        map_all(rows, sql::endpoint)
    }

    async fn set_endpoint_enabled(
        &self,
        id: &EndpointId,
        enabled: bool,
        reason: Option<DisabledReason>,
        now: SystemTime,
    ) -> Result<bool, StoreError> {
        let q = if enabled {
            sqlx::query(
                "UPDATE endpoints SET enabled = TRUE, disabled_reason = NULL, \
                 failing_since = NULL, updated_at = $2 WHERE id = $1",
            )
            .bind(id.as_str())
            .bind(to_millis(now))
        } else {
            sqlx::query(
                "UPDATE endpoints SET enabled = FALSE, disabled_reason = $3, updated_at = $2 \
                 WHERE id = $1",
            )
            .bind(id.as_str())
            .bind(to_millis(now))
            .bind(reason.unwrap_or(DisabledReason::Manual).as_str())
        };
        let r = q.execute(&self.pool).await.map_err(db)?;
        if enabled && r.rows_affected() > 0 {
            self.announce.notify_one();
        }
        Ok(r.rows_affected() > 0)
    }
}

/// Changes an endpoint's settings in one transaction; returns whether that released its queue
/// (`ordered` switched off).
///
/// A change of `ordered` first locks the endpoints table `IN EXCLUSIVE MODE`, which waits for
/// every transaction holding a row lock on an endpoint or writing one, and holds back new ones
/// until this one commits; plain reads (claims) go on. The writers that copy an endpoint's
/// setting into a delivery (enqueue, replay, recovery) read it `FOR KEY SHARE` in the
/// transaction that writes the delivery, so under READ COMMITTED each one either committed
/// before the lock was granted (then the flag rewrite, a later statement with a later snapshot,
/// sees its rows) or waits for this commit and then reads the new setting (`FOR KEY SHARE`
/// returns the row's newest version, whatever the statement's snapshot). A table lock rather
/// than the row `FOR UPDATE`: its queue is fair, where a row lock waiting for `FOR KEY SHARE`
/// holders can be overtaken by new ones for as long as enqueues overlap. And no deadlock: the
/// flag rewrite waits only for delivery rows locked by claims and releases, which never wait
/// for endpoints, and by batches of completions, which lock endpoints first (`complete`) and so
/// either finished before the table lock was granted or wait for it holding no delivery.
///
/// Any other change of settings locks only the endpoint's row, `FOR NO KEY UPDATE` (which
/// enqueues do not wait for, nor it for them), so it cannot write back a stale `ordered` over a
/// concurrent change of it.
async fn update_settings(pool: &PgPool, endpoint: &Endpoint) -> Result<bool, StoreError> {
    let id = &endpoint.id;
    // Whether to take the table is decided on a plain read; when the setting turns out changed
    // by the time the row is locked, the transaction runs again with the table.
    let mut take_table = None;
    loop {
        let mut tx = pool.begin().await.map_err(db)?;
        let table = match take_table {
            Some(table) => table,
            None => ordered_now(&mut tx, id, "").await? != endpoint.ordered,
        };
        if table {
            sqlx::query("LOCK TABLE endpoints IN EXCLUSIVE MODE")
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        // The row lock orders this change after any other one of the endpoint's settings, so
        // the value read here is the one being replaced.
        let was_ordered = ordered_now(&mut tx, id, "FOR NO KEY UPDATE").await?;
        let reorder = was_ordered != endpoint.ordered;
        if reorder && !table {
            tx.rollback().await.map_err(db)?;
            take_table = Some(true);
            continue;
        }
        if write_endpoint(&mut tx, endpoint, false).await? == 0 {
            return Err(StoreError::NotFound(format!("endpoint {id}")));
        }
        if reorder {
            reorder_queue(&mut tx, id, endpoint.ordered).await?;
        }
        tx.commit().await.map_err(db)?;
        return Ok(was_ordered && !endpoint.ordered);
    }
}

/// The endpoint's `ordered` setting as committed, read with `lock` (a locking clause or
/// nothing); [`StoreError::NotFound`] when it is unknown.
async fn ordered_now(
    conn: &mut PgConnection,
    id: &EndpointId,
    lock: &'static str,
) -> Result<bool, StoreError> {
    sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT ordered FROM endpoints WHERE id = $1 {lock}"
    )))
    .bind(id.as_str())
    .fetch_optional(conn)
    .await
    .map_err(db)?
    .ok_or_else(|| StoreError::NotFound(format!("endpoint {id}")))
}

/// Rewrites the `ordered` flag of the endpoint's unfinished deliveries ([`sql::reorder_sql`]).
pub(super) async fn reorder_queue(
    conn: &mut PgConnection,
    id: &EndpointId,
    ordered: bool,
) -> Result<(), StoreError> {
    sqlx::query(sql::reorder_sql(ordered))
        .bind(id.as_str())
        .execute(conn)
        .await
        .map_err(db)?;
    Ok(())
}

async fn write_endpoint(
    conn: &mut PgConnection,
    e: &Endpoint,
    insert: bool,
) -> Result<u64, StoreError> {
    let query = if insert {
        sqlx::query(
            "INSERT INTO endpoints (id, name, url, events, keys, headers, max_in_flight, \
             updated_at, rate_limit, description, metadata, origin, ordered, channels, \
             enabled, disabled_reason, failing_since, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
             $18)",
        )
    } else {
        // Settings only: the enabled state and the failure clock change through their own calls.
        sqlx::query(
            "UPDATE endpoints SET name = $2, url = $3, events = $4, keys = $5, headers = $6, \
             max_in_flight = $7, updated_at = $8, rate_limit = $9, description = $10, \
             metadata = $11, origin = $12, ordered = $13, channels = $14 WHERE id = $1",
        )
    };
    let mut query = query
        .bind(e.id.as_str())
        .bind(&e.name)
        .bind(&e.url)
        .bind(encode_events(&e.events)?)
        .bind(encode_keys(&e.keys)?)
        .bind(encode_headers(&e.headers)?)
        .bind(i64::from(e.max_in_flight))
        .bind(to_millis(e.updated_at))
        .bind(e.rate_limit.map(i64::from))
        .bind(e.description.as_deref())
        .bind(encode_metadata(&e.metadata)?)
        .bind(e.origin.as_str())
        .bind(e.ordered)
        .bind(encode_channels(&e.channels));
    if insert {
        query = query
            .bind(e.enabled)
            .bind(e.disabled_reason.map(DisabledReason::as_str))
            .bind(e.failing_since.map(to_millis))
            .bind(to_millis(e.created_at));
    }
    query
        .execute(conn)
        .await
        .map(|r| r.rows_affected())
        .map_err(|err| {
            conflict_or_db(err, || {
                format!("endpoint name {:?} or id {} is taken", e.name, e.id)
            })
        })
}
