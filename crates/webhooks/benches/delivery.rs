//! End-to-end delivery throughput: `trigger_event` to a 204 from a loopback receiver, on the
//! SQLite store (durable commits, `synchronous=FULL`) and on Postgres (the bench process
//! triggers; two worker processes — this binary started again with `SB_BENCH_PG_WORKER` —
//! deliver, as two gateway nodes would; set `SWITCHBOARD_TEST_POSTGRES_URL`). After the criterion
//! groups, a latency probe triggers at a steady 1,000/s and prints the p50/p99 time from
//! `trigger_event` returning to the request arriving at the receiver. Each store also reports
//! how fast the `trigger_event` calls alone returned and the CPU time per delivery of each thread
//! of this process (Linux). `SB_BENCH_ONLY=sqlite` or `SB_BENCH_ONLY=postgres` runs one of the
//! two; `SB_BENCH_SQLITE_SYNC=normal` runs SQLite without the per-commit fsync (a diagnostic);
//! `SB_BENCH_KEEP_SCHEMA=1` leaves the Postgres schema in place, to inspect the tables and plans
//! as the bench left them.
//! Beside SQLite, `delivery_core_alone` measures the bare primitive: `switchboard-core`'s client
//! POSTing the same bodies to the same receiver, which SQLite's rate is reported against; after
//! SQLite's latency probe, bursts of the two alternate (`SB_BENCH_PAIRS`, default 4) for a ratio
//! taken at the same speed of the machine.

#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::print_stderr)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use criterion::{Criterion, Throughput};
use switchboard_core::NetPolicy;
use switchboard_webhooks::delivery::store::Store;
use switchboard_webhooks::delivery::store::{SqliteOptions, SqliteStore, Synchronous};
use switchboard_webhooks::delivery::{DeliveryConfig, EndpointSpec, WebhookManager};
use tokio::runtime::Runtime;

/// Messages per measured iteration.
const BATCH: usize = 8000;
/// Concurrent `trigger_event` callers (a gateway serving many requests at once). With durable
/// commits each caller waits for an fsync, so throughput grows with concurrent callers.
const PRODUCERS: usize = 256;

/// Time until every `trigger_event` of a burst had returned, summed over bursts: shows whether
/// enqueueing (each caller waits for a durable commit) or delivering bounds a burst.
static ENQUEUE_NANOS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
static ENQUEUE_BURSTS: AtomicUsize = AtomicUsize::new(0);

/// CPU time (user + system, clock ticks) of each thread of this process, summed by name.
/// Linux only; empty elsewhere.
fn thread_cpu() -> HashMap<String, u64> {
    let mut out = HashMap::new();
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return out;
    };
    for task in tasks.flatten() {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        let stat = std::fs::read_to_string(task.path().join("stat")).unwrap_or_default();
        // Fields after the `(comm)`: state is field 3; utime and stime are 14 and 15.
        let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
            continue;
        };
        let f: Vec<&str> = rest.split_whitespace().collect();
        let ticks = f.get(11).and_then(|u| u.parse::<u64>().ok()).unwrap_or(0)
            + f.get(12).and_then(|s| s.parse::<u64>().ok()).unwrap_or(0);
        *out.entry(comm.trim().to_owned()).or_default() += ticks;
    }
    out
}

/// Prints CPU microseconds per delivery, by thread name, between two `thread_cpu` readings:
/// on a machine shared with other work, this is what the throughput would be bounded by.
fn report_cpu(name: &str, before: &HashMap<String, u64>, deliveries: usize) {
    if deliveries == 0 {
        return;
    }
    let after = thread_cpu();
    let mut parts = Vec::new();
    let mut total = 0.0;
    let mut names: Vec<_> = after.keys().collect();
    names.sort();
    for thread in names {
        let ticks = after[thread].saturating_sub(before.get(thread).copied().unwrap_or(0));
        // Clock ticks are 1/100 s on Linux.
        let us = ticks as f64 * 10_000.0 / deliveries as f64;
        total += us;
        parts.push(format!("{thread} {us:.0} µs"));
    }
    println!(
        "{name}: CPU per delivery {total:.0} µs ({}) over {deliveries} deliveries",
        parts.join(", ")
    );
}

/// Prints the mean enqueue-only rate of the bursts so far, and resets it.
fn report_enqueue(name: &str) {
    let nanos = ENQUEUE_NANOS.swap(0, Ordering::Relaxed);
    let bursts = ENQUEUE_BURSTS.swap(0, Ordering::Relaxed);
    if bursts > 0 && nanos > 0 {
        let per_sec = (bursts * BATCH) as f64 / (nanos as f64 / 1e9);
        println!(
            "{name}: all trigger_event calls returned at {per_sec:.0} /s (mean of {bursts} bursts)"
        );
    }
}

