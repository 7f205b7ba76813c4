//! The delivery store's Postgres schema: versioned migrations, applied in order when the store
//! connects (by the shared runner in `store::migrations`).

use sqlx::PgConnection;

use crate::delivery::store::migrations::{LOCK_KEY, Migrations, apply_postgres};

/// `(version, SQL statements)`; append new versions, never edit applied ones.
const MIGRATIONS: &[(i64, &[&str])] = &[
    (
        1,
        &[
            "CREATE TABLE endpoints (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            url TEXT NOT NULL,
            events TEXT NOT NULL,
            keys TEXT NOT NULL,
            headers TEXT NOT NULL,
            enabled BOOLEAN NOT NULL,
            disabled_reason TEXT,
            failing_since BIGINT,
            max_in_flight BIGINT NOT NULL,
            created_at BIGINT NOT NULL,
            updated_at BIGINT NOT NULL
        )",
            "CREATE TABLE messages (
            id TEXT PRIMARY KEY,
            event_type TEXT NOT NULL,
            payload BYTEA NOT NULL,
            idempotency_key TEXT,
            created_at BIGINT NOT NULL
        )",
            "CREATE INDEX messages_created ON messages (created_at)",
            "CREATE TABLE idempotency_keys (
            key TEXT PRIMARY KEY,
            message_id TEXT NOT NULL,
            created_at BIGINT NOT NULL
        )",
            "CREATE TABLE deliveries (
            id TEXT PRIMARY KEY,
            message_id TEXT NOT NULL,
            endpoint_id TEXT NOT NULL,
            status TEXT NOT NULL,
            attempts BIGINT NOT NULL,
            failed_in_round BIGINT NOT NULL,
            next_attempt_at BIGINT,
            lease_until BIGINT,
            lease_token TEXT,
            created_at BIGINT NOT NULL,
            updated_at BIGINT NOT NULL
        )",
            "CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at)",
            "CREATE INDEX deliveries_lease ON deliveries (status, lease_until)",
            "CREATE INDEX deliveries_message ON deliveries (message_id)",
            "CREATE INDEX deliveries_endpoint ON deliveries (endpoint_id, status, updated_at)",
            "CREATE TABLE attempts (
            seq BIGSERIAL PRIMARY KEY,
            delivery_id TEXT NOT NULL,
            message_id TEXT NOT NULL,
            endpoint_id TEXT NOT NULL,
            number BIGINT NOT NULL,
            at BIGINT NOT NULL,
            latency_us BIGINT NOT NULL,
            status INTEGER,
            response_body TEXT,
            error_kind TEXT,
            error TEXT
        )",
            "CREATE INDEX attempts_delivery ON attempts (delivery_id)",
            "CREATE INDEX attempts_message ON attempts (message_id)",
            "CREATE INDEX attempts_endpoint ON attempts (endpoint_id, at)",
        ],
    ),
    (2, &["ALTER TABLE endpoints ADD COLUMN rate_limit BIGINT"]),
    // The queue table is updated twice per delivery (claimed, then finished). Partial indexes
    // hold only pending and leased rows, so a finished delivery leaves them and a claim scans
    // only what may be due; the per-endpoint index is keyed on what never changes. Vacuum runs
    // after 2 % of the table changed instead of 20 %, so dead entries of claimed rows do not
    // pile up in front of the claims.
    (
        3,
        &[
            "DROP INDEX deliveries_due",
            "DROP INDEX deliveries_lease",
            "DROP INDEX deliveries_endpoint",
            "CREATE INDEX deliveries_pending ON deliveries (next_attempt_at) \
             WHERE status = 'pending'",
            "CREATE INDEX deliveries_leased ON deliveries (lease_until) WHERE status = 'in_flight'",
            "CREATE INDEX deliveries_endpoint_created ON deliveries (endpoint_id, created_at)",
            "CREATE INDEX deliveries_dead ON deliveries (endpoint_id, updated_at) \
             WHERE status = 'dead_letter'",
            "ALTER TABLE deliveries SET (autovacuum_vacuum_scale_factor = 0.02, \
             autovacuum_vacuum_insert_scale_factor = 0.02, \
             autovacuum_analyze_scale_factor = 0.02, autovacuum_vacuum_cost_delay = 0)",
        ],
    ),
    // Replay records of ingest requests: one row per accepted signed request while it could
    // still verify (`Store::mark_seen`); the expiry index lets each insert sweep a few old rows.
    (
        4,
        &[
            "CREATE TABLE seen_requests (
            source TEXT NOT NULL,
            digest BYTEA NOT NULL,
            expires_at BIGINT NOT NULL,
            PRIMARY KEY (source, digest)
        )",
            "CREATE INDEX seen_requests_expiry ON seen_requests (expires_at)",
        ],
    ),
    // Endpoint settings an operator changes in place: a description, free-form labels, and who
    // owns the settings (`api` or `config`, so a config file reconciles only its own).
    (
        5,
        &[
            "ALTER TABLE endpoints ADD COLUMN description TEXT",
            "ALTER TABLE endpoints ADD COLUMN metadata TEXT NOT NULL DEFAULT '{}'",
            "ALTER TABLE endpoints ADD COLUMN origin TEXT NOT NULL DEFAULT 'api'",
        ],
    ),
    // In-order delivery, chosen per endpoint.
    (
        6,
        &["ALTER TABLE endpoints ADD COLUMN ordered BOOLEAN NOT NULL DEFAULT FALSE"],
    ),
    // Channels: a message's labels and an endpoint's channel filter, JSON arrays (`NULL` for
    // none).
    (
        7,
        &[
            "ALTER TABLE messages ADD COLUMN channels TEXT",
            "ALTER TABLE endpoints ADD COLUMN channels TEXT",
        ],
    ),
    // In-order delivery without walking the history: each delivery carries its endpoint's
    // `ordered` setting while unfinished (`sql::ORDERED_HEAD` states the invariant), and the
    // claim's check reads a partial index that holds only the unfinished deliveries of ordered
    // endpoints, which concurrent endpoints never enter. The backfill flags what is queued for
    // the endpoints that are ordered now.
    (
        8,
        &[
            "ALTER TABLE deliveries ADD COLUMN ordered BOOLEAN NOT NULL DEFAULT FALSE",
            "UPDATE deliveries SET ordered = TRUE \
             WHERE endpoint_id IN (SELECT id FROM endpoints WHERE ordered) \
             AND status IN ('pending', 'in_flight')",
            "CREATE INDEX deliveries_ordered_unfinished ON deliveries (endpoint_id, created_at, id) \
             WHERE ordered AND status IN ('pending', 'in_flight')",
        ],
    ),
];

