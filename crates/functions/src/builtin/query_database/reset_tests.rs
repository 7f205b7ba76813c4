//! Session reset: whatever a call leaves on its pooled session is gone when the call returns.
//!
//! The statements here go straight to the engines, bypassing the pre-check (which refuses every
//! lock function), so that the reset is shown to hold on its own. Each test then looks from a
//! second connection: no advisory lock or named lock is held by anyone for the test's key.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

use std::time::Duration;

use serde_json::Value;
use sqlx::{Connection, MySqlConnection, PgConnection};

use super::QueryError;
use super::collect::RunLimits;
use super::mysql::MySqlDb;
use super::postgres::PgDb;
use super::redact::SecretUrl;

fn limits(timeout: Duration) -> RunLimits {
    RunLimits {
        max_rows: 100,
        max_bytes: 64 * 1024,
        timeout,
    }
}

const SHORT: Duration = Duration::from_millis(500);

/// A lock key unique to this process and test.
fn key(test: u32) -> i64 {
    i64::from(std::process::id()) * 100 + i64::from(test)
}

fn env(var: &str, test: &str) -> Option<String> {
    let url = std::env::var(var).ok().filter(|u| !u.is_empty());
    if url.is_none() {
        eprintln!("skipped {test}: {var} is not set");
    }
    url
}

async fn pg(test: &str) -> Option<(PgDb, PgConnection)> {
    let url = env("SWITCHBOARD_TEST_POSTGRES_URL", test)?;
    let db = PgDb::new("r", &SecretUrl::new(&url), 1, true, limits(SHORT)).unwrap();
    Some((db, PgConnection::connect(&url).await.unwrap()))
}

async fn my(test: &str) -> Option<(MySqlDb, MySqlConnection)> {
    let url = env("SWITCHBOARD_TEST_MYSQL_URL", test)?;
    let db = MySqlDb::new("r", &SecretUrl::new(&url), 1, true).unwrap();
    Some((db, MySqlConnection::connect(&url).await.unwrap()))
}

/// Advisory locks on `key` held by any session, seen from `observer`.
async fn pg_advisory_locks(observer: &mut PgConnection, key: i64) -> i64 {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' \
         AND classid::int8 = ($1 >> 32) AND objid::int8 = ($1 & 4294967295) AND objsubid = 1",
    )
    .bind(key)
    .fetch_one(observer)
    .await
    .unwrap();
    n
}

async fn pg_backend_alive(observer: &mut PgConnection, pid: &Value) -> bool {
    let (n,): (i64,) = sqlx::query_as("SELECT count(*) FROM pg_stat_activity WHERE pid = $1")
        .bind(i32::try_from(pid.as_i64().unwrap()).unwrap())
        .fetch_one(observer)
        .await
        .unwrap();
    n == 1
}

/// The connection id holding the named lock `name`, seen from `observer`.
async fn mysql_lock_holder(observer: &mut MySqlConnection, name: &str) -> Option<i64> {
    let (holder,): (Option<i64>,) = sqlx::query_as("SELECT CAST(IS_USED_LOCK(?) AS SIGNED)")
        .bind(name)
        .fetch_one(observer)
        .await
        .unwrap();
    holder
}

#[tokio::test]
async fn postgres_advisory_lock_is_released_when_the_call_returns() {
    let Some((db, mut observer)) =
        pg("postgres_advisory_lock_is_released_when_the_call_returns").await
    else {
        return;
    };
    let k = key(1);
    let out = db
        .run(
            format!("SELECT pg_advisory_lock({k}), pg_backend_pid()"),
            limits(SHORT),
        )
        .await
        .unwrap();
    assert_eq!(pg_advisory_locks(&mut observer, k).await, 0);
    // Released by the reset, not by closing: the pooled backend is still there.
    assert!(pg_backend_alive(&mut observer, &out.rows[0][1]).await);
}

#[tokio::test]
async fn postgres_advisory_lock_is_released_when_the_call_fails() {
    let Some((db, mut observer)) =
        pg("postgres_advisory_lock_is_released_when_the_call_fails").await
    else {
        return;
    };
    let k = key(2);
    let res = db
        .run(
            format!(
                "SELECT CASE WHEN pg_advisory_lock({k}) IS NULL THEN 0 \
                 ELSE 1 / (random() * 0)::int END"
            ),
            limits(SHORT),
        )
        .await;
    assert!(
        matches!(&res, Err(e) if e.to_string().contains("division by zero")),
        "{res:?}"
    );
    assert_eq!(pg_advisory_locks(&mut observer, k).await, 0);
}

