//! Applying the engine's decisions on Postgres, a batch at a time (see `batch` for the group
//! commit): the endpoints some decision would change are locked, the deliveries still leased
//! are updated and their attempts inserted in one statement, then the endpoint changes are
//! applied against the endpoints as found.

use std::collections::{HashMap, HashSet};

use sqlx::{PgConnection, PgPool};

use super::batch::shared_error;
use super::rows::db;
use crate::delivery::model::{from_millis, to_millis};
use crate::delivery::store::types::StoreError;
use crate::delivery::store::{Applied, ClockChange, Decision};

/// Applies decisions in one transaction: one statement reads the endpoints some change would
/// alter (locking them), one updates the deliveries still leased and inserts their attempts,
/// and, only when there are such endpoints, one writes them.
pub(super) async fn complete_batch(
    pool: PgPool,
    items: Vec<Decision>,
) -> Vec<Result<Applied, StoreError>> {
    match complete_batch_tx(&pool, &items).await {
        Ok(results) => results,
        Err(e) => shared_error(&e, items.len()),
    }
}

async fn complete_batch_tx(
    pool: &PgPool,
    items: &[Decision],
) -> Result<Vec<Result<Applied, StoreError>>, StoreError> {
    let mut tx = pool.begin().await.map_err(db)?;
    // Endpoints before deliveries, the order a change of an endpoint's `ordered` setting locks
    // them in (`endpoints::update_settings`, which then rewrites the flag of the endpoint's
    // queued deliveries): a batch never holds a delivery while it waits for that change.
    let found = changing_endpoints(&mut tx, items).await?;
    let held = update_claimed(&mut tx, items).await?;
    let is_held = |d: &Decision| {
        held.contains(&(
            d.delivery.id.as_str().to_owned(),
            d.delivery.lease_token.clone(),
        ))
    };
    let recorded: Vec<usize> = (0..items.len()).filter(|&i| is_held(&items[i])).collect();
    let applied = apply_endpoint_changes(&mut tx, items, &recorded, found).await?;
    tx.commit().await.map_err(db)?;
    Ok(items
        .iter()
        .zip(applied)
        .map(|(d, applied)| {
            if is_held(d) {
                Ok(applied)
            } else {
                Err(StoreError::LeaseLost(d.delivery.id.clone()))
            }
        })
        .collect())
}

/// Updates the deliveries still leased to their decisions and inserts their attempts, in one
/// statement; returns the `(delivery, lease token)` pairs that were held.
async fn update_claimed(
    tx: &mut PgConnection,
    items: &[Decision],
) -> Result<HashSet<(String, String)>, StoreError> {
    let held: Vec<(String, String)> = sqlx::query_as(
        "WITH u AS (\
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int8[], $5::int8[], \
             $6::int8[], $7::int8[], $8::text[], $9::text[], $10::int8[], $11::int8[], \
             $12::int4[], $13::text[], $14::text[], $15::text[]) \
           AS u(id, token, status, attempts, failed, next_at, now, message_id, endpoint_id, \
             at, latency_us, http_status, body, error_kind, error)), \
         upd AS (\
           UPDATE deliveries d SET status = u.status, attempts = u.attempts, \
             failed_in_round = u.failed, next_attempt_at = u.next_at, \
             lease_until = NULL, lease_token = NULL, updated_at = u.now \
           FROM u WHERE d.id = u.id AND d.status = 'in_flight' AND d.lease_token = u.token \
           RETURNING d.id, u.token), \
         ins AS (\
           INSERT INTO attempts (delivery_id, message_id, endpoint_id, number, at, latency_us, \
             status, response_body, error_kind, error) \
           SELECT u.id, u.message_id, u.endpoint_id, u.attempts, u.at, u.latency_us, \
             u.http_status, u.body, u.error_kind, u.error \
           FROM u JOIN upd ON upd.id = u.id AND upd.token = u.token) \
         SELECT id, token FROM upd",
    )
    .bind(column(items, |d| d.delivery.id.as_str()))
    .bind(column(items, |d| d.delivery.lease_token.as_str()))
    .bind(column(items, |d| d.delivery.next.status().as_str()))
    .bind(column(items, |d| i64::from(d.delivery.attempts)))
    .bind(column(items, |d| i64::from(d.delivery.failed_in_round)))
    .bind(column(items, |d| {
        d.delivery.next.next_attempt_at().map(to_millis)
    }))
    .bind(column(items, |d| to_millis(d.now)))
    .bind(column(items, |d| d.attempt.message_id.as_str()))
    .bind(column(items, |d| d.attempt.endpoint_id.as_str()))
    .bind(column(items, |d| to_millis(d.attempt.at)))
    .bind(column(items, |d| {
        i64::try_from(d.attempt.latency.as_micros()).unwrap_or(i64::MAX)
    }))
    .bind(column(items, |d| d.attempt.status.map(i32::from)))
    .bind(column(items, |d| d.attempt.response_body.as_deref()))
    .bind(column(items, |d| d.attempt.error_kind.map(|k| k.as_str())))
    .bind(column(items, |d| d.attempt.error.as_deref()))
    .fetch_all(&mut *tx)
    .await
    .map_err(db)?;
    Ok(held.into_iter().collect())
}

/// One value per decision, as an array parameter.
fn column<'a, T>(items: &'a [Decision], f: impl Fn(&'a Decision) -> T) -> Vec<T> {
    items.iter().map(f).collect()
}

