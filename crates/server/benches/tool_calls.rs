//! Tool calls per second over HTTP, measured with `wrk -t1` against each server in turn, in one
//! run, so the ratios between them hold even on a busy machine.
//!
//! `SB_BENCH_SUITE=rest` (the default): `POST /tools/calculate` at 64 keep-alive connections on
//! - `bare-axum`: the anchor, an axum server that parses the JSON body and answers a fixed JSON
//!   value, on the same runtime and listener setup as the gateway;
//! - `gateway`: the gateway's router, served by [`serve_http`] exactly as `switchboard serve` does;
//! - `gateway-token` and `gateway-policy`: the same with Open WebUI's token naming a user, without
//!   and with policy rules and per-user limits (their ratio is what the policy costs);
//! - `gateway-audit`: `gateway-token` with the audit trail on, writing every call to a SQLite
//!   file (its ratio to `gateway-token` is what recording costs, the writer thread's batches
//!   included, whose CPU time is also reported on its own: the rest is the requests' own);
//! - `fastapi`: FastAPI + uvicorn (2 workers, uvloop, httptools) with a pydantic model and an
//!   exact `Fraction` evaluator (`benches/peers/fastapi_calculate.py`), when `SB_BENCH_PYTHON`
//!   names an interpreter that has it; otherwise the bench says it skipped it.
//!
//! `SB_BENCH_SUITE=mcp`: `tools/call calculate` on one initialized MCP session (protocol
//! 2025-06-18, streamable HTTP) at 16 keep-alive connections, against the gateway's `/mcp` and
//! the official Python SDK's `MCPServer` (`benches/peers/mcp_calculate.py`), plus the gateway's
//! `POST /tools/calculate` at the same concurrency for the MCP-over-REST ratio.
//!
//! Every server is started first; then each gets a turn of `SB_BENCH_SECS` (default 3) in the
//! same order, `SB_BENCH_ROUNDS` (default 3) times over, and its turns are summed ([`Bench::run`]).
//!
//! `cargo bench -p switchboard-server --bench tool_calls`; `SB_BENCH_CONNECTIONS` the connections, `SB_BENCH_SERVER` measures only
//! the servers it names, separated by commas (one, for a profiler). Needs `wrk` on the PATH. Prints
//! one `wrk <suite>/<server>: …` line per server, which `cargo xtask bench` turns into tables.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a benchmark binary"
)]

#[path = "support/peers.rs"]
mod peers;
#[path = "support/wrk.rs"]
mod wrk;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::routing::post;
use serde_json::{Value, json};
use switchboard_server::audit::{Audit, AuditStore, WRITER_THREAD};
use switchboard_server::config::Settings;
use switchboard_server::http::{AppState, router};
use switchboard_server::serve::{init_logging, serve_http};
use switchboard_server::tools::build_registry;
use tokio_util::sync::CancellationToken;

/// The gateway binary's allocator (`src/main.rs`), so the servers here run as `switchboard serve`
/// does (the bare axum server too: the same process).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const EXPRESSION: &str = "(17 + 3) * 2340 / 100";
const REST_BODY: &str = r#"{"expression": "(17 + 3) * 2340 / 100"}"#;
const MCP_CALL: &str = r#"{"jsonrpc":"2.0","id":{id},"method":"tools/call","params":{"name":"calculate","arguments":{"expression":"(17 + 3) * 2340 / 100"}}}"#;
const MCP_PROTOCOL: &str = "2025-06-18";

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The anchor: what any axum JSON endpoint costs, with nothing of the gateway.
fn bare_router() -> Router {
    async fn answer(Json(_args): Json<Value>) -> Json<Value> {
        Json(json!({"result": "468", "exact": true}))
    }
    Router::new().route("/tools/calculate", post(answer))
}

/// Serves `app` on a loopback port through the production listener setup.
async fn spawn_server(app: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serve_http(listener, app, std::future::pending()));
    addr
}

