//! Defence in depth: attacks sent straight to each engine, bypassing the parser pre-check.
//!
//! Each case must fail or leave no lasting effect, with the data unchanged, because the engine
//! guards (read-only open, authorizer, `readonly()`, read-only transaction, rollback, timeouts)
//! hold on their own.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

use std::time::Duration;

use serde_json::json;
use sqlx::{Connection, Executor};

use super::collect::RunLimits;
use super::mysql::MySqlDb;
use super::output::QueryOutput;
use super::postgres::PgDb;
use super::redact::SecretUrl;
use super::sqlite::SqliteDb;
use super::{QueryError, value};

fn limits() -> RunLimits {
    RunLimits {
        max_rows: 100,
        max_bytes: 64 * 1024,
        timeout: Duration::from_millis(500),
    }
}

fn table_name(prefix: &str) -> String {
    format!("qdb_guard_{prefix}_{}", std::process::id())
}

fn first_value(out: &QueryOutput) -> serde_json::Value {
    out.rows[0][0].clone()
}

#[tokio::test]
async fn sqlite_engine_guards_hold_without_the_precheck() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("g.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE t (a INTEGER); CREATE INDEX t_a ON t (a); INSERT INTO t VALUES (1), (2);",
        )
        .unwrap();
    }
    let db = SqliteDb::new("g", &path);
    let d = dir.path().display();
    let cases = [
        "INSERT INTO t VALUES (3)".to_owned(),
        "UPDATE t SET a = 0".to_owned(),
        "DELETE FROM t".to_owned(),
        "SELECT 1; DELETE FROM t".to_owned(),
        "COMMIT; DELETE FROM t".to_owned(),
        format!("VACUUM INTO '{d}/copy.db'"),
        format!("ATTACH DATABASE '{d}/new.db' AS x"),
        "CREATE TEMP TABLE x (a)".to_owned(),
        "CREATE TEMP VIEW v AS SELECT 1".to_owned(),
        "PRAGMA query_only = 0".to_owned(),
        "PRAGMA writable_schema = 1".to_owned(),
        "PRAGMA journal_mode = DELETE".to_owned(),
        "BEGIN IMMEDIATE".to_owned(),
        "SELECT load_extension('/nonexistent.so')".to_owned(),
        "DROP TABLE t".to_owned(),
        "ANALYZE".to_owned(),
        "REINDEX".to_owned(),
    ];
    for sql in &cases {
        let res = db.run(sql.clone(), limits()).await;
        assert!(
            matches!(&res, Err(e) if e.is_refused()),
            "`{sql}` was not refused: {res:?}"
        );
    }
    let res = db
        .run(
            "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c) SELECT count(*) FROM c"
                .to_owned(),
            limits(),
        )
        .await;
    assert!(matches!(res, Err(QueryError::Timeout { .. })), "{res:?}");
    let out = db
        .run("SELECT group_concat(a) FROM t".to_owned(), limits())
        .await
        .unwrap();
    assert_eq!(first_value(&out), json!("1,2"));
    for file in ["copy.db", "new.db"] {
        assert!(!dir.path().join(file).exists(), "{file} was created");
    }
}

#[tokio::test]
async fn postgres_engine_guards_hold_without_the_precheck() {
    let Ok(url) = std::env::var("SWITCHBOARD_TEST_POSTGRES_URL") else {
        eprintln!(
            "skipped postgres_engine_guards_hold_without_the_precheck: SWITCHBOARD_TEST_POSTGRES_URL is not set"
        );
        return;
    };
    let t = table_name("pg");
    let mut admin = sqlx::PgConnection::connect(&url).await.unwrap();
    admin
        .execute(sqlx::AssertSqlSafe(format!(
            "DROP TABLE IF EXISTS {t}; CREATE TABLE {t} (a int); INSERT INTO {t} VALUES (1), (2)"
        )))
        .await
        .unwrap();
    let db = PgDb::new("g", &SecretUrl::new(&url), 1, true, limits()).unwrap();
    let cases = [
        format!("INSERT INTO {t} VALUES (3)"),
        format!("UPDATE {t} SET a = 0"),
        format!("DELETE FROM {t}"),
        format!("SELECT 1; DELETE FROM {t}"),
        format!("COMMIT; DELETE FROM {t}"),
        format!("WITH d AS (DELETE FROM {t} RETURNING *) SELECT * FROM d"),
        format!("SELECT * INTO {t}_copy FROM {t}"),
        format!("CREATE TABLE {t}_x (a int)"),
        format!("SELECT * FROM {t} FOR UPDATE"),
        format!("TRUNCATE {t}"),
    ];
    for sql in &cases {
        let res = db.run(sql.clone(), limits()).await;
        assert!(res.is_err(), "`{sql}` succeeded: {res:?}");
    }
    // Settings changed by the statement are undone by the rollback.
    db.run(
        "SELECT set_config('default_transaction_read_only', 'off', false)".to_owned(),
        limits(),
    )
    .await
    .unwrap();
    let out = db
        .run(
            "SELECT current_setting('default_transaction_read_only')".to_owned(),
            limits(),
        )
        .await
        .unwrap();
    assert_eq!(first_value(&out), json!("on"));
    let res = db.run("SELECT pg_sleep(5)".to_owned(), limits()).await;
    assert!(matches!(res, Err(QueryError::Timeout { .. })), "{res:?}");

    let (sum,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT sum(a) FROM {t}")))
        .fetch_one(&mut admin)
        .await
        .unwrap();
    let (copies,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT count(*) FROM pg_class WHERE relname LIKE '{t}_%'"
    )))
    .fetch_one(&mut admin)
    .await
    .unwrap();
    admin
        .execute(sqlx::AssertSqlSafe(format!("DROP TABLE {t}")))
        .await
        .unwrap();
    assert_eq!((sum, copies), (3, 0));
}

