//! Postgres: the read-only bypasses found in review, each refused through the public API, with the
//! server checked afterwards from a second connection.

use sqlx::{Connection, Executor, PgConnection};

use switchboard_functions::builtin::query_database::{DatabaseConfig, Databases};

use crate::common::{args, databases, env_url, unique};

const VAR: &str = "SWITCHBOARD_TEST_POSTGRES_URL";

/// The test server's superuser, allowed explicitly: only the pre-check stands in the way.
fn privileged(url: &str) -> Databases {
    databases(
        DatabaseConfig::from_url("pg", url)
            .unwrap()
            .with_privileged_role_allowed(true),
    )
}

/// A login role with no privileges beyond `PUBLIC`'s; dropped by the caller.
async fn select_only_role(url: &str) -> (String, String) {
    let role = unique("pgro");
    let mut admin = PgConnection::connect(url).await.unwrap();
    admin
        .execute(sqlx::AssertSqlSafe(format!("CREATE ROLE {role} LOGIN")))
        .await
        .unwrap();
    let mut reader = url::Url::parse(url).unwrap();
    reader.set_username(&role).unwrap();
    (role, reader.to_string())
}

/// Advisory locks held by sessions of `role`, seen from a second connection.
async fn advisory_locks_of(url: &str, role: &str) -> i64 {
    let mut observer = PgConnection::connect(url).await.unwrap();
    let (n,): (i64,) = sqlx::query_as(
        "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
         WHERE l.locktype = 'advisory' AND a.usename = $1",
    )
    .bind(role)
    .fetch_one(&mut observer)
    .await
    .unwrap();
    n
}

async fn drop_role(url: &str, role: &str) {
    let mut admin = PgConnection::connect(url).await.unwrap();
    // The tool's pooled sessions may still be open; end them so the role can go.
    admin
        .execute(sqlx::AssertSqlSafe(format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{role}'"
        )))
        .await
        .unwrap();
    admin
        .execute(sqlx::AssertSqlSafe(format!("DROP ROLE {role}")))
        .await
        .unwrap();
}

#[tokio::test]
async fn ts_stat_cannot_read_server_files() {
    let Some(url) = env_url(VAR, "ts_stat_cannot_read_server_files") else {
        return;
    };
    let sql = "SELECT string_agg(word, ' ') FROM ts_stat('SELECT to_tsvector(''simple'', \
               pg_read_file(''/etc/passwd''))')";
    let err = privileged(&url).query(args("pg", sql)).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "query refused: functions that run SQL given as text are not allowed: ts_stat"
    );
}

#[tokio::test]
async fn ts_stat_cannot_take_an_advisory_lock_for_a_select_only_role() {
    let Some(url) = env_url(
        VAR,
        "ts_stat_cannot_take_an_advisory_lock_for_a_select_only_role",
    ) else {
        return;
    };
    let (role, reader_url) = select_only_role(&url).await;
    let dbs = databases(DatabaseConfig::from_url("pg", &reader_url).unwrap());
    let res = dbs
        .query(args(
            "pg",
            "SELECT * FROM ts_stat('SELECT to_tsvector(pg_advisory_lock(4242)::text)')",
        ))
        .await;
    // The pool stays open (the database set is alive): its sessions must hold nothing.
    let held = advisory_locks_of(&url, &role).await;
    drop(dbs);
    drop_role(&url, &role).await;
    assert!(
        matches!(&res, Err(e) if e.to_string().contains("run SQL given as text")),
        "{res:?}"
    );
    assert_eq!(held, 0);
}

#[tokio::test]
async fn ts_rewrite_cannot_run_sql_text() {
    let Some(url) = env_url(VAR, "ts_rewrite_cannot_run_sql_text") else {
        return;
    };
    let sql = "SELECT ts_rewrite('a'::tsquery, 'SELECT to_tsquery(pg_read_file(''/etc/hostname'')), \
               ''b''::tsquery')";
    let err = privileged(&url).query(args("pg", sql)).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "query refused: functions that run SQL given as text are not allowed: ts_rewrite"
    );
}

#[tokio::test]
async fn functions_off_the_allow_list_are_refused_by_name() {
    let Some(url) = env_url(VAR, "functions_off_the_allow_list_are_refused_by_name") else {
        return;
    };
    let err = privileged(&url)
        .query(args("pg", "SELECT pg_stat_get_activity(NULL)"))
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains(
            "allow-list of known-safe postgres functions are not allowed: pg_stat_get_activity"
        ),
        "{err}"
    );
}

#[tokio::test]
async fn comment_ended_by_carriage_return_cannot_hide_a_call() {
    let Some(url) = env_url(VAR, "comment_ended_by_carriage_return_cannot_hide_a_call") else {
        return;
    };
    // Postgres ends `--` comments at `\r`: the call after it is code.
    let err = privileged(&url)
        .query(args("pg", "SELECT 1 -- x\r, pg_sleep(3)"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("sleep"), "{err}");
}

#[tokio::test]
async fn honest_postgres_analytics_still_run() {
    let Some(url) = env_url(VAR, "honest_postgres_analytics_still_run") else {
        return;
    };
    let sql = "SELECT date_trunc('month', d)::date::text AS m, count(*) AS n, sum(v) AS total, \
               string_agg(name, ',' ORDER BY name) AS names, max(doc->>'k') AS k, \
               round(avg(v), 1)::text AS mean, \
               percentile_cont(0.5) WITHIN GROUP (ORDER BY v) AS median, \
               count(*) FILTER (WHERE v > 2) AS big /* a comment */ \
               FROM (VALUES ('2024-01-05'::date, 'b', 2, '{\"k\": \"x\"}'::jsonb), \
                            ('2024-01-20'::date, 'a', 4, '{\"k\": \"y\"}'::jsonb)) AS t(d, name, v, doc) \
               GROUP BY 1 ORDER BY 1 -- trailing comment";
    let out = privileged(&url).query(args("pg", sql)).await.unwrap();
    assert_eq!(
        out.rows,
        vec![vec![
            serde_json::json!("2024-01-01"),
            serde_json::json!(2),
            serde_json::json!(6),
            serde_json::json!("a,b"),
            serde_json::json!("y"),
            serde_json::json!("3.0"),
            serde_json::json!(3.0),
            serde_json::json!(1),
        ]]
    );
}
