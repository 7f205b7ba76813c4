//! The audit tables in the SQLite file and their migrations.
//!
//! A row of `audit_calls` holds what differs from call to call (time, duration, sizes, the
//! arguments and their digest, the chat and message ids) and small integer keys for what
//! repeats: the caller's token and user (`audit_callers`) and the tool, transport and outcome
//! names (`audit_labels`). Every text bound to an insert is a copy SQLite makes and a value it
//! encodes, so a row of integers costs a fraction of the same row in text. The view
//! `tool_calls` shows the rows in their readable shape (the listing's columns) for anyone
//! reading the file with `sqlite3`.
//!
//! Keys are only ever added, never changed, so a key read in one transaction names the same
//! caller or label forever, in every process sharing the file; a caller is deleted only with the
//! last row that names it (see [`PRUNE_CALLERS`]).

use switchboard::webhooks::delivery::store::migrations::Migrations;

/// `(version, SQL)`; append new versions, never edit applied ones.
pub(super) const MIGRATIONS: Migrations<&str> = Migrations {
    ledger: "audit_schema_migrations",
    lock_key: 0,
    steps: &[(1, V1), (2, V2)],
};

/// One table of text columns.
pub(super) const V1: &str = "CREATE TABLE tool_calls (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at_us INTEGER NOT NULL,
    token TEXT,
    user_id TEXT,
    email TEXT,
    user_name TEXT,
    role TEXT,
    chat_id TEXT,
    message_id TEXT,
    tool TEXT NOT NULL,
    transport TEXT NOT NULL,
    outcome TEXT NOT NULL,
    duration_us INTEGER NOT NULL,
    arguments_sha256 TEXT,
    arguments TEXT,
    result_bytes INTEGER NOT NULL
);
CREATE INDEX tool_calls_at ON tool_calls (at_us, id);";

/// The keyed tables, every row of `tool_calls` moved into them with its id (and the id counter
/// kept, so ids are never reused), and `tool_calls` as a view.
///
/// `audit_callers` is unique over its five names, a missing one (`NULL`) compared as `x''`, a
/// blob, which no text equals (an empty name stays distinct from a missing one). Its
/// `last_at_us` is at least the time of every row naming it: the retention job deletes a caller
/// past retention with its last row. The index of `audit_calls` on `at_us` holds `(at_us, id)`
/// (SQLite appends the row id to every index entry): the listing's order and cursor.
const V2: &str = "CREATE TABLE audit_callers (
    id INTEGER PRIMARY KEY,
    token TEXT,
    user_id TEXT,
    email TEXT,
    user_name TEXT,
    role TEXT,
    last_at_us INTEGER NOT NULL
);
CREATE UNIQUE INDEX audit_callers_names ON audit_callers (
    ifnull(token, x''), ifnull(user_id, x''), ifnull(email, x''), ifnull(user_name, x''),
    ifnull(role, x'')
);
CREATE TABLE audit_labels (
    id INTEGER PRIMARY KEY,
    label TEXT NOT NULL UNIQUE
);
CREATE TABLE audit_calls (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at_us INTEGER NOT NULL,
    caller_id INTEGER NOT NULL,
    tool_id INTEGER NOT NULL,
    transport_id INTEGER NOT NULL,
    outcome_id INTEGER NOT NULL,
    duration_us INTEGER NOT NULL,
    result_bytes INTEGER NOT NULL,
    arguments_sha256 BLOB,
    arguments TEXT,
    chat_id TEXT,
    message_id TEXT
);
INSERT INTO audit_callers (token, user_id, email, user_name, role, last_at_us)
    SELECT token, user_id, email, user_name, role, max(at_us) FROM tool_calls
    GROUP BY token, user_id, email, user_name, role;
INSERT INTO audit_labels (label)
    SELECT tool FROM tool_calls UNION SELECT transport FROM tool_calls
    UNION SELECT outcome FROM tool_calls;
INSERT INTO audit_calls (id, at_us, caller_id, tool_id, transport_id, outcome_id, duration_us,
        result_bytes, arguments_sha256, arguments, chat_id, message_id)
    SELECT t.id, t.at_us, k.id,
        (SELECT id FROM audit_labels WHERE label = t.tool),
        (SELECT id FROM audit_labels WHERE label = t.transport),
        (SELECT id FROM audit_labels WHERE label = t.outcome),
        t.duration_us, t.result_bytes, unhex(t.arguments_sha256), t.arguments, t.chat_id,
        t.message_id
    FROM tool_calls t JOIN audit_callers k
        ON ifnull(k.token, x'') = ifnull(t.token, x'')
        AND ifnull(k.user_id, x'') = ifnull(t.user_id, x'')
        AND ifnull(k.email, x'') = ifnull(t.email, x'')
        AND ifnull(k.user_name, x'') = ifnull(t.user_name, x'')
        AND ifnull(k.role, x'') = ifnull(t.role, x'')
    ORDER BY t.id;
