//! MySQL/MariaDB: honest queries with snapshots, and the attack table, against `SWITCHBOARD_TEST_MYSQL_URL`.

use sqlx::{Connection, Executor, MySqlConnection};

use switchboard_functions::builtin::query_database::DatabaseConfig;

use crate::common::{Attack, Expect, args, attack, databases, env_url, judge, unique};

const VAR: &str = "SWITCHBOARD_TEST_MYSQL_URL";

/// A table created through a normal writable connection, dropped on `cleanup`.
struct Fixture {
    conn: MySqlConnection,
    table: String,
}

impl Fixture {
    async fn new(url: &str) -> Self {
        let mut conn = MySqlConnection::connect(url).await.unwrap();
        let table = unique("my");
        conn.execute(sqlx::AssertSqlSafe(format!(
            "CREATE TABLE {table} (
                 id INT PRIMARY KEY, name VARCHAR(20) NOT NULL, big BIGINT UNSIGNED, price DECIMAL(12,4),
                 ok TINYINT(1), raw VARBINARY(8), at DATETIME(3), day DATE, tm TIME, doc JSON, ratio DOUBLE,
                 size ENUM('s','m','l'), note TEXT) ENGINE=InnoDB"
        )))
        .await
        .unwrap();
        conn.execute(sqlx::AssertSqlSafe(format!(
            "INSERT INTO {table} VALUES
               (1, 'apple', 18446744073709551615, 1234.5600, 1, x'00ff10', '2024-02-29 12:34:56.789',
                '2024-02-29', '-01:02:03', '{{\"a\": [1, 2, null]}}', 0.5, 'm', 'ripe'),
               (2, 'pear', 0, -0.0001, 0, x'', '1999-12-31 23:59:59', '1999-12-31', '00:00:00', 'null', -2.5e-3,
                's', ''),
               (3, 'plum', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)"
        )))
        .await
        .unwrap();
        Self { conn, table }
    }

    async fn fingerprint(&mut self) -> String {
        let rows: Vec<(i32, String, Option<String>)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT id, name, CONCAT_WS('|', big, price, ok, HEX(raw), at, day, tm, doc, ratio, size, note) \
             FROM {} ORDER BY id",
            self.table
        )))
        .fetch_all(&mut self.conn)
        .await
        .unwrap();
        let tables: (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_name LIKE '{}%'",
            self.table
        )))
        .fetch_one(&mut self.conn)
        .await
        .unwrap();
        format!("{rows:?} tables: {}", tables.0)
    }

    async fn cleanup(mut self) {
        self.conn
            .execute(sqlx::AssertSqlSafe(format!(
                "DROP TABLE IF EXISTS {t}, {t}_copy",
                t = self.table
            )))
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn honest_queries_return_typed_rows() {
    let Some(url) = env_url(VAR, "mysql honest_queries_return_typed_rows") else {
        return;
    };
    let fx = Fixture::new(&url).await;
    let dbs = databases(
        // The test server only offers a superuser; the guards must hold even then.
        DatabaseConfig::from_url("my", &url)
            .unwrap()
            .with_privileged_role_allowed(true),
    );
    let t = &fx.table;

    let out = dbs
        .query(args("my", &format!("SELECT * FROM {t} ORDER BY id")))
        .await
        .unwrap();
    insta::assert_yaml_snapshot!("mysql_all_types", out);

    let out = dbs
        .query(args(
            "my",
            "SELECT 1 AS one, 2.5 AS dec_literal, 'x' AS txt, NULL AS nothing, 1.5e0 AS dbl, \
             CAST('2020-01-02' AS DATE) AS d",
        ))
        .await
        .unwrap();
    insta::assert_yaml_snapshot!("mysql_literals", out);

    let out = dbs
        .query(args("my", &format!("SELECT id, name FROM {t} WHERE 1 = 0")))
        .await
        .unwrap();
    insta::assert_yaml_snapshot!("mysql_empty", out);

    let err = dbs
        .query(args("my", "SELECT * FROM no_such_table_anywhere"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("doesn't exist"), "{err}");
    fx.cleanup().await;
}

#[tokio::test]
async fn attacks_are_refused_and_data_unchanged() {
    let Some(url) = env_url(VAR, "mysql attacks_are_refused_and_data_unchanged") else {
        return;
    };
    let mut fx = Fixture::new(&url).await;
    let before = fx.fingerprint().await;
    let dbs = databases(
        // The test server only offers a superuser; the guards must hold even then.
        DatabaseConfig::from_url("my", &url)
            .unwrap()
            .with_privileged_role_allowed(true),
    );
    let t = fx.table.clone();
    let outfile = std::env::temp_dir().join(format!("{t}_outfile"));
    let o = outfile.display();

    let attacks: Vec<Attack> = vec![
        attack(
            "insert",
            format!("INSERT INTO {t} (id, name) VALUES (9, 'x')"),
            Expect::Refused,
        ),
        attack(
            "update",
            format!("UPDATE {t} SET name = 'x'"),
            Expect::Refused,
        ),
        attack("delete", format!("DELETE FROM {t}"), Expect::Refused),
        attack(
            "replace",
            format!("REPLACE INTO {t} (id, name) VALUES (1, 'x')"),
            Expect::Refused,
        ),
        attack(
            "two statements",
            format!("SELECT 1; DELETE FROM {t}"),
            Expect::Refused,
        ),
        attack(
            "commit then insert",
            format!("COMMIT; INSERT INTO {t} (id, name) VALUES (9, 'x')"),
            Expect::Refused,
        ),
        attack(
            "create table as select",
            format!("CREATE TABLE {t}_copy AS SELECT * FROM {t}"),
            Expect::Refused,
        ),
        attack(
            "create temporary table",
            format!("CREATE TEMPORARY TABLE tmp AS SELECT * FROM {t}"),
            Expect::Refused,
        ),
        attack(
            "select into variable",
            format!("SELECT name INTO @v FROM {t} LIMIT 1"),
            Expect::Refused,
        ),
        attack(
            "into outfile",
            format!("SELECT * FROM {t} INTO OUTFILE '{o}'"),
            Expect::Refused,
        ),
        attack(
            "into dumpfile",
            format!("SELECT name FROM {t} LIMIT 1 INTO DUMPFILE '{o}'"),
            Expect::Refused,
        ),
        attack(
            "load_file",
            "SELECT LOAD_FILE('/etc/passwd')",
            Expect::Refused,
        ),
        attack(
            "load data infile",
            format!("LOAD DATA INFILE '/etc/passwd' INTO TABLE {t}"),
            Expect::Refused,
        ),
        attack("sleep past the timeout", "SELECT SLEEP(5)", Expect::Refused),
        attack(
            "benchmark",
            "SELECT BENCHMARK(100000000, MD5('x'))",
            Expect::Refused,
        ),
        attack(
            "MariaDB executable comment",
            "SELECT 1 /*M!, SLEEP(5) */",
            Expect::Refused,
        ),
        attack(
            "MySQL executable comment",
            "SELECT 1 /*!, LOAD_FILE('/etc/passwd') */",
            Expect::Refused,
        ),
        attack("do sleep", "DO SLEEP(5)", Expect::Refused),
        attack(
            "SET read-only off",
            "SET SESSION transaction_read_only = 0",
            Expect::Refused,
        ),
        attack(
            "SET time limit off",
            "SET SESSION max_statement_time = 0",
            Expect::Refused,
        ),
        attack("variable assignment", "SELECT @x := 1", Expect::Refused),
        attack(
            "for update",
            format!("SELECT * FROM {t} FOR UPDATE"),
            Expect::Refused,
        ),
        attack(
            "lock in share mode",
            format!("SELECT * FROM {t} LOCK IN SHARE MODE"),
            Expect::Refused,
        ),
        attack("get_lock", "SELECT GET_LOCK('x', 10)", Expect::Refused),
        attack(
            "lock tables",
            format!("LOCK TABLES {t} WRITE"),
            Expect::Refused,
        ),
        attack("handler", format!("HANDLER {t} OPEN"), Expect::Refused),
        attack("call", "CALL mysql.no_such_procedure()", Expect::Refused),
        attack(
            "heavy query past the timeout",
            "WITH RECURSIVE d(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM d WHERE n < 9999) SELECT COUNT(*) FROM d a, d b, d c",
            Expect::Timeout,
        ),
        attack(
            "giant result (rows)",
            "WITH RECURSIVE d(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM d WHERE n < 99) SELECT a.n, b.n, c.n FROM d a, d b, d c",
            Expect::TruncatedRows,
        ),
        attack(
            "giant result (bytes)",
            "WITH RECURSIVE d(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM d WHERE n < 499) SELECT REPEAT('x', 5000) FROM d",
            Expect::TruncatedBytes,
        ),
    ];
    let mut failures = Vec::new();
    for a in &attacks {
        let res = dbs.query(args("my", &a.sql)).await;
        failures.extend(judge(a, &res));
        assert_eq!(
            fx.fingerprint().await,
            before,
            "data changed after `{}`",
            a.name
        );
    }
    assert!(!outfile.exists());
    fx.cleanup().await;
    assert!(failures.is_empty(), "{failures:#?}");
    eprintln!("mysql: {} attack cases refused or contained", attacks.len());
}

#[tokio::test]
async fn select_only_user_is_used_and_file_privilege_refused_by_default() {
    let Some(url) = env_url(
        VAR,
        "mysql select_only_user_is_used_and_file_privilege_refused_by_default",
    ) else {
        return;
    };
    let mut fx = Fixture::new(&url).await;
    let t = fx.table.clone();
    let user = format!("{t}_r");
    let database = url::Url::parse(&url)
        .unwrap()
        .path()
        .trim_start_matches('/')
        .to_owned();
    fx.conn
        .execute(sqlx::AssertSqlSafe(format!("CREATE USER '{user}'@'%'")))
        .await
        .unwrap();
    fx.conn
        .execute(sqlx::AssertSqlSafe(format!(
            "GRANT SELECT ON `{database}`.`{t}` TO '{user}'@'%'"
        )))
        .await
        .unwrap();
    let mut reader_url = url::Url::parse(&url).unwrap();
    reader_url.set_username(&user).unwrap();

    let dbs = databases(DatabaseConfig::from_url("my", reader_url.as_str()).unwrap());
    let out = dbs
        .query(args("my", &format!("SELECT COUNT(*) AS n FROM {t}")))
        .await
        .unwrap();
    assert_eq!(out.rows, vec![vec![serde_json::json!(3)]]);

    let root = databases(DatabaseConfig::from_url("my", &url).unwrap());
    let err = root.query(args("my", "SELECT 1")).await.unwrap_err();
    assert!(err.to_string().contains("SELECT-only user"), "{err}");

    fx.conn
        .execute(sqlx::AssertSqlSafe(format!("DROP USER '{user}'@'%'")))
        .await
        .unwrap();
    fx.cleanup().await;
}
