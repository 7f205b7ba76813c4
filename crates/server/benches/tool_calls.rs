//! Tool calls per second over HTTP: `POST /tools/calculate` against the gateway's router on
//! 127.0.0.1, keep-alive connections, a fixed number of concurrent callers.
//!
//! `cargo bench -p switchboard-server --bench tool_calls` (set `SB_BENCH_SECS` and
//! `SB_BENCH_CONCURRENCY` to change the 5 s / 64 callers defaults). Prints calls/s and latency
//! percentiles. The load generator shares the machine's cores with the server.

#![allow(
    clippy::unwrap_used,
    clippy::print_stdout,
    reason = "a benchmark binary"
)]

use std::time::{Duration, Instant};

use switchboard_server::config::Settings;
use switchboard_server::http::{AppState, router};
use switchboard_server::tools::build_registry;
use tokio_util::sync::CancellationToken;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let secs = env_or("SB_BENCH_SECS", 5);
    let concurrency = env_or("SB_BENCH_CONCURRENCY", 64) as usize;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let settings = Settings::defaults().unwrap();
        let registry = build_registry(&settings).await.unwrap();
        let state = AppState::new(&settings, registry);
        let app = router(&settings, state, CancellationToken::new());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/tools/calculate", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(concurrency)
            .build()
            .unwrap();
        let body = r#"{"expression":"(1 + 2) * 3^2 / 7"}"#;
        // Warm up connections.
        for _ in 0..concurrency {
            client.post(&url).header("content-type", "application/json").body(body).send().await.unwrap();
        }
        let deadline = Instant::now() + Duration::from_secs(secs);
        let mut tasks = Vec::new();
        for _ in 0..concurrency {
            let client = client.clone();
            let url = url.clone();
            tasks.push(tokio::spawn(async move {
                let mut latencies = Vec::new();
                while Instant::now() < deadline {
                    let start = Instant::now();
                    let res = client
                        .post(&url)
                        .header("content-type", "application/json")
                        .body(body)
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(res.status(), 200);
                    res.bytes().await.unwrap();
                    latencies.push(start.elapsed());
                }
                latencies
            }));
        }
        let started = Instant::now();
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.unwrap());
        }
        let elapsed = started.elapsed().as_secs_f64();
        all.sort();
        let pct = |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)];
        println!(
            "tool_calls/calculate: {} calls in {elapsed:.2}s = {:.0} calls/s, concurrency {concurrency}, p50 {:?}, p99 {:?}, max {:?}",
            all.len(),
            all.len() as f64 / elapsed,
            pct(0.50),
            pct(0.99),
            all[all.len() - 1],
        );
    });
}