/// Applies the endpoint changes of the `recorded` decisions, in batch order (their attempts
/// ran concurrently; any order is one they could have finished in), each against the endpoint
/// as the previous one left it, following [`EndpointChange::apply`](super::super::EndpointChange::apply).
/// `found` are the endpoints [`changing_endpoints`] locked; one without a recorded decision is
/// left as it is.
async fn apply_endpoint_changes(
    tx: &mut PgConnection,
    items: &[Decision],
    recorded: &[usize],
    found: Vec<(String, bool, Option<i64>)>,
) -> Result<Vec<Applied>, StoreError> {
    let mut applied = vec![Applied::default(); items.len()];
    if recorded.is_empty() || found.is_empty() {
        return Ok(applied);
    }
    let mut by_endpoint: HashMap<&str, Vec<usize>> = HashMap::new();
    for &i in recorded {
        by_endpoint
            .entry(items[i].endpoint_id.as_str())
            .or_default()
            .push(i);
    }
    let mut writes = EndpointWrites::default();
    for (id, mut enabled, since) in found {
        let Some(decided) = by_endpoint.get(id.as_str()) else {
            continue;
        };
        let mut since = since.map(from_millis);
        let mut disabled = None;
        for &i in decided {
            let d = &items[i];
            let (a, clock) = d.endpoint.apply(enabled, since);
            since = clock;
            if a.disabled {
                enabled = false;
                disabled = d
                    .endpoint
                    .disable
                    .map(|g| (g.reason.as_str(), to_millis(d.now)));
            }
            applied[i] = a;
        }
        writes.push(id, since.map(to_millis), enabled, disabled);
    }
    if !writes.ids.is_empty() {
        writes.run(tx).await?;
    }
    Ok(applied)
}

/// The endpoints some of the decisions would change, as found, locked in id order (so two
/// batches never deadlock) and `FOR NO KEY UPDATE` (which enqueues' `FOR KEY SHARE` does not
/// wait for): a steady stream of successes touches no endpoint row. Decisions whose lease turns
/// out lost lock their endpoint too, harmlessly.
async fn changing_endpoints(
    tx: &mut PgConnection,
    items: &[Decision],
) -> Result<Vec<(String, bool, Option<i64>)>, StoreError> {
    let ids: Vec<&str> = items.iter().map(|d| d.endpoint_id.as_str()).collect();
    let clocks: Vec<&str> = items
        .iter()
        .map(|d| match d.endpoint.clock {
            ClockChange::Keep => "keep",
            ClockChange::Stop => "stop",
            ClockChange::Start { .. } => "start",
        })
        .collect();
    let disables: Vec<bool> = items.iter().map(|d| d.endpoint.disable.is_some()).collect();
    let guards: Vec<Option<i64>> = items
        .iter()
        .map(|d| {
            d.endpoint
                .disable
                .and_then(|g| g.if_failing_since)
                .map(to_millis)
        })
        .collect();
    sqlx::query_as(
        "SELECT e.id, e.enabled, e.failing_since FROM endpoints e \
         WHERE e.id = ANY($1) AND EXISTS (\
           SELECT 1 FROM unnest($1::text[], $2::text[], $3::bool[], $4::int8[]) \
             AS u(id, clock, disables, guard) \
           WHERE u.id = e.id AND (\
             (u.clock = 'stop' AND e.failing_since IS NOT NULL) \
             OR (u.clock = 'start' AND e.failing_since IS NULL) \
             OR (u.disables AND e.enabled AND (u.guard IS NULL OR e.failing_since = u.guard)))) \
         ORDER BY e.id FOR NO KEY UPDATE",
    )
    .bind(&ids)
    .bind(&clocks)
    .bind(&disables)
    .bind(&guards)
    .fetch_all(&mut *tx)
    .await
    .map_err(db)
}

/// The endpoint rows a batch changes, written with one statement.
#[derive(Default)]
struct EndpointWrites {
    ids: Vec<String>,
    since: Vec<Option<i64>>,
    enabled: Vec<bool>,
    reasons: Vec<Option<&'static str>>,
    updated: Vec<Option<i64>>,
}

impl EndpointWrites {
    fn push(
        &mut self,
        id: String,
        since: Option<i64>,
        enabled: bool,
        disabled: Option<(&'static str, i64)>,
    ) {
        self.ids.push(id);
        self.since.push(since);
        self.enabled.push(enabled);
        self.reasons.push(disabled.map(|(reason, _)| reason));
        self.updated.push(disabled.map(|(_, at)| at));
    }

    async fn run(self, tx: &mut PgConnection) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE endpoints e SET failing_since = u.since, enabled = u.enabled, \
             disabled_reason = COALESCE(u.reason, e.disabled_reason), \
             updated_at = COALESCE(u.updated, e.updated_at) \
             FROM unnest($1::text[], $2::int8[], $3::bool[], $4::text[], $5::int8[]) \
               AS u(id, since, enabled, reason, updated) \
             WHERE e.id = u.id",
        )
        .bind(&self.ids)
        .bind(&self.since)
        .bind(&self.enabled)
        .bind(&self.reasons)
        .bind(&self.updated)
        .execute(tx)
        .await
        .map_err(db)?;
        Ok(())
    }
}
