//! Crash safety and multi-process delivery with real processes: this test binary re-executes
//! itself as the child (`SB_CHILD_MODE` set), so the child is a real process that can be
//! SIGKILLed mid-burst.

#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::print_stderr)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use switchboard_core::NetPolicy;
use switchboard_webhooks::delivery::store::Store;
use switchboard_webhooks::delivery::store::{SqliteOptions, SqliteStore};
use switchboard_webhooks::delivery::{
    DeliveryConfig, DeliveryQuery, DeliveryStatus, EndpointSpec, ManualClock, MessageQuery,
    WebhookManager,
};

type Seen = Arc<Mutex<HashMap<String, usize>>>;

async fn counting_receiver() -> (Seen, String) {
    let seen: Seen = Arc::default();
    let s = seen.clone();
    let app = Router::new().route(
        "/hook",
        post(move |headers: HeaderMap| {
            let s = s.clone();
            async move {
                let id = headers["webhook-id"].to_str().unwrap().to_owned();
                *s.lock().unwrap().entry(id).or_default() += 1;
                StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (seen, format!("http://127.0.0.1:{port}/hook"))
}

fn loopback() -> NetPolicy {
    NetPolicy::public_only().allow_cidr("127.0.0.1/32".parse().unwrap())
}

fn spawn_child(mode: &str, env: &[(&str, String)]) -> Child {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["--exact", "child_entry", "--nocapture", "--test-threads=1"])
        .env("SB_CHILD_MODE", mode)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.spawn().unwrap()
}

/// The child: does nothing unless started by one of the tests below.
#[test]
fn child_entry() {
    let Ok(mode) = std::env::var("SB_CHILD_MODE") else {
        return;
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        match mode.as_str() {
            "sqlite-burst" => sqlite_burst_child().await,
            #[cfg(feature = "postgres")]
            "pg-worker" => pg_worker_child().await,
            other => panic!("unknown child mode {other}"),
        }
    });
}

async fn sqlite_burst_child() {
    let path = std::env::var("SB_DB").unwrap();
    let url = std::env::var("SB_URL").unwrap();
    let n: usize = std::env::var("SB_N").unwrap().parse().unwrap();
    let store = Arc::new(SqliteStore::open(&path, SqliteOptions::default()).unwrap());
    let manager = WebhookManager::builder(store)
        .net_policy(loopback())
        .build()
        .unwrap();
    manager
        .register(EndpointSpec::new("receiver", url))
        .await
        .unwrap();
    manager.start().unwrap();
    let mut out = std::io::stdout();
    for i in 0..n {
        let id = manager
            .trigger_event("burst", serde_json::json!({ "i": i }))
            .await
            .unwrap();
        writeln!(out, "accepted {id}").unwrap();
        out.flush().unwrap();
    }
    writeln!(out, "all accepted").unwrap();
    out.flush().unwrap();
    // Keep delivering until killed.
    tokio::time::sleep(Duration::from_secs(600)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_survives_sigkill_mid_burst() {
    let (seen, url) = counting_receiver().await;
    let dir = std::env::temp_dir().join(format!("sb-crash-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("crash.db");
    let n = 2000;
    let mut child = spawn_child(
        "sqlite-burst",
        &[
            ("SB_DB", db.display().to_string()),
            ("SB_URL", url.clone()),
            ("SB_N", n.to_string()),
        ],
    );
    // Read acceptances until the receiver has seen part of the burst, then SIGKILL.
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut accepted = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        while let Ok(line) = rx.try_recv() {
            if let Some(id) = line.strip_prefix("accepted ") {
                accepted.push(id.to_owned());
            }
        }
        let delivered = seen.lock().unwrap().len();
        if delivered >= 200 && accepted.len() >= 400 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "child made no progress"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    while let Ok(line) = rx.try_recv() {
        if let Some(id) = line.strip_prefix("accepted ") {
            accepted.push(id.to_owned());
        }
    }
    let seen_at_kill = seen.lock().unwrap().len();

    // A new process (this one) opens the same file. Its clock starts past the dead child's
    // leases, so its in-flight claims are reclaimed at once instead of after a real minute.
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&db, SqliteOptions::default()).unwrap());
    let clock = ManualClock::new(SystemTime::now() + Duration::from_secs(120));
    let manager = WebhookManager::builder(store.clone())
        .clock(Arc::new(clock))
        .net_policy(loopback())
        .config(DeliveryConfig {
            retention: None,
            ..DeliveryConfig::default()
        })
        .build()
        .unwrap();
    manager.start().unwrap();
    let stored = store
        .list_messages(&MessageQuery {
            limit: 100_000,
            ..Default::default()
        })
        .await
        .unwrap();
    // Every acceptance the child reported is durable.
    let stored_ids: std::collections::HashSet<String> =
        stored.iter().map(|m| m.id.to_string()).collect();
    for id in &accepted {
        assert!(stored_ids.contains(id), "accepted message {id} was lost");
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let open = store
            .list_deliveries(&DeliveryQuery {
                status: Some(DeliveryStatus::Pending),
                limit: 1,
                ..Default::default()
            })
            .await
            .unwrap()
            .len()
            + store
                .list_deliveries(&DeliveryQuery {
                    status: Some(DeliveryStatus::InFlight),
                    limit: 1,
                    ..Default::default()
                })
                .await
                .unwrap()
                .len();
        if open == 0 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "recovery did not finish"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    manager.shutdown(Duration::from_secs(5)).await;
    let seen = seen.lock().unwrap().clone();
    let missing: Vec<&String> = stored_ids
        .iter()
        .filter(|id| !seen.contains_key(*id))
        .collect();
    let duplicates: usize = seen.values().map(|n| n - 1).sum();
    println!(
        "crash test: child accepted {} of {n} before SIGKILL ({} stored), receiver had {} at the kill; \
         after recovery {} distinct, {} duplicate deliveries",
        accepted.len(),
        stored_ids.len(),
        seen_at_kill,
        seen.len(),
        duplicates
    );
    assert!(missing.is_empty(), "never delivered: {missing:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(feature = "postgres")]
async fn pg_worker_child() {
    use switchboard_webhooks::delivery::store::{PostgresOptions, PostgresStore};
    let url = std::env::var("SB_PG_URL").unwrap();
    let schema = std::env::var("SB_PG_SCHEMA").unwrap();
    let store = PostgresStore::connect(
        &url,
        PostgresOptions {
            schema: Some(schema),
            max_connections: 8,
        },
    )
    .await
    .unwrap();
    let manager = WebhookManager::builder(Arc::new(store))
        .net_policy(loopback())
        // Default 1 s poll: new work is announced by LISTEN/NOTIFY.
        .config(DeliveryConfig::default())
        .build()
        .unwrap();
    manager.start().unwrap();
    println!("worker ready");
    std::io::stdout().flush().unwrap();
    tokio::time::sleep(Duration::from_secs(600)).await;
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_share_one_postgres_queue() {
    use switchboard_webhooks::delivery::store::{PostgresOptions, PostgresStore};
    let Ok(url) = std::env::var("SWITCHBOARD_TEST_POSTGRES_URL") else {
        eprintln!(
            "skipping two_processes_share_one_postgres_queue: SWITCHBOARD_TEST_POSTGRES_URL is not set"
        );
        return;
    };
    let (seen, hook) = counting_receiver().await;
    let schema = format!(
        "sbtest_procs_{}_{}",
        std::process::id(),
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_millis()
    );
    let store = PostgresStore::connect(
        &url,
        PostgresOptions {
            schema: Some(schema.clone()),
            max_connections: 4,
        },
    )
    .await
    .unwrap();
    // This process only accepts events; the two children deliver.
    let producer = WebhookManager::builder(Arc::new(store.clone()))
        .net_policy(loopback())
        .build()
        .unwrap();
    producer
        .register(EndpointSpec::new("receiver", hook).max_in_flight(16))
        .await
        .unwrap();
    let n = 1000;
    let mut children: Vec<Child> = (0..2)
        .map(|_| {
            spawn_child(
                "pg-worker",
                &[("SB_PG_URL", url.clone()), ("SB_PG_SCHEMA", schema.clone())],
            )
        })
        .collect();
    for i in 0..n {
        producer
            .trigger_event("burst", serde_json::json!({ "i": i }))
            .await
            .unwrap();
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while seen.lock().unwrap().len() < n {
        assert!(std::time::Instant::now() < deadline, "not all delivered");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Let stragglers land, then count.
    tokio::time::sleep(Duration::from_millis(200)).await;
    for c in &mut children {
        c.kill().unwrap();
        c.wait().unwrap();
    }
    let seen = seen.lock().unwrap().clone();
    let duplicates: usize = seen.values().map(|n| n - 1).sum();
    println!(
        "postgres two-process test: {} distinct of {n}, {duplicates} duplicates",
        seen.len()
    );
    store.drop_schema().await.unwrap();
    assert_eq!(seen.len(), n);
    assert_eq!(duplicates, 0, "a clean run delivers each message once");
}