#[tokio::test]
async fn postgres_advisory_lock_is_released_when_the_call_times_out() {
    let Some((db, mut observer)) =
        pg("postgres_advisory_lock_is_released_when_the_call_times_out").await
    else {
        return;
    };
    let k = key(3);
    let res = db
        .run(
            format!("SELECT pg_advisory_lock({k}), pg_sleep(5)"),
            limits(SHORT),
        )
        .await;
    assert!(matches!(res, Err(QueryError::Timeout { .. })), "{res:?}");
    assert_eq!(pg_advisory_locks(&mut observer, k).await, 0);
}

#[tokio::test]
async fn postgres_connection_is_closed_when_the_call_is_cancelled() {
    let Some((db, mut observer)) =
        pg("postgres_connection_is_closed_when_the_call_is_cancelled").await
    else {
        return;
    };
    let k = key(4);
    // The caller gives up (the outer deadline) while the statement still runs: no reset can run,
    // so the connection must be closed, never pooled with the lock.
    let call = db.run(
        format!("SELECT pg_advisory_lock({k}), pg_sleep(5)"),
        limits(Duration::from_millis(1200)),
    );
    assert!(
        tokio::time::timeout(Duration::from_millis(300), call)
            .await
            .is_err()
    );
    let mut held = pg_advisory_locks(&mut observer, k).await;
    for _ in 0..40 {
        if held == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        held = pg_advisory_locks(&mut observer, k).await;
    }
    assert_eq!(held, 0, "the cancelled call's lock is still held");
}

#[tokio::test]
async fn postgres_reset_restores_the_startup_settings() {
    let Some((db, _observer)) = pg("postgres_reset_restores_the_startup_settings").await else {
        return;
    };
    // `set_config(…, false)` is session-wide; the rollback and the reset both undo it.
    db.run(
        "SELECT set_config('default_transaction_read_only', 'off', false)".to_owned(),
        limits(SHORT),
    )
    .await
    .unwrap();
    let out = db
        .run(
            "SELECT current_setting('default_transaction_read_only')".to_owned(),
            limits(SHORT),
        )
        .await
        .unwrap();
    assert_eq!(out.rows[0][0], Value::from("on"));
}

#[tokio::test]
async fn mysql_named_lock_is_released_when_the_call_returns() {
    let Some((db, mut observer)) = my("mysql_named_lock_is_released_when_the_call_returns").await
    else {
        return;
    };
    let name = format!("qdb_reset_{}", key(5));
    let out = db
        .run(
            format!("SELECT GET_LOCK('{name}', 0), CONNECTION_ID()"),
            limits(SHORT),
        )
        .await
        .unwrap();
    assert_eq!(out.rows[0][0], Value::from(1));
    assert_eq!(mysql_lock_holder(&mut observer, &name).await, None);
    // Released by the reset, not by closing: the pooled connection is still there.
    let (alive,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = ?")
            .bind(out.rows[0][1].as_i64().unwrap())
            .fetch_one(&mut observer)
            .await
            .unwrap();
    assert_eq!(alive, 1);
}

#[tokio::test]
async fn mysql_named_lock_is_released_when_the_call_fails() {
    let Some((db, mut observer)) = my("mysql_named_lock_is_released_when_the_call_fails").await
    else {
        return;
    };
    let name = format!("qdb_reset_{}", key(6));
    // The lock is taken, then the statement fails ("Subquery returns more than 1 row").
    let res = db
        .run(
            format!(
                "SELECT (SELECT 1 FROM (SELECT 1 UNION SELECT 2) x WHERE GET_LOCK('{name}', 0) >= 0)"
            ),
            limits(SHORT),
        )
        .await;
    assert!(res.is_err(), "{res:?}");
    assert_eq!(mysql_lock_holder(&mut observer, &name).await, None);
}

#[tokio::test]
async fn mysql_named_lock_is_released_when_the_call_times_out() {
    let Some((db, mut observer)) = my("mysql_named_lock_is_released_when_the_call_times_out").await
    else {
        return;
    };
    let name = format!("qdb_reset_{}", key(7));
    let _ = db
        .run(
            format!("SELECT GET_LOCK('{name}', 0), SLEEP(5)"),
            limits(SHORT),
        )
        .await;
    assert_eq!(mysql_lock_holder(&mut observer, &name).await, None);
}
