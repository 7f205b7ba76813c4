//! Postgres: honest queries with snapshots, and the attack table, against `SWITCHBOARD_TEST_POSTGRES_URL`.

use sqlx::{Connection, Executor, PgConnection};

use switchboard_functions::builtin::query_database::DatabaseConfig;

use crate::common::{Attack, Expect, args, attack, databases, env_url, judge, unique};

const VAR: &str = "SWITCHBOARD_TEST_POSTGRES_URL";

/// A table created through a normal writable connection, dropped on `cleanup`.
struct Fixture {
    conn: PgConnection,
    table: String,
    seq: String,
}

impl Fixture {
    async fn new(url: &str) -> Self {
        let mut conn = PgConnection::connect(url).await.unwrap();
        let table = unique("pg");
        let seq = format!("{table}_seq");
        conn.execute(sqlx::AssertSqlSafe(format!(
            "CREATE TABLE {table} (
                 id int4 PRIMARY KEY, name text NOT NULL, big int8, price numeric(12,4), ok bool,
                 raw bytea, at timestamptz, day date, doc jsonb, uid uuid, ratio float8, tags int4[],
                 span interval);
             INSERT INTO {table} VALUES
               (1, 'apple', 9007199254740993, 1234.5600, true, '\\x00ff10', '2024-02-29 12:34:56.789+00',
                '2024-02-29', '{{\"a\": [1, 2, null]}}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 0.5,
                '{{1,2,NULL}}', '1 year 2 mons 3 days 04:05:06.5'),
               (2, 'pear', -1, -0.0001, false, '', '1999-12-31 23:59:59+00', '1999-12-31', 'null', NULL,
                'NaN', '{{}}', '0'),
               (3, 'plum', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
             CREATE SEQUENCE {seq};"
        )))
        .await
        .unwrap();
        Self { conn, table, seq }
    }