#[derive(Default)]
struct Receiver {
    count: AtomicUsize,
    arrivals: Mutex<HashMap<String, Instant>>,
    record: std::sync::atomic::AtomicBool,
}

async fn receiver() -> (Arc<Receiver>, String) {
    let rx = Arc::new(Receiver::default());
    let state = rx.clone();
    let app = Router::new().route(
        "/hook",
        post(move |headers: HeaderMap| {
            let state = state.clone();
            async move {
                if state.record.load(Ordering::Relaxed) {
                    let id = headers["webhook-id"].to_str().unwrap().to_owned();
                    state.arrivals.lock().unwrap().insert(id, Instant::now());
                }
                state.count.fetch_add(1, Ordering::Relaxed);
                StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (rx, format!("http://127.0.0.1:{port}/hook"))
}

fn config() -> DeliveryConfig {
    DeliveryConfig {
        max_in_flight: 256,
        claim_batch: 256,
        retention: None,
        ..DeliveryConfig::default()
    }
}

async fn manager(store: Arc<dyn Store>, poll: Duration) -> WebhookManager {
    WebhookManager::builder(store)
        .config(DeliveryConfig {
            poll_interval: poll,
            ..config()
        })
        .net_policy(NetPolicy::public_only().allow_cidr("127.0.0.1/32".parse().unwrap()))
        .build()
        .unwrap()
}

/// Triggers `n` events from `PRODUCERS` tasks and waits until the receiver has all of them.
async fn burst(producer: &WebhookManager, rx: &Receiver, n: usize) -> Duration {
    let target = rx.count.load(Ordering::Relaxed) + n;
    let start = Instant::now();
    let mut tasks = Vec::new();
    for p in 0..PRODUCERS {
        let m = producer.clone();
        tasks.push(tokio::spawn(async move {
            for i in (p..n).step_by(PRODUCERS) {
                m.trigger_event("bench.event", serde_json::json!({ "i": i }))
                    .await
                    .unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let enqueued = start.elapsed();
    ENQUEUE_NANOS.fetch_add(enqueued.as_nanos() as u64, Ordering::Relaxed);
    ENQUEUE_BURSTS.fetch_add(1, Ordering::Relaxed);
    while rx.count.load(Ordering::Relaxed) < target {
        tokio::time::sleep(Duration::from_micros(200)).await;
    }
    start.elapsed()
}

/// Steady 1,000 events/s for `secs` seconds; p50 and p99 from `trigger_event` returning to
/// arrival at the receiver.
async fn latency_probe(
    producer: &WebhookManager,
    rx: &Receiver,
    secs: u64,
) -> (Duration, Duration) {
    rx.record.store(true, Ordering::Relaxed);
    let mut returned: Vec<(String, Instant)> = Vec::new();
    let mut tick = tokio::time::interval(Duration::from_millis(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let (tx, mut done) = tokio::sync::mpsc::unbounded_channel();
    for i in 0..(secs * 1000) {
        tick.tick().await;
        let m = producer.clone();
        let tx = tx.clone();
        tokio::spawn(async move {
            let id = m
                .trigger_event("bench.latency", serde_json::json!({ "i": i }))
                .await
                .unwrap();
            let _ = tx.send((id.to_string(), Instant::now()));
        });
    }
    drop(tx);
    while let Some(r) = done.recv().await {
        returned.push(r);
    }
    loop {
        let arrived = rx.arrivals.lock().unwrap().len();
        if arrived >= returned.len() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    rx.record.store(false, Ordering::Relaxed);
    let arrivals = std::mem::take(&mut *rx.arrivals.lock().unwrap());
    let mut lat: Vec<Duration> = returned
        .iter()
        .map(|(id, at)| arrivals[id].saturating_duration_since(*at))
        .collect();
    lat.sort();
    let pick = |q: f64| lat[((lat.len() as f64 * q) as usize).min(lat.len() - 1)];
    (pick(0.50), pick(0.99))
}

/// The bare primitive the delivery rate is compared with: `switchboard-core`'s client alone
/// POSTing bodies of the same shape to the same receiver, with as many requests in flight as
/// the engine may have (256) and a client configured as the engine's (no retries, no
/// redirects, a pool of 256), but nothing stored, claimed or signed.
fn core_alone(c: &mut Criterion, rt: &Runtime) {
    let (rx, url) = rt.block_on(receiver());
    let client = core_client();
    let mut group = c.benchmark_group("delivery_core_alone");
    group.sample_size(10);
    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function("post_to_204", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    total += core_burst(&client, &url, &rx, BATCH).await;
                }
                total
            })
        });
    });
    group.finish();
}

/// The bare client: configured as the engine's (no retries, no redirects, a pool of 256).
fn core_client() -> switchboard_core::Client {
    switchboard_core::Client::builder()
        .retry(switchboard_core::RetryPolicy::none())
        .net_policy(NetPolicy::public_only().allow_cidr("127.0.0.1/32".parse().unwrap()))
        .pool_max_idle_per_host(256)
        .build()
        .unwrap()
}

/// POSTs `n` bodies shaped like the engine's from `PRODUCERS` tasks and waits until the
/// receiver has all of them.
async fn core_burst(
    client: &switchboard_core::Client,
    url: &str,
    rx: &Receiver,
    n: usize,
) -> Duration {
    let target = rx.count.load(Ordering::Relaxed) + n;
    let start = Instant::now();
    let mut tasks = Vec::new();
    for p in 0..PRODUCERS {
        let (client, url) = (client.clone(), url.to_owned());
        tasks.push(tokio::spawn(async move {
            for i in (p..n).step_by(PRODUCERS) {
                let body = serde_json::json!({
                    "type": "bench.event",
                    "timestamp": "2026-12-07T00:00:00Z",
                    "data": { "i": i },
                });
                let res = client.post(&url).json(&body).send().await.unwrap();
                assert_eq!(res.status(), StatusCode::NO_CONTENT);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    while rx.count.load(Ordering::Relaxed) < target {
        tokio::time::sleep(Duration::from_micros(200)).await;
    }
    start.elapsed()
}

/// Bursts of the bare client and of the SQLite store in turn, `SB_BENCH_PAIRS` times (default
/// 4), to the same receiver: this machine's speed moves by half from one minute to the next, so
/// the two criterion groups, measured one after the other, may each catch a different speed.
/// Prints each pair's ratio (SQLite's rate ÷ the client's) and that of all pairs together.
fn alternated(rt: &Runtime, producer: &WebhookManager, rx: &Receiver, url: &str) {
    let pairs = std::env::var("SB_BENCH_PAIRS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4_usize);
    let client = core_client();
    let (mut core_total, mut sqlite_total) = (Duration::ZERO, Duration::ZERO);
    let mut ratios = Vec::new();
    for _ in 0..pairs {
        let (core, sqlite) = rt.block_on(async {
            let core = core_burst(&client, url, rx, BATCH).await;
            (core, burst(producer, rx, BATCH).await)
        });
        core_total += core;
        sqlite_total += sqlite;
        ratios.push(format!("{:.2}×", core.as_secs_f64() / sqlite.as_secs_f64()));
    }
    // These bursts are not the criterion group's: the enqueue rate it reported stays its own.
    ENQUEUE_NANOS.store(0, Ordering::Relaxed);
    ENQUEUE_BURSTS.store(0, Ordering::Relaxed);
    if pairs > 0 {
        println!(
            "delivery_sqlite_full_sync ÷ core alone, bursts alternated: {} (all pairs: {:.2}×)",
            ratios.join(" "),
            core_total.as_secs_f64() / sqlite_total.as_secs_f64()
        );
    }
}

fn sqlite(c: &mut Criterion, rt: &Runtime) {
    let dir = std::env::temp_dir().join(format!("sb-delivery-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (rx, url, producer) = rt.block_on(async {
        let (rx, url) = receiver().await;
        // `SB_BENCH_SQLITE_SYNC=normal` (a diagnostic, not durable against power loss) shows
        // how much of a burst is the fsync of each commit.
        let mut options = SqliteOptions::default();
        if std::env::var("SB_BENCH_SQLITE_SYNC").as_deref() == Ok("normal") {
            options.synchronous = Synchronous::Normal;
        }
        let store = Arc::new(SqliteStore::open(dir.join("bench.db"), options).unwrap());
        let m = manager(store, Duration::from_secs(1)).await;
        m.register(EndpointSpec::new("sink", url.clone()).max_in_flight(256))
            .await
            .unwrap();
        m.start().unwrap();
        (rx, url, m)
    });
    let cpu = thread_cpu();
    let delivered = rx.count.load(Ordering::Relaxed);
    let mut group = c.benchmark_group("delivery_sqlite_full_sync");
    group.sample_size(10);
    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function("trigger_to_204", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    total += burst(&producer, &rx, BATCH).await;
                }
                total
            })
        });
    });
    group.finish();
    report_enqueue("delivery_sqlite_full_sync");
    report_cpu(
        "delivery_sqlite_full_sync",
        &cpu,
        rx.count.load(Ordering::Relaxed) - delivered,
    );
    let (p50, p99) = rt.block_on(latency_probe(&producer, &rx, 5));
    println!("delivery_sqlite_full_sync latency at 1000/s: p50 {p50:?}, p99 {p99:?}");
    alternated(rt, &producer, &rx, &url);
    rt.block_on(producer.shutdown(Duration::from_secs(5)));
    let _ = std::fs::remove_dir_all(&dir);
}

fn postgres(c: &mut Criterion, rt: &Runtime) {
    use switchboard_webhooks::delivery::store::{PostgresOptions, PostgresStore};
    let Ok(url) = std::env::var("SWITCHBOARD_TEST_POSTGRES_URL") else {
        eprintln!("skipping the Postgres delivery bench: SWITCHBOARD_TEST_POSTGRES_URL is not set");
        return;
    };
    let schema = format!("sbbench_{}", std::process::id());
    // Dispatcher poll interval on the two worker nodes (`SB_BENCH_PG_POLL_MS`, default 1,000).
    let poll = Duration::from_millis(
        std::env::var("SB_BENCH_PG_POLL_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1000),
    );
    let (rx, producer, workers, store) = rt.block_on(async {
        let (rx, hook) = receiver().await;
        let options = PostgresOptions {
            schema: Some(schema.clone()),
            max_connections: 24,
        };
        let store = PostgresStore::connect(&url, options.clone()).await.unwrap();
        let producer = manager(Arc::new(store.clone()), Duration::from_secs(1)).await;
        producer
            .register(EndpointSpec::new("sink", hook).max_in_flight(256))
            .await
            .unwrap();
        // Two worker processes, as two gateway nodes would run. They learn of the producer's
        // events through LISTEN/NOTIFY, and poll every `poll`.
        let workers: Vec<WorkerProcess> = (0..2)
            .map(|_| WorkerProcess::start(&schema, poll))
            .collect();
        (rx, producer, workers, store)
    });
    let cpu = thread_cpu();
    let delivered = rx.count.load(Ordering::Relaxed);
    let mut group = c.benchmark_group("delivery_postgres_two_workers");
    group.sample_size(10);
    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function("trigger_to_204", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    total += burst(&producer, &rx, BATCH).await;
                }
                total
            })
        });
    });
    group.finish();
    report_enqueue("delivery_postgres_two_workers");
    // The workers and Postgres run in other processes: this is the producer's share.
    report_cpu(
        "delivery_postgres_two_workers (producer process only)",
        &cpu,
        rx.count.load(Ordering::Relaxed) - delivered,
    );
    let (p50, p99) = rt.block_on(latency_probe(&producer, &rx, 5));
    println!("delivery_postgres_two_workers latency at 1000/s: p50 {p50:?}, p99 {p99:?}");
    for w in workers {
        w.stop();
    }
    drop(producer);
    if std::env::var("SB_BENCH_KEEP_SCHEMA").is_ok() {
        println!("kept schema {schema}");
        return;
    }
    rt.block_on(async { store.drop_schema().await.unwrap() });
}

/// A worker node: this bench binary started again with `SB_BENCH_PG_WORKER=<schema>`.
struct WorkerProcess(std::process::Child);

impl WorkerProcess {
    /// Starts a worker on `schema` and waits until its dispatcher runs.
    fn start(schema: &str, poll: Duration) -> Self {
        use std::io::BufRead;
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .env("SB_BENCH_PG_WORKER", schema)
            .env("SB_BENCH_PG_POLL_MS", poll.as_millis().to_string())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line.trim(), "ready", "worker did not start");
        Self(child)
    }

    /// Closes its stdin (it shuts down gracefully, releasing its leases) and waits.
    fn stop(mut self) {
        drop(self.0.stdin.take());
        let status = self.0.wait().unwrap();
        assert!(status.success(), "worker exited with {status}");
    }
}

