//! Cost of one `query_database` call: the pre-check plus a real query, on SQLite (always) and Postgres/MySQL (when their URLs are set).
#![allow(clippy::unwrap_used, missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use switchboard_functions::builtin::query_database::{DatabaseConfig, Databases, QueryArgs};

fn args(database: &str, query: &str) -> QueryArgs {
    QueryArgs {
        database: database.to_owned(),
        query: query.to_owned(),
        max_rows: None,
    }
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bench.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(
        "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, price REAL);
         WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c LIMIT 1000)
         INSERT INTO items SELECT n, 'item ' || n, n * 0.25 FROM c;",
    )
    .unwrap();
    let mut configs = vec![DatabaseConfig::sqlite("lite", &path).unwrap()];
    let mut remote = Vec::new();
    for (var, name) in [
        ("SWITCHBOARD_TEST_POSTGRES_URL", "pg"),
        ("SWITCHBOARD_TEST_MYSQL_URL", "my"),
    ] {
        if let Ok(url) = std::env::var(var) {
            configs.push(
                DatabaseConfig::from_url(name, &url)
                    .unwrap()
                    .with_privileged_role_allowed(true),
            );
            remote.push(name);
        }
    }
    let dbs = Databases::new(configs).unwrap();

    let mut group = c.benchmark_group("query_database");
    group.bench_function("sqlite_one_row", |b| {
        b.iter(|| {
            rt.block_on(dbs.query(args(
                "lite",
                "SELECT id, name, price FROM items WHERE id = 7",
            )))
            .unwrap()
        });
    });
    group.bench_function("sqlite_1000_rows", |b| {
        b.iter(|| {
            let out = rt
                .block_on(dbs.query(args("lite", "SELECT id, name, price FROM items")))
                .unwrap();
            black_box(out.row_count)
        });
    });
    group.bench_function("refused_by_precheck", |b| {
        b.iter(|| {
            rt.block_on(dbs.query(args(
                "lite",
                "WITH d AS (DELETE FROM items RETURNING *) SELECT * FROM d",
            )))
            .unwrap_err()
        });
    });
    for name in remote {
        group.bench_function(format!("{name}_one_row"), |b| {
            b.iter(|| {
                rt.block_on(dbs.query(args(name, "SELECT 1 AS one")))
                    .unwrap()
            });
        });
        let many = if name == "pg" {
            "SELECT g AS id, 'item ' || g AS name FROM generate_series(1, 1000) g"
        } else {
            "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 1000) \
             SELECT n AS id, CONCAT('item ', n) AS name FROM c"
        };
        group.bench_function(format!("{name}_1000_rows"), |b| {
            b.iter(|| black_box(rt.block_on(dbs.query(args(name, many))).unwrap().row_count));
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(std::time::Duration::from_millis(500))
        .measurement_time(std::time::Duration::from_secs(2));
    targets = bench
}
criterion_main!(benches);