/// The delivery store's tables, recorded in `schema_migrations`.
const SET: Migrations<&[&str]> = Migrations {
    ledger: "schema_migrations",
    lock_key: LOCK_KEY,
    steps: MIGRATIONS,
};

/// Applies every migration newer than the database's version in one transaction, holding an
/// advisory lock so several processes starting at once migrate only once.
pub(super) async fn migrate(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    apply_postgres(conn, &SET).await
}

#[cfg(test)]
mod tests {
    use sqlx::{AssertSqlSafe, Connection};

    use super::*;

    #[tokio::test]
    async fn migration_8_flags_the_queued_deliveries_of_endpoints_ordered_now() {
        let Ok(url) = std::env::var("SWITCHBOARD_TEST_POSTGRES_URL") else {
            eprintln!("skipping: SWITCHBOARD_TEST_POSTGRES_URL is not set");
            return;
        };
        let schema = format!("sbmig8_{}", std::process::id());
        let mut conn = PgConnection::connect(&url).await.unwrap();
        sqlx::raw_sql(AssertSqlSafe(format!(
            "CREATE SCHEMA {schema}; SET search_path TO {schema}"
        )))
        .execute(&mut conn)
        .await
        .unwrap();
        let before = Migrations {
            steps: &MIGRATIONS[..7],
            ..SET
        };
        apply_postgres(&mut conn, &before).await.unwrap();
        sqlx::raw_sql(
            "INSERT INTO endpoints (id, name, url, events, keys, headers, enabled, \
               max_in_flight, created_at, updated_at, ordered) VALUES \
               ('ep_in_order', 'a', 'https://a.example.com', '\"all\"', '[]', '[]', TRUE, 8, 0, \
                0, TRUE), \
               ('ep_free', 'b', 'https://b.example.com', '\"all\"', '[]', '[]', TRUE, 8, 0, 0, \
                FALSE); \
             INSERT INTO deliveries (id, message_id, endpoint_id, status, attempts, \
               failed_in_round, created_at, updated_at) VALUES \
               ('dlv_pending', 'msg_1', 'ep_in_order', 'pending', 0, 0, 1, 1), \
               ('dlv_leased', 'msg_2', 'ep_in_order', 'in_flight', 0, 0, 2, 2), \
               ('dlv_delivered', 'msg_3', 'ep_in_order', 'delivered', 1, 0, 3, 3), \
               ('dlv_dead', 'msg_4', 'ep_in_order', 'dead_letter', 1, 1, 4, 4), \
               ('dlv_free', 'msg_5', 'ep_free', 'pending', 0, 0, 5, 5)",
        )
        .execute(&mut conn)
        .await
        .unwrap();
        migrate(&mut conn).await.unwrap();
        let flagged: Vec<String> =
            sqlx::query_scalar("SELECT id FROM deliveries WHERE ordered ORDER BY id")
                .fetch_all(&mut conn)
                .await
                .unwrap();
        sqlx::raw_sql(AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
            .execute(&mut conn)
            .await
            .unwrap();
        assert_eq!(flagged, ["dlv_leased", "dlv_pending"]);
    }
}