    async fn fingerprint(&mut self) -> String {
        let table = &self.table;
        let rows: Vec<(String,)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT t::text FROM {table} t ORDER BY id"
        )))
        .fetch_all(&mut self.conn)
        .await
        .unwrap();
        let seq: (i64, bool) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT last_value, is_called FROM {}",
            self.seq
        )))
        .fetch_one(&mut self.conn)
        .await
        .unwrap();
        format!("{rows:?} {seq:?}")
    }

    async fn cleanup(mut self) {
        self.conn
            .execute(sqlx::AssertSqlSafe(format!(
                "DROP TABLE IF EXISTS {t}; DROP TABLE IF EXISTS {t}_copy; DROP SEQUENCE IF EXISTS {s}",
                t = self.table,
                s = self.seq
            )))
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn honest_queries_return_typed_rows() {
    let Some(url) = env_url(VAR, "postgres honest_queries_return_typed_rows") else {
        return;
    };
    let fx = Fixture::new(&url).await;
    let dbs = databases(
        // The test server only offers a superuser; the guards must hold even then.
        DatabaseConfig::from_url("pg", &url)
            .unwrap()
            .with_privileged_role_allowed(true),
    );
    let t = &fx.table;

    let out = dbs
        .query(args("pg", &format!("SELECT * FROM {t} ORDER BY id")))
        .await
        .unwrap();
    insta::assert_yaml_snapshot!("postgres_all_types", out);

    let out = dbs
        .query(args(
            "pg",
            "SELECT 1::int2 AS small, 'x'::varchar(3) AS v, 'c'::\"char\" AS c, 'Infinity'::numeric AS inf, \
             '12:30:00'::time AS t, 'a'::name AS n, '10.0.0.1'::inet AS ip, NULL::text AS nothing, \
             ARRAY['a', NULL] AS texts, '[1,2)'::int4range AS r",
        ))
        .await
        .unwrap();
    insta::assert_yaml_snapshot!("postgres_misc_types", out);

    // Empty results still report their columns.
    let out = dbs
        .query(args("pg", &format!("SELECT id, name FROM {t} WHERE false")))
        .await
        .unwrap();
    insta::assert_yaml_snapshot!("postgres_empty", out);

    let out = dbs
        .query(args("pg", &format!("EXPLAIN SELECT * FROM {t}")))
        .await
        .unwrap();
    assert!(out.row_count >= 1);

    let err = dbs
        .query(args("pg", "SELECT * FROM no_such_table_anywhere"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("does not exist"), "{err}");

    // After errors and refusals the pooled connection is still usable and still read-only.
    let out = dbs
        .query(args(
            "pg",
            "SELECT current_setting('transaction_read_only') AS ro",
        ))
        .await
        .unwrap();
    assert_eq!(out.rows, vec![vec![serde_json::json!("on")]]);
    fx.cleanup().await;
}

#[tokio::test]
async fn attacks_are_refused_and_data_unchanged() {
    let Some(url) = env_url(VAR, "postgres attacks_are_refused_and_data_unchanged") else {
        return;
    };
    let mut fx = Fixture::new(&url).await;
    let before = fx.fingerprint().await;
    let dbs = databases(
        // The test server only offers a superuser; the guards must hold even then.
        DatabaseConfig::from_url("pg", &url)
            .unwrap()
            .with_privileged_role_allowed(true),
    );
    let t = fx.table.clone();
    let s = fx.seq.clone();
    let marker = std::env::temp_dir().join(format!("{t}_program_marker"));
    let m = marker.display();

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
        attack("truncate", format!("TRUNCATE {t}"), Expect::Refused),
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
            "data-modifying CTE",
            format!("WITH d AS (DELETE FROM {t} RETURNING *) SELECT * FROM d"),
            Expect::Refused,
        ),
        attack(
            "select into",
            format!("SELECT * INTO {t}_copy FROM {t}"),
            Expect::Refused,
        ),
        attack(
            "create temp table",
            format!("CREATE TEMP TABLE x AS SELECT * FROM {t}"),
            Expect::Refused,
        ),
        attack(
            "set_config read-only off",
            "SELECT set_config('default_transaction_read_only', 'off', false)",
            Expect::Refused,
        ),
        attack(
            "SET read-only off",
            "SET default_transaction_read_only = off",
            Expect::Refused,
        ),
        attack(
            "SET statement_timeout",
            "SET statement_timeout = 0",
            Expect::Refused,
        ),
        attack(
            "pg_read_file",
            "SELECT pg_read_file('/etc/passwd')",
            Expect::Refused,
        ),
        attack(
            "pg_read_file in FROM",
            "SELECT * FROM pg_catalog.pg_read_file('/etc/passwd')",
            Expect::Refused,
        ),
        attack("pg_ls_dir", "SELECT * FROM pg_ls_dir('/')", Expect::Refused),
        attack(
            "Unicode-escaped function name",
            r#"SELECT U&"pg\005fread_file"('/etc/passwd')"#,
            Expect::Refused,
        ),
        attack(
            "pg_sleep past the timeout",
            "SELECT pg_sleep(5)",
            Expect::Refused,
        ),
        attack(
            "copy to program",
            format!("COPY (SELECT 1) TO PROGRAM 'touch {m}'"),
            Expect::Refused,
        ),
        attack(
            "copy from file",
            format!("COPY {t} FROM '/etc/passwd'"),
            Expect::Refused,
        ),
        attack(
            "lo_import",
            "SELECT lo_import('/etc/passwd')",
            Expect::Refused,
        ),
        attack(
            "for update",
            format!("SELECT * FROM {t} FOR UPDATE"),
            Expect::Refused,
        ),
        attack(
            "for share in subquery",
            format!("SELECT * FROM (SELECT * FROM {t} FOR SHARE) x"),
            Expect::Refused,
        ),
        attack("nextval", format!("SELECT nextval('{s}')"), Expect::Refused),
        attack(
            "advisory lock",
            "SELECT pg_advisory_lock(42)",
            Expect::Refused,
        ),
        attack(
            "terminate backends",
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity",
            Expect::Refused,
        ),
        attack(
            "dynamic SQL via query_to_xml",
            format!("SELECT query_to_xml('DELETE FROM {t} RETURNING 1', true, true, '')"),
            Expect::Refused,
        ),
        attack(
            "DO block",
            format!("DO $$ BEGIN DELETE FROM {t}; END $$"),
            Expect::Refused,
        ),
        attack(
            "explain analyze",
            format!("EXPLAIN ANALYZE DELETE FROM {t}"),
            Expect::Refused,
        ),
        attack(
            "prepare",
            format!("PREPARE p AS DELETE FROM {t}"),
            Expect::Refused,
        ),
        attack("notify", "NOTIFY chan, 'x'", Expect::Refused),
        attack("lock table", format!("LOCK TABLE {t}"), Expect::Refused),
        attack(
            "heavy query past the timeout",
            "SELECT count(*) FROM generate_series(1, 100000) a CROSS JOIN generate_series(1, 100000) b",
            Expect::Timeout,
        ),
        attack(
            "giant result (rows)",
            "SELECT generate_series(1, 1000000000) AS n",
            Expect::TruncatedRows,
        ),
        attack(
            "giant result (bytes)",
            "SELECT repeat('x', 5000) FROM generate_series(1, 500)",
            Expect::TruncatedBytes,
        ),
    ];
    let mut failures = Vec::new();
    for a in &attacks {
        let res = dbs.query(args("pg", &a.sql)).await;
        failures.extend(judge(a, &res));
        assert_eq!(
            fx.fingerprint().await,
            before,
            "data changed after `{}`",
            a.name
        );
    }
    // The copy target and the program's marker were never created.
    let copy: (Option<String>,) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT to_regclass('{t}_copy')::text"
    )))
    .fetch_one(&mut fx.conn)
    .await
    .unwrap();
    assert_eq!(copy.0, None);
    assert!(!marker.exists());
    // No session setting leaked into the pool.
    let out = dbs
        .query(args(
            "pg",
            "SELECT current_setting('default_transaction_read_only') AS ro, pg_backend_pid() > 0 AS alive",
        ))
        .await
        .unwrap();
    assert_eq!(out.rows[0][0], serde_json::json!("on"));
    fx.cleanup().await;
    assert!(failures.is_empty(), "{failures:#?}");
    eprintln!(
        "postgres: {} attack cases refused or contained",
        attacks.len()
    );
}

