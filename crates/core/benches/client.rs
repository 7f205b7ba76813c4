//! Throughput of switchboard-core against bare hyper-util and reqwest, on a loopback keep-alive
//! HTTP/1.1 server: GET, and POST of a small JSON body.
#![allow(clippy::unwrap_used, clippy::print_stdout, missing_docs)]

use std::{
    convert::Infallible,
    future::Future,
    hint::black_box,
    net::SocketAddr,
    time::{Duration, Instant},
};

use bytes::Bytes;
use criterion::{Criterion, criterion_group};
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response, server::conn::http1, service::service_fn};
use hyper_util::{
    client::legacy::{Client as HyperClient, connect::HttpConnector},
    rt::{TokioExecutor, TokioIo},
};
use serde::Serialize;
use switchboard_core::Client;
use tokio::{net::TcpListener, runtime::Runtime};

#[derive(Serialize)]
struct Small {
    name: &'static str,
    count: u32,
    tags: [&'static str; 3],
}

const SMALL: Small = Small {
    name: "widget",
    count: 42,
    tags: ["a", "b", "c"],
};

/// Starts the server on its own runtime thread and returns its address.
fn start_server() -> SocketAddr {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                stream.set_nodelay(true).unwrap();
                tokio::spawn(async move {
                    let service = service_fn(|req: Request<hyper::body::Incoming>| async move {
                        let body = req.into_body().collect().await.unwrap().to_bytes();
                        let reply = if body.is_empty() {
                            Bytes::from_static(b"{\"ok\":true}")
                        } else {
                            Bytes::from(format!("{{\"received\":{}}}", body.len()))
                        };
                        Ok::<_, Infallible>(Response::new(Full::new(reply)))
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
    });
    rx.recv().unwrap()
}

struct Clients {
    core: Client,
    hyper: HyperClient<HttpConnector, Full<Bytes>>,
    reqwest: reqwest::Client,
    get: String,
    post: String,
}

impl Clients {
    fn new(addr: SocketAddr) -> Self {
        let mut http = HttpConnector::new();
        http.set_nodelay(true);
        Self {
            core: Client::builder().build().unwrap(),
            hyper: HyperClient::builder(TokioExecutor::new()).build(http),
            reqwest: reqwest::Client::builder().build().unwrap(),
            get: format!("http://{addr}/get"),
            post: format!("http://{addr}/post"),
        }
    }

    async fn core_get(&self) -> Bytes {
        self.core
            .get(&self.get)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
    }

    async fn core_post(&self) -> Bytes {
        self.core
            .post(&self.post)
            .json(&SMALL)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
    }

    async fn hyper_get(&self) -> Bytes {
        let req = Request::get(self.get.as_str())
            .header("user-agent", "bench")
            .body(Full::new(Bytes::new()))
            .unwrap();
        let res = self.hyper.request(req).await.unwrap();
        res.into_body().collect().await.unwrap().to_bytes()
    }

    async fn hyper_post(&self) -> Bytes {
        let body = serde_json::to_vec(&SMALL).unwrap();
        let req = Request::post(self.post.as_str())
            .header("user-agent", "bench")
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body)))
            .unwrap();
        let res = self.hyper.request(req).await.unwrap();
        res.into_body().collect().await.unwrap().to_bytes()
    }

    async fn reqwest_get(&self) -> Bytes {
        self.reqwest
            .get(&self.get)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
    }

    async fn reqwest_post(&self) -> Bytes {
        let body = serde_json::to_vec(&SMALL).unwrap();
        self.reqwest
            .post(&self.post)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
    }
}

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn bench(c: &mut Criterion) {
    let addr = start_server();
    let rt = runtime();
    let clients = rt.block_on(async { Clients::new(addr) });
    let cl = &clients;
    let mut group = c.benchmark_group("get");
    group.bench_function("switchboard-core", |b| {
        b.to_async(&rt)
            .iter(|| async { black_box(cl.core_get().await) })
    });
    group.bench_function("hyper-util", |b| {
        b.to_async(&rt)
            .iter(|| async { black_box(cl.hyper_get().await) })
    });
    group.bench_function("reqwest", |b| {
        b.to_async(&rt)
            .iter(|| async { black_box(cl.reqwest_get().await) })
    });
    group.finish();
    let mut group = c.benchmark_group("post_json");
    group.bench_function("switchboard-core", |b| {
        b.to_async(&rt)
            .iter(|| async { black_box(cl.core_post().await) })
    });
    group.bench_function("hyper-util", |b| {
        b.to_async(&rt)
            .iter(|| async { black_box(cl.hyper_post().await) })
    });
    group.bench_function("reqwest", |b| {
        b.to_async(&rt)
            .iter(|| async { black_box(cl.reqwest_post().await) })
    });
    group.finish();
}

