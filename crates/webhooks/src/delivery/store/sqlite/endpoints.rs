//! Endpoint records in SQLite.

use std::time::SystemTime;

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, params};

use super::rows::{self, db};
use super::{SqliteStore, is_unique_violation, query_all, query_one};
use crate::delivery::ids::EndpointId;
use crate::delivery::model::{DisabledReason, Endpoint, to_millis};
use crate::delivery::store::EndpointStore;
use crate::delivery::store::sql::codec::{
    encode_channels, encode_events, encode_headers, encode_keys, encode_metadata,
};
use crate::delivery::store::sql::{self, ENDPOINT_COLUMNS};
use crate::delivery::store::types::StoreError;

#[async_trait]
impl EndpointStore for SqliteStore {
    async fn insert_endpoint(&self, endpoint: &Endpoint) -> Result<(), StoreError> {
        let e = endpoint.clone();
        self.call(move |conn| write_endpoint(conn, &e, true).map(|_| ()))
            .await
    }

    async fn update_endpoint(&self, endpoint: &Endpoint) -> Result<(), StoreError> {
        let e = endpoint.clone();
        self.call(move |conn| {
            let was_ordered: Option<bool> = conn
                .prepare_cached("SELECT ordered FROM endpoints WHERE id = ?1")
                .map_err(db)?
                .query_row([e.id.as_str()], |r| r.get(0))
                .optional()
                .map_err(db)?;
            if was_ordered.is_none() || write_endpoint(conn, &e, false)? == 0 {
                return Err(StoreError::NotFound(format!("endpoint {}", e.id)));
            }
            if was_ordered != Some(e.ordered) {
                reorder_queue(conn, &e.id, e.ordered)?;
            }
            Ok(())
        })
        .await
    }

    async fn delete_endpoint(&self, id: &EndpointId) -> Result<bool, StoreError> {
        let id = id.clone();
        self.call(move |conn| {
            let n = conn
                .execute("DELETE FROM endpoints WHERE id = ?1", [id.as_str()])
                .map_err(db)?;
            conn.execute(
                "DELETE FROM deliveries WHERE endpoint_id = ?1",
                [id.as_str()],
            )
            .map_err(db)?;
            conn.execute("DELETE FROM attempts WHERE endpoint_id = ?1", [id.as_str()])
                .map_err(db)?;
            Ok(n > 0)
        })
        .await
    }

    async fn get_endpoint(&self, id: &EndpointId) -> Result<Option<Endpoint>, StoreError> {
        let id = id.clone();
        self.call(move |conn| {
            query_one(
                conn,
                &format!("SELECT {ENDPOINT_COLUMNS} FROM endpoints WHERE id = ?1"),
                [id.as_str()],
                rows::endpoint,
            )
        })
        .await
    }

    async fn list_endpoints(&self) -> Result<Vec<Endpoint>, StoreError> {
        self.call(|conn| {
            query_all(
                conn,
                &format!("SELECT {ENDPOINT_COLUMNS} FROM endpoints ORDER BY created_at, id"),
                [],
                rows::endpoint,
            )
        })
        .await
    }

    async fn set_endpoint_enabled(
        &self,
        id: &EndpointId,
        enabled: bool,
        reason: Option<DisabledReason>,
        now: SystemTime,
    ) -> Result<bool, StoreError> {
        let id = id.clone();
        self.call(move |conn| {
            let n = if enabled {
                conn.execute(
                    "UPDATE endpoints SET enabled = 1, disabled_reason = NULL, \
                     failing_since = NULL, updated_at = ?2 WHERE id = ?1",
                    params![id.as_str(), to_millis(now)],
                )
            } else {
                conn.execute(
                    "UPDATE endpoints SET enabled = 0, disabled_reason = ?3, updated_at = ?2 \
                     WHERE id = ?1",
                    params![
                        id.as_str(),
                        to_millis(now),
                        reason.unwrap_or(DisabledReason::Manual).as_str()
                    ],
                )
            }
            .map_err(db)?;
            Ok(n > 0)
        })
        .await
    }
}

/// Rewrites the `ordered` flag of the endpoint's unfinished deliveries ([`sql::reorder_sql`]).
fn reorder_queue(conn: &Connection, id: &EndpointId, ordered: bool) -> Result<(), StoreError> {
    conn.execute(sql::reorder_sql(ordered), [id.as_str()])
        .map_err(db)?;
    Ok(())
}

fn write_endpoint(conn: &Connection, e: &Endpoint, insert: bool) -> Result<usize, StoreError> {
    let events = encode_events(&e.events)?;
    let keys = encode_keys(&e.keys)?;
    let headers = encode_headers(&e.headers)?;
    let metadata = encode_metadata(&e.metadata)?;
    let channels = encode_channels(&e.channels);
    let result = if insert {
        conn.prepare_cached(
            "INSERT INTO endpoints (id, name, url, events, keys, headers, enabled, \
             disabled_reason, failing_since, max_in_flight, created_at, updated_at, rate_limit, \
             description, metadata, origin, ordered, channels) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, \
             ?18)",
        )
        .map_err(db)?
        .execute(params![
            e.id.as_str(),
            e.name,
            e.url,
            events,
            keys,
            headers,
            e.enabled,
            e.disabled_reason.map(DisabledReason::as_str),
            e.failing_since.map(to_millis),
            e.max_in_flight,
            to_millis(e.created_at),
            to_millis(e.updated_at),
            e.rate_limit,
            e.description,
            metadata,
            e.origin.as_str(),
            e.ordered,
            channels,
        ])
    } else {
        // Settings only: the enabled state and the failure clock change through their own calls.
        conn.prepare_cached(
            "UPDATE endpoints SET name = ?2, url = ?3, events = ?4, keys = ?5, headers = ?6, \
             max_in_flight = ?7, updated_at = ?8, rate_limit = ?9, description = ?10, \
             metadata = ?11, origin = ?12, ordered = ?13, channels = ?14 WHERE id = ?1",
        )
        .map_err(db)?
        .execute(params![
            e.id.as_str(),
            e.name,
            e.url,
            events,
            keys,
            headers,
            e.max_in_flight,
            to_millis(e.updated_at),
            e.rate_limit,
            e.description,
            metadata,
            e.origin.as_str(),
            e.ordered,
            channels,
        ])
    };
    result.map_err(|err| {
        if is_unique_violation(&err) {
            StoreError::Conflict(format!(
                "endpoint name {:?} or id {} is taken",
                e.name, e.id
            ))
        } else {
            db(err)
        }
    })
}