/// The worker side: deliver from `schema` until stdin closes.
fn worker(schema: String) {
    use switchboard_webhooks::delivery::store::{PostgresOptions, PostgresStore};
    let url = std::env::var("SWITCHBOARD_TEST_POSTGRES_URL").unwrap();
    let poll = Duration::from_millis(
        std::env::var("SB_BENCH_PG_POLL_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1000),
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let options = PostgresOptions {
            schema: Some(schema),
            max_connections: 24,
        };
        let store = PostgresStore::connect(&url, options).await.unwrap();
        let m = manager(Arc::new(store), poll).await;
        m.start().unwrap();
        println!("ready");
        tokio::task::spawn_blocking(|| {
            let mut sink = Vec::new();
            let _ = std::io::Read::read_to_end(&mut std::io::stdin(), &mut sink);
        })
        .await
        .unwrap();
        m.shutdown(Duration::from_secs(5)).await;
    });
}

fn main() {
    if let Ok(schema) = std::env::var("SB_BENCH_PG_WORKER") {
        return worker(schema);
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(10))
        .configure_from_args();
    // `SB_BENCH_ONLY=sqlite` or `=postgres` runs one store.
    let only = std::env::var("SB_BENCH_ONLY").unwrap_or_default();
    if only != "postgres" {
        // In the same run as SQLite, which the goal compares with it.
        core_alone(&mut c, &rt);
        sqlite(&mut c, &rt);
    }
    if only != "sqlite" {
        postgres(&mut c, &rt);
    }
    c.final_summary();
}