#[tokio::test]
async fn select_only_role_is_used_and_superuser_refused_by_default() {
    let Some(url) = env_url(
        VAR,
        "postgres select_only_role_is_used_and_superuser_refused_by_default",
    ) else {
        return;
    };
    let fx = Fixture::new(&url).await;
    let t = fx.table.clone();
    let role = format!("{t}_reader");
    let mut admin = PgConnection::connect(&url).await.unwrap();
    admin
        .execute(sqlx::AssertSqlSafe(format!(
            "CREATE ROLE {role} LOGIN; GRANT USAGE ON SCHEMA public TO {role}; GRANT SELECT ON {t} TO {role}"
        )))
        .await
        .unwrap();
    let mut reader_url = url::Url::parse(&url).unwrap();
    reader_url.set_username(&role).unwrap();

    let dbs = databases(DatabaseConfig::from_url("pg", reader_url.as_str()).unwrap());
    let out = dbs
        .query(args("pg", &format!("SELECT count(*) AS n FROM {t}")))
        .await
        .unwrap();
    assert_eq!(out.rows, vec![vec![serde_json::json!(3)]]);
    // The role itself cannot read server files even if the pre-check were bypassed; here the
    // pre-check refuses first.
    let err = dbs
        .query(args("pg", "SELECT pg_read_file('/etc/hostname')"))
        .await
        .unwrap_err();
    assert!(err.is_refused(), "{err}");

    let superuser = databases(DatabaseConfig::from_url("pg", &url).unwrap());
    let err = superuser.query(args("pg", "SELECT 1")).await.unwrap_err();
    assert!(err.to_string().contains("SELECT-only role"), "{err}");

    admin
        .execute(sqlx::AssertSqlSafe(format!(
            "DROP OWNED BY {role}; DROP ROLE {role}"
        )))
        .await
        .unwrap();
    fx.cleanup().await;
}