struct Bench {
    suite: &'static str,
    connections: usize,
    /// Length of each server's turn in a round.
    duration: Duration,
    /// How many times every server gets its turn, in the same order each round.
    rounds: u64,
    scratch: std::path::PathBuf,
    only: Option<String>,
    /// The servers to measure, in order, registered while they are started.
    targets: std::cell::RefCell<Vec<Target>>,
    /// The server whose audit trail the writer thread writes.
    audited: std::cell::Cell<Option<&'static str>>,
}

/// One server to load: where, with which headers, and whose CPU time counts.
struct Target {
    server: &'static str,
    url: String,
    headers: Vec<(&'static str, String)>,
    mcp: bool,
    /// The peer's process, or `None` for a server in the bench process.
    peer: Option<u32>,
}

/// A server's turns summed over the rounds.
#[derive(Default)]
struct Tally {
    requests: u64,
    seconds: f64,
    cpu_ticks: u64,
    /// Of `cpu_ticks`, the audit writer thread's.
    writer_ticks: u64,
    p50s: Vec<Duration>,
    p99: Duration,
    max: Duration,
    non_2xx: u64,
    socket_errors: u64,
    failed: Option<String>,
}

impl Bench {
    /// Whether `server` is measured (`SB_BENCH_SERVER` names one, to profile it, or several,
    /// separated by commas).
    fn wanted(&self, server: &str) -> bool {
        self.only
            .as_deref()
            .is_none_or(|only| only.split(',').any(|name| name == server))
    }

