//! SQLite: honest queries with snapshots, and the attack table against a real file.

use std::path::Path;

use switchboard_functions::builtin::query_database::{DatabaseConfig, QueryArgs};

use crate::common::{Attack, Expect, args, attack, databases, judge};

/// Creates the test database through a normal writable connection.
fn create_db(path: &Path) {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(
        "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price REAL, qty INTEGER, \
                             note TEXT, data BLOB);
         INSERT INTO items VALUES (1, 'apple', 0.5, 10, NULL, x'00ff10');
         INSERT INTO items VALUES (2, 'pear', 1.25, 0, 'ripe', NULL);
         INSERT INTO items VALUES (3, 'plum', 2.0, 7, '', x'');
         CREATE VIEW cheap AS SELECT name FROM items WHERE price < 1;",
    )
    .unwrap();
}

/// The whole table as text, to prove it is unchanged.
fn fingerprint(path: &Path) -> String {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut stmt = conn
        .prepare("SELECT id, name, price, qty, quote(note), hex(data) FROM items ORDER BY id")
        .unwrap();
    let rows: Vec<String> = stmt
        .query_map([], |r| {
            Ok(format!(
                "{}|{}|{}|{}|{}|{}",
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, f64>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?
            ))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let schema: Vec<String> = conn
        .prepare("SELECT type || ':' || name FROM sqlite_master ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    format!("{rows:?} {schema:?}")
}

#[tokio::test]
async fn honest_queries_return_typed_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shop.db");
    create_db(&path);
    let dbs = databases(DatabaseConfig::sqlite("shop", &path).unwrap());

    let out = dbs
        .query(args(
            "shop",
            "SELECT id, name, price, qty, note, data, price * qty AS total FROM items ORDER BY id",
        ))
        .await
        .unwrap();
    insta::assert_yaml_snapshot!("sqlite_items", out);

    let out = dbs
        .query(args("shop", "SELECT name FROM cheap"))
        .await
        .unwrap();
    assert_eq!(out.rows, vec![vec![serde_json::json!("apple")]]);

    // Schema introspection through the allowed PRAGMA table-valued functions.
    let out = dbs
        .query(args(
            "shop",
            "SELECT name, type FROM pragma_table_info('items') ORDER BY cid",
        ))
        .await
        .unwrap();
    assert_eq!(out.row_count, 6);

    let out = dbs
        .query(QueryArgs {
            max_rows: Some(2),
            ..args("shop", "SELECT id FROM items ORDER BY id")
        })
        .await
        .unwrap();
    insta::assert_yaml_snapshot!("sqlite_max_rows", out);

    let out = dbs
        .query(args(
            "shop",
            "EXPLAIN QUERY PLAN SELECT * FROM items WHERE id = 1",
        ))
        .await
        .unwrap();
    assert!(out.row_count >= 1);

    // An engine error is reported, not refused.
    let err = dbs
        .query(args("shop", "SELECT nope FROM items"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no such column"), "{err}");
    assert!(
        !err.to_string().contains(dir.path().to_str().unwrap()),
        "{err}"
    );
}

#[tokio::test]
async fn attacks_are_refused_and_data_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shop.db");
    create_db(&path);
    let before = fingerprint(&path);
    let dbs = databases(DatabaseConfig::sqlite("shop", &path).unwrap());
    let d = dir.path().display();

    let attacks: Vec<Attack> = vec![
        attack(
            "insert",
            "INSERT INTO items (id, name) VALUES (9, 'x')",
            Expect::Refused,
        ),
        attack("update", "UPDATE items SET name = 'x'", Expect::Refused),
        attack("delete", "DELETE FROM items", Expect::Refused),
        attack(
            "replace",
            "REPLACE INTO items (id, name) VALUES (1, 'x')",
            Expect::Refused,
        ),
        attack(
            "two statements",
            "SELECT 1; DELETE FROM items",
            Expect::Refused,
        ),
        attack(
            "commit then insert",
            "COMMIT; INSERT INTO items (id, name) VALUES (9, 'x')",
            Expect::Refused,
        ),
        attack(
            "vacuum into",
            format!("VACUUM INTO '{d}/copy.db'"),
            Expect::Refused,
        ),
        attack(
            "attach",
            format!("ATTACH DATABASE '{d}/new.db' AS x"),
            Expect::Refused,
        ),
        attack(
            "create temp table",
            "CREATE TEMP TABLE t AS SELECT * FROM items",
            Expect::Refused,
        ),
        attack(
            "create trigger",
            "CREATE TRIGGER tr AFTER INSERT ON items BEGIN DELETE FROM items; END",
            Expect::Refused,
        ),
        attack("drop table", "DROP TABLE items", Expect::Refused),
        attack(
            "pragma query_only off",
            "PRAGMA query_only = 0",
            Expect::Refused,
        ),
        attack(
            "pragma writable_schema",
            "PRAGMA writable_schema = 1",
            Expect::Refused,
        ),
        attack("begin immediate", "BEGIN IMMEDIATE", Expect::Refused),
        attack(
            "load_extension",
            "SELECT load_extension('/tmp/evil.so')",
            Expect::Refused,
        ),
        attack(
            "data-modifying CTE",
            "WITH d AS (DELETE FROM items RETURNING *) SELECT * FROM d",
            Expect::Refused,
        ),
        attack(
            "runaway recursion",
            "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c) SELECT count(*) FROM c",
            Expect::Timeout,
        ),
        attack(
            "giant result (rows)",
            "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c) SELECT n FROM c",
            Expect::TruncatedRows,
        ),
        attack(
            "giant result (bytes)",
            "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c LIMIT 500) SELECT n, randomblob(2000) FROM c",
            Expect::TruncatedBytes,
        ),
    ];
    let mut failures = Vec::new();
    for a in &attacks {
        let res = dbs.query(args("shop", &a.sql)).await;
        failures.extend(judge(a, &res));
        assert_eq!(
            fingerprint(&path),
            before,
            "data changed after `{}`",
            a.name
        );
    }
    assert!(failures.is_empty(), "{failures:#?}");
    for file in ["copy.db", "new.db"] {
        assert!(!dir.path().join(file).exists(), "{file} was created");
    }
    eprintln!(
        "sqlite: {} attack cases refused or contained",
        attacks.len()
    );
}

#[tokio::test]
async fn missing_file_is_unavailable_not_created() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("absent.db");
    let dbs = databases(DatabaseConfig::sqlite("gone", &path).unwrap());
    let err = dbs.query(args("gone", "SELECT 1")).await.unwrap_err();
    assert!(err.to_string().contains("unavailable"), "{err}");
    assert!(
        !err.to_string().contains("absent.db"),
        "the path leaked: {err}"
    );
    assert!(!path.exists());
}
