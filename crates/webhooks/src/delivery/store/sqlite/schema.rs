//! The delivery store's SQLite schema: versioned migrations, applied in order when the store
//! opens (by the shared runner in `store::migrations`).

use rusqlite::Connection;

use crate::delivery::store::migrations::{LOCK_KEY, Migrations, apply_sqlite};

/// `(version, SQL)`; append new versions, never edit applied ones.
const MIGRATIONS: &[(i64, &str)] = &[
    (
        1,
        r#"
CREATE TABLE endpoints (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    url TEXT NOT NULL,
    events TEXT NOT NULL,
    keys TEXT NOT NULL,
    headers TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    disabled_reason TEXT,
    failing_since INTEGER,
    max_in_flight INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE TABLE messages (
    id TEXT PRIMARY KEY,
    event_type TEXT NOT NULL,
    payload BLOB NOT NULL,
    idempotency_key TEXT,
    created_at INTEGER NOT NULL
);
CREATE INDEX messages_created ON messages (created_at);
CREATE TABLE idempotency_keys (
    key TEXT PRIMARY KEY,
    message_id TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE deliveries (
    id TEXT PRIMARY KEY,
    message_id TEXT NOT NULL,
    endpoint_id TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    failed_in_round INTEGER NOT NULL,
    next_attempt_at INTEGER,
    lease_until INTEGER,
    lease_token TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);
CREATE INDEX deliveries_lease ON deliveries (status, lease_until);
CREATE INDEX deliveries_message ON deliveries (message_id);
CREATE INDEX deliveries_endpoint ON deliveries (endpoint_id, status, updated_at);
CREATE TABLE attempts (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    endpoint_id TEXT NOT NULL,
    number INTEGER NOT NULL,
    at INTEGER NOT NULL,
    latency_us INTEGER NOT NULL,
    status INTEGER,
    response_body TEXT,
    error_kind TEXT,
    error TEXT
);
CREATE INDEX attempts_delivery ON attempts (delivery_id);
CREATE INDEX attempts_message ON attempts (message_id);
CREATE INDEX attempts_endpoint ON attempts (endpoint_id, at);
"#,
    ),
    (2, "ALTER TABLE endpoints ADD COLUMN rate_limit INTEGER;"),
    // Every delivery changes status twice (claimed, then finished); indexes keyed on status
    // were rewritten each time. Partial indexes hold only the rows a query looks for, so a
    // delivered row leaves them, and the per-endpoint index is keyed on what never changes.
    (
        3,
        r#"
DROP INDEX deliveries_due;
DROP INDEX deliveries_lease;
DROP INDEX deliveries_endpoint;
CREATE INDEX deliveries_pending ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_leased ON deliveries (lease_until) WHERE status = 'in_flight';
CREATE INDEX deliveries_endpoint_created ON deliveries (endpoint_id, created_at);
CREATE INDEX deliveries_dead ON deliveries (endpoint_id, updated_at) WHERE status = 'dead_letter';
"#,
    ),
    // Replay records of ingest requests: one row per accepted signed request while it could
    // still verify (`Store::mark_seen`); the expiry index lets each insert sweep a few old rows.
    (
        4,
        r#"
CREATE TABLE seen_requests (
    source TEXT NOT NULL,
    digest BLOB NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (source, digest)
);
CREATE INDEX seen_requests_expiry ON seen_requests (expires_at);
"#,
    ),
    // Endpoint settings an operator changes in place: a description, free-form labels, and who
    // owns the settings (`api` or `config`, so a config file reconciles only its own).
    (
        5,
        r#"
ALTER TABLE endpoints ADD COLUMN description TEXT;
ALTER TABLE endpoints ADD COLUMN metadata TEXT NOT NULL DEFAULT '{}';
ALTER TABLE endpoints ADD COLUMN origin TEXT NOT NULL DEFAULT 'api';
"#,
    ),
    // In-order delivery, chosen per endpoint.
    (
        6,
        "ALTER TABLE endpoints ADD COLUMN ordered INTEGER NOT NULL DEFAULT 0;",
    ),
    // Channels: a message's labels and an endpoint's channel filter, JSON arrays (`NULL` for
    // none).
    (
        7,
        r#"
ALTER TABLE messages ADD COLUMN channels TEXT;
ALTER TABLE endpoints ADD COLUMN channels TEXT;
"#,
    ),
    // In-order delivery without walking the history: each delivery carries its endpoint's
    // `ordered` setting while unfinished (`sql::ORDERED_HEAD` states the invariant), and the
    // claim's check reads a partial index that holds only the unfinished deliveries of ordered
    // endpoints, which concurrent endpoints never enter. The backfill flags what is queued for
    // the endpoints that are ordered now.
    (
        8,
        r#"
ALTER TABLE deliveries ADD COLUMN ordered INTEGER NOT NULL DEFAULT 0;
UPDATE deliveries SET ordered = 1
    WHERE endpoint_id IN (SELECT id FROM endpoints WHERE ordered)
    AND status IN ('pending', 'in_flight');
CREATE INDEX deliveries_ordered_unfinished ON deliveries (endpoint_id, created_at, id)
    WHERE ordered AND status IN ('pending', 'in_flight');
"#,
    ),
];

/// The delivery store's tables, recorded in `schema_migrations`.
const SET: Migrations<&str> = Migrations {
    ledger: "schema_migrations",
    lock_key: LOCK_KEY,
    steps: MIGRATIONS,
};

/// Applies every migration newer than the database's version.
///
/// Refuses a database written by a newer version of this code.
pub(super) fn migrate(conn: &mut Connection) -> Result<(), String> {
    apply_sqlite(conn, &SET)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migration_8_flags_the_queued_deliveries_of_endpoints_ordered_now() {
        let mut conn = Connection::open_in_memory().unwrap();
        let before = Migrations {
            steps: &MIGRATIONS[..7],
            ..SET
        };
        apply_sqlite(&mut conn, &before).unwrap();
        conn.execute_batch(
            "INSERT INTO endpoints (id, name, url, events, keys, headers, enabled, \
               max_in_flight, created_at, updated_at, ordered) VALUES \
               ('ep_in_order', 'a', 'https://a.example.com', '\"all\"', '[]', '[]', 1, 8, 0, 0, 1), \
               ('ep_free', 'b', 'https://b.example.com', '\"all\"', '[]', '[]', 1, 8, 0, 0, 0); \
             INSERT INTO deliveries (id, message_id, endpoint_id, status, attempts, \
               failed_in_round, created_at, updated_at) VALUES \
               ('dlv_pending', 'msg_1', 'ep_in_order', 'pending', 0, 0, 1, 1), \
               ('dlv_leased', 'msg_2', 'ep_in_order', 'in_flight', 0, 0, 2, 2), \
               ('dlv_delivered', 'msg_3', 'ep_in_order', 'delivered', 1, 0, 3, 3), \
               ('dlv_dead', 'msg_4', 'ep_in_order', 'dead_letter', 1, 1, 4, 4), \
               ('dlv_free', 'msg_5', 'ep_free', 'pending', 0, 0, 5, 5);",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let mut stmt = conn
            .prepare("SELECT id FROM deliveries WHERE ordered ORDER BY id")
            .unwrap();
        let flagged: Vec<String> = stmt
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(flagged, ["dlv_leased", "dlv_pending"]);
    }
}