/// CPU time this thread has used, from `/proc/thread-self/schedstat` (Linux), in nanoseconds.
fn thread_cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

/// Requests per second of `f` and client CPU nanoseconds per request, run back to back for
/// `window` after a short warm-up. The client runtime is single-threaded, so the thread's CPU
/// time is all the client's work (the server runs on another thread).
fn rate<F, Fut>(rt: &Runtime, window: Duration, f: F) -> (f64, Option<f64>)
where
    F: Fn() -> Fut,
    Fut: Future<Output = Bytes>,
{
    rt.block_on(async {
        for _ in 0..200 {
            black_box(f().await);
        }
        let cpu_start = thread_cpu_ns();
        let start = Instant::now();
        let mut n = 0u64;
        while start.elapsed() < window {
            for _ in 0..100 {
                black_box(f().await);
            }
            n += 100;
        }
        let wall = start.elapsed().as_secs_f64();
        let cpu = match (cpu_start, thread_cpu_ns()) {
            (Some(a), Some(b)) => Some((b - a) as f64 / n as f64),
            _ => None,
        };
        (n as f64 / wall, cpu)
    })
}

#[derive(Default, Clone, Copy)]
struct Best {
    rate: f64,
    cpu_ns: Option<f64>,
}

impl Best {
    fn add(&mut self, (rate, cpu): (f64, Option<f64>)) {
        self.rate = self.rate.max(rate);
        self.cpu_ns = match (self.cpu_ns, cpu) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }
}

fn ratio(theirs: Option<f64>, ours: Option<f64>) -> String {
    match (theirs, ours) {
        (Some(t), Some(o)) => format!("{:.2}x", t / o),
        _ => "n/a".to_owned(),
    }
}

fn micros(ns: Option<f64>) -> String {
    ns.map_or_else(|| "n/a".to_owned(), |ns| format!("{:.1} us", ns / 1000.0))
}

/// Prints requests/s, client CPU per request and the ratios. Rounds are interleaved so load
/// drift affects every client alike, and the best round of each client is kept: on a shared
/// machine the best round is the one least disturbed by other processes. The CPU ratio
/// (their CPU per request / ours) is the steadier figure on a loaded machine.
fn summary() {
    let addr = start_server();
    let rt = runtime();
    let cl = rt.block_on(async { Clients::new(addr) });
    let window = Duration::from_millis(
        std::env::var("SB_BENCH_WINDOW_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(600),
    );
    let rounds = 5;
    for (name, is_post) in [("GET", false), ("POST small JSON", true)] {
        let (mut core, mut hyper, mut req) = (Best::default(), Best::default(), Best::default());
        for _ in 0..rounds {
            if is_post {
                core.add(rate(&rt, window, || cl.core_post()));
                hyper.add(rate(&rt, window, || cl.hyper_post()));
                req.add(rate(&rt, window, || cl.reqwest_post()));
            } else {
                core.add(rate(&rt, window, || cl.core_get()));
                hyper.add(rate(&rt, window, || cl.hyper_get()));
                req.add(rate(&rt, window, || cl.reqwest_get()));
            }
        }
        println!(
            "{name}: requests/s switchboard-core {:.0}, hyper-util {:.0}, reqwest {:.0} \
             (core/hyper-util {:.2}x, core/reqwest {:.2}x)",
            core.rate,
            hyper.rate,
            req.rate,
            core.rate / hyper.rate,
            core.rate / req.rate
        );
        println!(
            "{name}: client CPU per request switchboard-core {}, hyper-util {}, reqwest {} \
             (efficiency vs hyper-util {}, vs reqwest {})",
            micros(core.cpu_ns),
            micros(hyper.cpu_ns),
            micros(req.cpu_ns),
            ratio(hyper.cpu_ns, core.cpu_ns),
            ratio(req.cpu_ns, core.cpu_ns)
        );
    }
}

criterion_group!(benches, bench);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    if std::env::args().any(|a| a == "--bench") {
        summary();
    }
}