DELETE FROM sqlite_sequence WHERE name = 'audit_calls';
UPDATE sqlite_sequence SET name = 'audit_calls' WHERE name = 'tool_calls';
DROP TABLE tool_calls;
CREATE INDEX audit_calls_at ON audit_calls (at_us);
CREATE VIEW tool_calls AS
    SELECT c.id, c.at_us, k.token, k.user_id, k.email, k.user_name, k.role, c.chat_id,
        c.message_id, tool.label AS tool, transport.label AS transport,
        outcome.label AS outcome, c.duration_us,
        CASE WHEN c.arguments_sha256 IS NOT NULL THEN lower(hex(c.arguments_sha256)) END
            AS arguments_sha256,
        c.arguments, c.result_bytes
    FROM audit_calls c
    JOIN audit_callers k ON k.id = c.caller_id
    JOIN audit_labels tool ON tool.id = c.tool_id
    JOIN audit_labels transport ON transport.id = c.transport_id
    JOIN audit_labels outcome ON outcome.id = c.outcome_id;";

/// The rows of a page, in the listing's columns (those of `CallRow`): parameters `?1` caller,
/// `?2` tool, `?3` outcome, `?4` since, `?5` until, `?6`/`?7` the cursor's `(at_us, id)`, `?8`
/// the limit, each `NULL` when unused, for the direction `(op, order)` (`("<", "DESC")` toward
/// older rows). Rows come ordered walking away from the cursor, as `Page::from_rows` takes them.
///
/// Cost: it walks `audit_calls_at` from the cursor (or the newest row) and checks the filters
/// on each row walked by its integer keys: the caller filter is the set of caller keys whose
/// token, user id or email matches (read once from `audit_callers`), the tool and outcome
/// filters one label key each; the callers and labels of the rows returned are read by key. A
/// page of a rare caller or tool still reads every row walked past; the time filters bound the
/// walk only from the cursor's side.
pub(super) fn list_sql(op: &str, order: &str) -> String {
    format!(
        "SELECT c.id, c.at_us, k.token, k.user_id, k.email, k.user_name, k.role, c.chat_id, \
             c.message_id, tool.label, transport.label, outcome.label, c.duration_us, \
             c.arguments_sha256, c.arguments, c.result_bytes \
         FROM audit_calls c \
         JOIN audit_callers k ON k.id = c.caller_id \
         JOIN audit_labels tool ON tool.id = c.tool_id \
         JOIN audit_labels transport ON transport.id = c.transport_id \
         JOIN audit_labels outcome ON outcome.id = c.outcome_id \
         WHERE (?1 IS NULL OR c.caller_id IN \
                 (SELECT id FROM audit_callers WHERE token = ?1 OR user_id = ?1 OR email = ?1)) \
           AND (?2 IS NULL OR c.tool_id = (SELECT id FROM audit_labels WHERE label = ?2)) \
           AND (?3 IS NULL OR c.outcome_id = (SELECT id FROM audit_labels WHERE label = ?3)) \
           AND (?4 IS NULL OR c.at_us >= ?4) \
           AND (?5 IS NULL OR c.at_us < ?5) \
           AND (?6 IS NULL OR c.at_us {op} ?6 OR (c.at_us = ?6 AND c.id {op} ?7)) \
         ORDER BY c.at_us {order}, c.id {order} LIMIT ?8"
    )
}

/// Rows of `audit_calls` from before `?1`, at most `?2` of them (the retention job's chunk).
/// Walks `audit_calls_at` from the oldest row.
pub(super) const DELETE_ROWS: &str = "DELETE FROM audit_calls WHERE id IN \
     (SELECT id FROM audit_calls WHERE at_us < ?1 LIMIT ?2)";

/// Callers whose last row is from before `?1`: run in the transaction that deleted the last
/// rows from before `?1`, it deletes only callers no row names. Scans `audit_callers` (one row
/// per distinct caller).
pub(super) const PRUNE_CALLERS: &str = "DELETE FROM audit_callers WHERE last_at_us < ?1";

/// The key of a caller (`?1`…`?5` its names), added when missing, its `last_at_us` raised to
/// `?6`. One lookup in `audit_callers_names`.
pub(super) const UPSERT_CALLER: &str = "INSERT INTO audit_callers (token, user_id, email, user_name, role, last_at_us) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
     ON CONFLICT (ifnull(token, x''), ifnull(user_id, x''), ifnull(email, x''), \
         ifnull(user_name, x''), ifnull(role, x'')) \
     DO UPDATE SET last_at_us = max(last_at_us, excluded.last_at_us) \
     RETURNING id";

/// The key of label `?1`, when it has one. One lookup in the label's unique index.
pub(super) const SELECT_LABEL: &str = "SELECT id FROM audit_labels WHERE label = ?1";

/// A new key for label `?1`.
pub(super) const INSERT_LABEL: &str = "INSERT INTO audit_labels (label) VALUES (?1) RETURNING id";

/// The columns of one row of an insert, in the order [`insert_sql`] numbers them.
pub(super) const INSERT_COLUMNS: &str = "at_us, caller_id, tool_id, transport_id, outcome_id, \
     duration_us, result_bytes, arguments_sha256, arguments, chat_id, message_id";

/// `INSERT` of `rows` rows, numbered parameters `?1`… in [`INSERT_COLUMNS`] order, row after
/// row.
pub(super) fn insert_sql(rows: usize) -> String {
    let per_row = INSERT_COLUMNS.split(',').count();
    let values: Vec<String> = (0..rows)
        .map(|r| {
            let params: Vec<String> = (1..=per_row)
                .map(|c| format!("?{}", r * per_row + c))
                .collect();
            format!("({})", params.join(", "))
        })
        .collect();
    format!(
        "INSERT INTO audit_calls ({INSERT_COLUMNS}) VALUES {}",
        values.join(", ")
    )
}