#[tokio::test]
async fn mysql_engine_guards_hold_without_the_precheck() {
    let Ok(url) = std::env::var("SWITCHBOARD_TEST_MYSQL_URL") else {
        eprintln!(
            "skipped mysql_engine_guards_hold_without_the_precheck: SWITCHBOARD_TEST_MYSQL_URL is not set"
        );
        return;
    };
    let t = table_name("my");
    let mut admin = sqlx::MySqlConnection::connect(&url).await.unwrap();
    admin
        .execute(sqlx::AssertSqlSafe(format!("DROP TABLE IF EXISTS {t}")))
        .await
        .unwrap();
    admin
        .execute(sqlx::AssertSqlSafe(format!(
            "CREATE TABLE {t} (a INT) ENGINE=InnoDB"
        )))
        .await
        .unwrap();
    admin
        .execute(sqlx::AssertSqlSafe(format!(
            "INSERT INTO {t} VALUES (1), (2)"
        )))
        .await
        .unwrap();
    let db = MySqlDb::new("g", &SecretUrl::new(&url), 1, true).unwrap();
    let cases = [
        format!("INSERT INTO {t} VALUES (3)"),
        format!("UPDATE {t} SET a = 0"),
        format!("DELETE FROM {t}"),
        format!("SELECT 1; DELETE FROM {t}"),
        format!("COMMIT; DELETE FROM {t}"),
        format!("CREATE TABLE {t}_x (a INT)"),
        format!("CREATE TEMPORARY TABLE {t}_tmp (a INT)"),
        format!("CREATE TABLE {t}_copy AS SELECT * FROM {t}"),
        format!("TRUNCATE TABLE {t}"),
        format!("DROP TABLE {t}"),
    ];
    for sql in &cases {
        let res = db.run(sql.clone(), limits()).await;
        assert!(res.is_err(), "`{sql}` succeeded: {res:?}");
    }
    // A session setting changed by one call is re-applied by the next.
    let _ = db
        .run("SET SESSION max_statement_time = 0".to_owned(), limits())
        .await;
    let res = db.run("SELECT SLEEP(5)".to_owned(), limits()).await;
    // MySQL's SLEEP returns 1 when interrupted by the limit instead of failing.
    match res {
        Err(QueryError::Timeout { .. }) => {}
        Ok(out) => assert_eq!(first_value(&out), json!(1), "SLEEP was not interrupted"),
        Err(e) => panic!("unexpected error: {e}"),
    }

    // Quote-changing modes set by one call are gone in the next.
    let _ = db
        .run(
            "SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES,ANSI_QUOTES'".to_owned(),
            limits(),
        )
        .await;
    let out = db
        .run("SELECT @@SESSION.sql_mode".to_owned(), limits())
        .await
        .unwrap();
    let mode = first_value(&out).as_str().unwrap().to_owned();
    assert!(
        !mode.contains("NO_BACKSLASH_ESCAPES") && !mode.contains("ANSI_QUOTES"),
        "{mode}"
    );

    let (sum,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT CAST(SUM(a) AS SIGNED) FROM {t}"
    )))
    .fetch_one(&mut admin)
    .await
    .unwrap();
    let (copies,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM information_schema.tables WHERE table_name LIKE '{t}\\_%'"
    )))
    .fetch_one(&mut admin)
    .await
    .unwrap();
    admin
        .execute(sqlx::AssertSqlSafe(format!("DROP TABLE {t}")))
        .await
        .unwrap();
    assert_eq!((sum, copies), (3, 0));
}

#[test]
fn unknown_values_get_a_clear_marker() {
    assert_eq!(
        value::unsupported("tsvector"),
        json!("[unsupported type tsvector: cast it to text in the query]")
    );
    assert_eq!(value::float(f64::NAN), json!("NaN"));
    assert_eq!(value::float(f64::NEG_INFINITY), json!("-Infinity"));
    assert_eq!(value::bytes(b"\x00\xff"), json!({"$base64": "AP8="}));
}
