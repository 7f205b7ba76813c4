//! MySQL/MariaDB: the read-only bypasses found in review, each refused through the public API, with
//! the server checked afterwards from a second connection.

use sqlx::{Connection, Executor, MySqlConnection};

use switchboard_functions::builtin::query_database::{DatabaseConfig, Databases};

use crate::common::{args, databases, env_url, unique};

const VAR: &str = "SWITCHBOARD_TEST_MYSQL_URL";

/// The test server's superuser, allowed explicitly: only the pre-check stands in the way.
fn privileged(url: &str) -> Databases {
    databases(
        DatabaseConfig::from_url("my", url)
            .unwrap()
            .with_privileged_role_allowed(true),
    )
}

/// The connection id holding the named lock, seen from a second connection.
async fn lock_holder(url: &str, name: &str) -> Option<i64> {
    let mut observer = MySqlConnection::connect(url).await.unwrap();
    let (holder,): (Option<i64>,) = sqlx::query_as("SELECT CAST(IS_USED_LOCK(?) AS SIGNED)")
        .bind(name)
        .fetch_one(&mut observer)
        .await
        .unwrap();
    holder
}

/// A user with `SELECT` on nothing but what `GET_LOCK` needs (nothing); dropped by the caller.
async fn select_only_user(url: &str) -> (String, String) {
    let user = unique("myro");
    let mut admin = MySqlConnection::connect(url).await.unwrap();
    admin
        .execute(sqlx::AssertSqlSafe(format!("CREATE USER '{user}'@'%'")))
        .await
        .unwrap();
    let mut reader = url::Url::parse(url).unwrap();
    reader.set_username(&user).unwrap();
    (user, reader.to_string())
}

async fn drop_user(url: &str, user: &str) {
    let mut admin = MySqlConnection::connect(url).await.unwrap();
    admin
        .execute(sqlx::AssertSqlSafe(format!("DROP USER '{user}'@'%'")))
        .await
        .unwrap();
}

#[tokio::test]
async fn nbsp_after_dash_dash_cannot_hide_load_file() {
    let Some(url) = env_url(VAR, "nbsp_after_dash_dash_cannot_hide_load_file") else {
        return;
    };
    let sql =
        "SELECT a --\u{a0}, LOAD_FILE('/etc/passwd') AS leak FROM (SELECT 1 AS a, 2 AS \u{a0}) q";
    let err = privileged(&url).query(args("my", sql)).await.unwrap_err();
    assert!(err.is_refused(), "{err}");
    assert!(
        err.to_string().contains("`--` not followed by a space"),
        "{err}"
    );
}

#[tokio::test]
async fn ideographic_space_after_dash_dash_cannot_hide_into_outfile() {
    let Some(url) = env_url(
        VAR,
        "ideographic_space_after_dash_dash_cannot_hide_into_outfile",
    ) else {
        return;
    };
    let outfile = std::env::temp_dir().join(unique("outfile"));
    let sql = format!(
        "SELECT a --\u{3000}, 2 INTO OUTFILE '{}' FROM (SELECT 1 AS a, 2 AS \u{3000}) q",
        outfile.display()
    );
    let err = privileged(&url).query(args("my", &sql)).await.unwrap_err();
    assert!(err.is_refused(), "{err}");
    assert!(!outfile.exists(), "the server wrote {}", outfile.display());
}

#[tokio::test]
async fn next_line_after_dash_dash_cannot_hide_get_lock_from_a_select_only_user() {
    let Some(url) = env_url(
        VAR,
        "next_line_after_dash_dash_cannot_hide_get_lock_from_a_select_only_user",
    ) else {
        return;
    };
    let (user, reader_url) = select_only_user(&url).await;
    let name = unique("lock");
    let sql = format!(
        "SELECT a --\u{85}, GET_LOCK('{name}', 0) AS l FROM (SELECT 1 AS a, 2 AS \u{85}) q"
    );
    let dbs = databases(DatabaseConfig::from_url("my", &reader_url).unwrap());
    let res = dbs.query(args("my", &sql)).await;
    let holder = lock_holder(&url, &name).await;
    drop_user(&url, &user).await;
    assert!(matches!(&res, Err(e) if e.is_refused()), "{res:?}");
    assert_eq!(holder, None, "connection {holder:?} holds the lock");
}

#[tokio::test]
async fn get_lock_is_refused_by_name_and_no_lock_is_held() {
    let Some(url) = env_url(VAR, "get_lock_is_refused_by_name_and_no_lock_is_held") else {
        return;
    };
    let name = unique("lock");
    let err = privileged(&url)
        .query(args("my", &format!("SELECT GET_LOCK('{name}', 0)")))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "query refused: functions that take or release locks are not allowed: GET_LOCK"
    );
    assert_eq!(lock_holder(&url, &name).await, None);
}

#[tokio::test]
async fn dash_dash_without_space_is_refused_as_ambiguous() {
    let Some(url) = env_url(VAR, "dash_dash_without_space_is_refused_as_ambiguous") else {
        return;
    };
    let err = privileged(&url)
        .query(args("my", "SELECT 1--1"))
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("`- -` for double negation"),
        "{err}"
    );
}

#[tokio::test]
async fn honest_mysql_analytics_still_run() {
    let Some(url) = env_url(VAR, "honest_mysql_analytics_still_run") else {
        return;
    };
    let sql = "SELECT DATE_FORMAT(d, '%Y-%m') AS m, COUNT(*) AS n, SUM(v) AS total, \
               GROUP_CONCAT(name ORDER BY name SEPARATOR ',') AS names, \
               MAX(JSON_UNQUOTE(JSON_EXTRACT(doc, '$.k'))) AS k, \
               ROUND(AVG(v), 1) AS mean -- a comment\n\
               FROM (SELECT DATE('2024-01-05') AS d, 'b' AS name, 2 AS v, '{\"k\": \"x\"}' AS doc \
                     UNION ALL SELECT DATE('2024-01-20'), 'a', 4, '{\"k\": \"y\"}') AS t \
               # another comment\n\
               GROUP BY m ORDER BY m";
    let out = privileged(&url).query(args("my", sql)).await.unwrap();
    assert_eq!(out.rows.len(), 1);
    assert_eq!(out.rows[0][0], serde_json::json!("2024-01"));
    assert_eq!(out.rows[0][1], serde_json::json!(2));
    assert_eq!(out.rows[0][3], serde_json::json!("a,b"));
    assert_eq!(out.rows[0][4], serde_json::json!("y"));
}