    /// Registers a server to measure (when it is wanted): the CPU time counted is the bench
    /// process's own (wrk is a separate process) when `peer` is `None`, else the peer's
    /// processes'. CPU time per request is robust where requests/s are not: other work on the
    /// machine takes cores away, but not CPU time per request.
    fn add(
        &self,
        server: &'static str,
        url: &str,
        headers: &[(&'static str, String)],
        mcp: bool,
        peer: Option<u32>,
    ) {
        if self.wanted(server) {
            self.targets.borrow_mut().push(Target {
                server,
                url: url.to_owned(),
                headers: headers.to_vec(),
                mcp,
                peer,
            });
        }
    }

    /// Loads every registered server in turn, [`Bench::rounds`] times over, and prints one line
    /// per server with its turns summed. Interleaving the turns spreads a change in the
    /// machine's speed (other tenants, frequency) over every server alike, so the ratios between
    /// servers hold where one long turn each would give whoever ran during a slow spell a bad
    /// number. p50 is the median of the turns' p50s, p99 and max the worst turn's.
    ///
    /// The audit writer's CPU time is the audited server's, whichever turn it falls in (its last
    /// batch is written after that server's turn has ended).
    fn run(&self) {
        let targets = self.targets.borrow();
        let mut tallies: Vec<Tally> = targets.iter().map(|_| Tally::default()).collect();
        let audited = targets
            .iter()
            .position(|t| Some(t.server) == self.audited.get());
        for _ in 0..self.rounds {
            for (i, target) in targets.iter().enumerate() {
                if tallies[i].failed.is_some() {
                    continue;
                }
                let writer = self.turn(target, &mut tallies[i]);
                if let Some(audited) = audited {
                    tallies[audited].cpu_ticks += writer;
                    tallies[audited].writer_ticks += writer;
                }
            }
        }
        for (target, mut tally) in targets.iter().zip(tallies) {
            let server = target.server;
            if let Some(e) = tally.failed {
                println!("wrk {}/{server}: failed ({e})", self.suite);
                continue;
            }
            tally.p50s.sort();
            let outcome = wrk::Outcome {
                requests: tally.requests,
                seconds: tally.seconds,
                p50: tally.p50s[tally.p50s.len() / 2],
                p99: tally.p99,
                max: tally.max,
                non_2xx: tally.non_2xx,
                socket_errors: tally.socket_errors,
            };
            let per_request = |ticks: u64| {
                let seconds = ticks as f64 / peers::TICKS_PER_SECOND;
                Duration::from_secs_f64(seconds / outcome.requests.max(1) as f64)
            };
            let writer = if tally.writer_ticks > 0 {
                format!(
                    ", of which audit writer thread {:?}",
                    per_request(tally.writer_ticks)
                )
            } else {
                String::new()
            };
            println!(
                "wrk {}/{server}: {outcome}, connections {}, rounds {}, server CPU per request {:?}{writer}",
                self.suite,
                self.connections,
                self.rounds,
                per_request(tally.cpu_ticks)
            );
        }
    }

    /// One turn of `target`, added to its tally but for the audit writer thread's CPU time,
    /// which it returns.
    fn turn(&self, target: &Target, tally: &mut Tally) -> u64 {
        let cpu = || match target.peer {
            None => peers::cpu_ticks(std::process::id(), false),
            Some(pid) => peers::cpu_ticks(pid, true),
        };
        let load = wrk::Load {
            url: &target.url,
            body: if target.mcp { MCP_CALL } else { REST_BODY },
            headers: &target.headers,
            unique_ids: target.mcp,
            connections: self.connections,
            duration: self.duration,
        };
        let writer = || peers::thread_cpu_ticks(WRITER_THREAD);
        let (before, writer_before) = (cpu(), writer());
        let result = wrk::run(&load, &self.scratch);
        let (cpu, writer) = (cpu() - before, writer().saturating_sub(writer_before));
        match result {
            Ok(outcome) => {
                // A peer's CPU time is its own processes'; this process's includes the writer's.
                tally.cpu_ticks += match target.peer {
                    None => cpu.saturating_sub(writer),
                    Some(_) => cpu,
                };
                tally.requests += outcome.requests;
                tally.seconds += outcome.seconds;
                tally.p50s.push(outcome.p50);
                tally.p99 = tally.p99.max(outcome.p99);
                tally.max = tally.max.max(outcome.max);
                tally.non_2xx += outcome.non_2xx;
                tally.socket_errors += outcome.socket_errors;
            }
            Err(e) => tally.failed = Some(e),
        }
        writer
    }

    fn skipped(&self, server: &str, why: &str) {
        println!("wrk {}/{server}: skipped ({why})", self.suite);
    }

    /// Starts the Python peer `script` for `server`, or says why it is skipped.
    fn start_peer(&self, server: &str, script: &str) -> Option<peers::Peer> {
        if !self.wanted(server) {
            return None;
        }
        let started = peers::python().and_then(|python| peers::start(&python, &[script]));
        started.map_err(|why| self.skipped(server, &why)).ok()
    }
}

/// Posts one request and checks the answer carries the expected value.
async fn check_answer(client: &reqwest::Client, url: &str, body: &str, headers: &[(&str, String)]) {
    let mut req = client
        .post(url)
        .header("content-type", "application/json")
        .body(body.replace("{id}", "0"));
    for (name, value) in headers {
        req = req.header(*name, value);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    let text = res.text().await.unwrap();
    assert!(
        status.is_success() && text.contains("468"),
        "{url} answered {status}: {text}"
    );
}

/// Opens an MCP session at `url` and returns the headers every call on it sends.
async fn mcp_session(client: &reqwest::Client, url: &str) -> Vec<(&'static str, String)> {
    let init = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": MCP_PROTOCOL, "capabilities": {},
        "clientInfo": {"name": "switchboard-bench", "version": "0"}}});
    let res = client
        .post(url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(init.to_string())
        .send()
        .await
        .unwrap();
    assert!(
        res.status().is_success(),
        "initialize at {url}: {}",
        res.status()
    );
    let session = res
        .headers()
        .get("mcp-session-id")
        .expect("the server opened a session")
        .to_str()
        .unwrap()
        .to_owned();
    res.text().await.unwrap();
    let headers = vec![
        ("Accept", "application/json, text/event-stream".to_owned()),
        ("Mcp-Session-Id", session),
        ("MCP-Protocol-Version", MCP_PROTOCOL.to_owned()),
    ];
    let mut req = client
        .post(url)
        .header("content-type", "application/json")
        .body(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#);
    for (name, value) in &headers {
        req = req.header(*name, value);
    }
    let res = req.send().await.unwrap();
    assert!(
        res.status().is_success(),
        "initialized at {url}: {}",
        res.status()
    );
    check_answer(client, url, MCP_CALL, &headers).await;
    headers
}

async fn gateway() -> SocketAddr {
    gateway_with(Settings::defaults().unwrap(), None).await
}

/// The gateway for `settings`, recording every call in the SQLite file `audit` when given.
async fn gateway_with(settings: Settings, audit: Option<&Path>) -> SocketAddr {
    // The same log subscriber as `switchboard serve` (info level, stderr): spans cost what they
    // cost in production.
    init_logging(&settings);
    let registry = build_registry(&settings).await.unwrap();
    let mut state = AppState::new(&settings, registry);
    if let Some(path) = audit {
        let store = AuditStore::sqlite(path).await.unwrap();
        let audit = Audit::start(
            store,
            state.registry.clone(),
            &settings.audit,
            state.metrics.clone(),
        )
        .unwrap();
        state = state.with_audit(Arc::new(audit));
    }
    spawn_server(router(&settings, state, CancellationToken::new())).await
}

const BENCH_TOKEN: &str = "bench-token-0123456789";

/// Open WebUI's token, naming its user with the plain headers: what every call pays for
/// identity before any rule.
const TOKEN_CONFIG: &str = r#"
[[tools.tokens]]
name = "owui"
token = "bench-token-0123456789"
assert_users = true
"#;

/// [`TOKEN_CONFIG`] with rules that all look at the call (a deny rule for every tool, an allow
/// rule for `calculate` by group) and per-user limits too high to refuse: the cost of the policy
/// and the per-user table on every call.
const POLICY_CONFIG: &str = r#"
[tools.groups]
analysts = ["u-0", "u-1", "u-2", "ada@example.com"]

[[tools.rules]]
name = "nothing-for-pending"
deny = ["*"]
roles = ["pending"]

[[tools.rules]]
name = "calculate-for-analysts"
allow = ["calculate"]
groups = ["analysts"]

[tools.user_limits]
rate_per_minute = 1000000000
max_concurrent = 100000
"#;

/// The headers Open WebUI sends for user `u-1` with its token.
fn user_headers() -> Vec<(&'static str, String)> {
    vec![
        ("Authorization", format!("Bearer {BENCH_TOKEN}")),
        ("X-OpenWebUI-User-Id", "u-1".to_owned()),
        ("X-OpenWebUI-User-Role", "user".to_owned()),
    ]
}

/// The gateway with a token and a user, without and then with rules and per-user limits, then
/// with the audit trail writing to the SQLite file `store`.
async fn identity_rows(bench: &Bench, client: &reqwest::Client, store: &Path) {
    let headers = user_headers();
    for (server, extra, audit) in [
        ("gateway-token", TOKEN_CONFIG.to_owned(), None),
        (
            "gateway-policy",
            format!("{TOKEN_CONFIG}{POLICY_CONFIG}"),
            None,
        ),
        ("gateway-audit", TOKEN_CONFIG.to_owned(), Some(store)),
    ] {
        if !bench.wanted(server) {
            continue;
        }
        let settings = Settings::parse(&extra, &|_| None).unwrap();
        let addr = gateway_with(settings, audit).await;
        let url = format!("http://{addr}/tools/calculate");
        check_answer(client, &url, REST_BODY, &headers).await;
        bench.add(server, &url, &headers, false, None);
        if audit.is_some() {
            bench.audited.set(Some(server));
        }
    }
}

async fn rest_suite(bench: &Bench, client: &reqwest::Client) {
    let bare = spawn_server(bare_router()).await;
    let gateway = gateway().await;
    let bare_url = format!("http://{bare}/tools/calculate");
    let gateway_url = format!("http://{gateway}/tools/calculate");
    check_answer(client, &bare_url, REST_BODY, &[]).await;
    check_answer(client, &gateway_url, REST_BODY, &[]).await;
    bench.add("bare-axum", &bare_url, &[], false, None);
    bench.add("gateway", &gateway_url, &[], false, None);
    let store = bench
        .scratch
        .join(format!("sb-bench-audit-{}.db", std::process::id()));
    identity_rows(bench, client, &store).await;
    // Kept running until every round is done.
    let peer = bench.start_peer("fastapi", "fastapi_calculate.py");
    if let Some(peer) = &peer {
        let url = format!("http://127.0.0.1:{}/tools/calculate", peer.port);
        check_answer(client, &url, REST_BODY, &[]).await;
        bench.add("fastapi", &url, &[], false, Some(peer.pid()));
    }
    bench.run();
    drop(peer);
    for suffix in ["", "-wal", "-shm"] {
        let mut name = store.clone().into_os_string();
        name.push(suffix);
        let _ = std::fs::remove_file(name);
    }
}

async fn mcp_suite(bench: &Bench, client: &reqwest::Client) {
    let gateway = gateway().await;
    let rest_url = format!("http://{gateway}/tools/calculate");
    check_answer(client, &rest_url, REST_BODY, &[]).await;
    bench.add("gateway-rest", &rest_url, &[], false, None);
    let mcp_url = format!("http://{gateway}/mcp");
    let headers = mcp_session(client, &mcp_url).await;
    bench.add("gateway-mcp", &mcp_url, &headers, true, None);
    // Kept running until every round is done.
    let peer = bench.start_peer("python-mcp", "mcp_calculate.py");
    if let Some(peer) = &peer {
        let url = format!("http://127.0.0.1:{}/mcp", peer.port);
        let headers = mcp_session(client, &url).await;
        bench.add("python-mcp", &url, &headers, true, Some(peer.pid()));
    }
    bench.run();
    drop(peer);
}

fn main() {
    if !wrk::available() {
        eprintln!("tool_calls: needs `wrk` on the PATH (Debian: apt-get install wrk)");
        std::process::exit(1);
    }
    let suite = match std::env::var("SB_BENCH_SUITE").as_deref() {
        Ok("mcp") => "mcp",
        Ok("rest") | Err(_) => "rest",
        Ok(other) => {
            eprintln!("tool_calls: SB_BENCH_SUITE must be `rest` or `mcp`, not `{other}`");
            std::process::exit(1);
        }
    };
    let default_connections = if suite == "mcp" { 16 } else { 64 };
    let bench = Bench {
        suite,
        connections: env_or("SB_BENCH_CONNECTIONS", default_connections) as usize,
        duration: Duration::from_secs(env_or("SB_BENCH_SECS", 3)),
        rounds: env_or("SB_BENCH_ROUNDS", 3).max(1),
        scratch: std::env::temp_dir(),
        only: std::env::var("SB_BENCH_SERVER").ok(),
        targets: std::cell::RefCell::new(Vec::new()),
        audited: std::cell::Cell::new(None),
    };
    println!("calculate expression: {EXPRESSION}");
    // The runtime `switchboard serve` builds (cli.rs): multi-threaded, one worker per core.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let client = reqwest::Client::new();
        if suite == "mcp" {
            mcp_suite(&bench, &client).await;
        } else {
            rest_suite(&bench, &client).await;
        }
    });
    // The servers' tasks end with the runtime.
    rt.shutdown_timeout(Duration::from_millis(100));
}
