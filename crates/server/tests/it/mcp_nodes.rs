//! Several gateways behind one address: two `switchboard` processes sharing one Postgres store,
//! behind a round-robin proxy written here, serve the official MCP clients (the peer scripts of
//! `mcp_peers`) in every protocol mode. With `[mcp] sessions = "stateless"` nothing ties a
//! client to the node that answered its `initialize`, so the proxy needs no stickiness.
//!
//! The proxy sends every HTTP request to the next node in turn: it rewrites each request to
//! `Connection: close`, so a connection carries exactly one request and a client's next request
//! (on a new connection) goes to the other node. Bytes are copied as they come, so SSE responses
//! stream, and a client closing its request closes the node's side too (the cancellation of a
//! stateless call).
//!
//! Env-gated on `SWITCHBOARD_TEST_POSTGRES_URL` (each run gets its own schema, dropped at the end)
//! and on the peer SDKs like `mcp_peers`.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use switchboard::webhooks::delivery::store::{PostgresOptions, PostgresStore};
use switchboard_server::config::McpSessions;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::mcp::{InProcess, STATELESS};
use crate::mcp_peers::{
    PYTHON_2024_11_05, PYTHON_2025_03_26, PYTHON_2025_06_18, PYTHON_DEFAULT, PYTHON_LEGACY, Peer,
    TYPESCRIPT_DEFAULT, assert_cancel_report, assert_tools_report, gateway, run,
};
use crate::server::{Server, client};

/// A loopback reverse proxy sending each HTTP request to the next upstream in turn.
struct Proxy {
    url: String,
    /// The request line of every request, per upstream.
    served: Arc<Mutex<Vec<Vec<String>>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    async fn start(upstreams: Vec<SocketAddr>) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/mcp", listener.local_addr().unwrap());
        let served = Arc::new(Mutex::new(vec![Vec::new(); upstreams.len()]));
        let log = served.clone();
        let task = tokio::spawn(async move {
            for turn in 0.. {
                let Ok((client, _)) = listener.accept().await else {
                    return;
                };
                let node = turn % upstreams.len();
                tokio::spawn(forward(client, upstreams[node], node, log.clone()));
            }
        });
        Proxy { url, served, task }
    }

    /// The `/mcp` request lines node `node` served.
    fn mcp_requests(&self, node: usize) -> Vec<String> {
        let served = self.served.lock().unwrap();
        served[node]
            .iter()
            .filter(|l| l.contains(" /mcp "))
            .cloned()
            .collect()
    }

    /// Asserts every node served MCP requests (the client really was spread over them).
    fn assert_both_nodes_served_mcp(&self) {
        let served = self.served.lock().unwrap().clone();
        for node in 0..served.len() {
            assert!(
                !self.mcp_requests(node).is_empty(),
                "node {node} served no MCP request: {served:#?}"
            );
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Forwards the one request on `client` to `upstream` and the response back.
async fn forward(
    mut client: TcpStream,
    upstream: SocketAddr,
    node: usize,
    served: Arc<Mutex<Vec<Vec<String>>>>,
) {
    let mut buf = Vec::new();
    let end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let mut chunk = [0u8; 4096];
        match client.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
    let request_line = head.lines().next().unwrap_or_default().to_owned();
    served.lock().unwrap()[node].push(request_line);
    let Ok(mut up) = TcpStream::connect(upstream).await else {
        return;
    };
    let rest = buf[end..].to_vec();
    if up
        .write_all(one_request_only(&head).as_bytes())
        .await
        .is_err()
        || up.write_all(&rest).await.is_err()
    {
        return;
    }
    let _ = tokio::io::copy_bidirectional(&mut client, &mut up).await;
}

/// `head` (request line and headers, up to the blank line) with its connection headers replaced
/// by `Connection: close`. The Host header is kept as the client sent it.
fn one_request_only(head: &str) -> String {
    let mut out = String::new();
    for line in head.split("\r\n").filter(|l| !l.is_empty()) {
        let name = line
            .split(':')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        if name != "connection" && name != "keep-alive" {
            out.push_str(line);
            out.push_str("\r\n");
        }
    }
    out.push_str("Connection: close\r\n\r\n");
    out
}

fn socket(base: &str) -> SocketAddr {
    base.trim_start_matches("http://")
        .trim_end_matches("/mcp")
        .parse()
        .unwrap()
}

/// A Postgres schema of its own for one test, dropped when the test ends (when it passes).
pub(crate) struct Schema {
    store: Option<PostgresStore>,
    /// The store URL the nodes use: the test's URL with the schema as `search_path`.
    pub(crate) node_url: String,
}

impl Schema {
    pub(crate) async fn create(url: &str, test: &str) -> Schema {
        let millis = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_millis();
        let name = format!("sbtest_mcp_{test}_{}_{millis}", std::process::id());
        let options = PostgresOptions {
            schema: Some(name.clone()),
            max_connections: 1,
        };
        // Creates the schema and its tables, so both nodes start on a migrated store.
        let store = PostgresStore::connect(url, options).await.unwrap();
        let sep = if url.contains('?') { '&' } else { '?' };
        Schema {
            store: Some(store),
            node_url: format!("{url}{sep}options=-c%20search_path%3D{name}"),
        }
    }

    pub(crate) async fn drop_schema(mut self) {
        if let Some(store) = self.store.take() {
            store.drop_schema().await.unwrap();
        }
    }
}

/// The Postgres URL of the test database, or `None` (with the skip printed) when unset.
pub(crate) fn postgres_url(test: &str) -> Option<String> {
    let url = std::env::var("SWITCHBOARD_TEST_POSTGRES_URL").ok();
    if url.is_none() {
        #[allow(clippy::print_stderr, reason = "the skip reason is the test's output")]
        {
            eprintln!("skipping {test}: SWITCHBOARD_TEST_POSTGRES_URL is not set");
        }
    }
    url
}

const ADMIN_KEY: &str = "admin-key-mcp-nodes-0123456789";

/// Two stateless gateway processes on `schema`, with the peer tools and a known admin key.
fn two_nodes(schema: &Schema) -> [Server; 2] {
    let config = format!(
        "\n[store]\npostgres = \"{}\"\n\n[admin]\nkey = \"{ADMIN_KEY}\"\n\n{STATELESS}",
        schema.node_url
    );
    [gateway(&config), gateway(&config)]
}

/// The premise of the tests below: an endpoint registered through one node's admin API is
/// listed by the other.
#[tokio::test(flavor = "multi_thread")]
async fn two_nodes_share_the_postgres_store() {
    let test = "two_nodes_share_the_postgres_store";
    let Some(url) = postgres_url(test) else {
        return;
    };
    let schema = Schema::create(&url, "shared").await;
    let [a, b] = two_nodes(&schema);
    let res = client()
        .post(a.url("/admin/endpoints"))
        .bearer_auth(ADMIN_KEY)
        .json(&serde_json::json!({"name": "seen-by-both", "url": "https://example.com/hook"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "{:?}", res.text().await);
    let listed: serde_json::Value = client()
        .get(b.url("/admin/endpoints"))
        .bearer_auth(ADMIN_KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["data"][0]["name"], "seen-by-both", "{listed:#}");
    drop((a, b));
    schema.drop_schema().await;
}

/// `peer` runs the `tools` scenario against two gateway processes sharing one Postgres store
/// behind the round-robin proxy.
async fn two_nodes_serve(peer: &Peer, test: &str) {
    let Some(url) = postgres_url(test) else {
        return;
    };
    let schema = Schema::create(&url, test).await;
    let nodes = two_nodes(&schema);
    let proxy = Proxy::start(nodes.iter().map(|n| socket(&n.base)).collect()).await;
    let target = proxy.url.clone();
    let peer = *peer;
    let report = tokio::task::spawn_blocking(move || run(&peer, &target, "tools"))
        .await
        .unwrap();
    if let Some(report) = report {
        assert_tools_report(&report, &nodes[0]).await;
        proxy.assert_both_nodes_served_mcp();
    }
    drop(nodes);
    schema.drop_schema().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn two_nodes_serve_the_python_sdk_default_mode_over_2026_07_28() {
    two_nodes_serve(&PYTHON_DEFAULT, "py_default").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn two_nodes_serve_the_python_sdk_legacy_mode_over_2025_11_25() {
    two_nodes_serve(&PYTHON_LEGACY, "py_legacy").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn two_nodes_serve_the_python_sdk_over_2025_06_18() {
    two_nodes_serve(&PYTHON_2025_06_18, "py_20250618").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn two_nodes_serve_the_python_sdk_over_2025_03_26() {
    two_nodes_serve(&PYTHON_2025_03_26, "py_20250326").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn two_nodes_serve_the_python_sdk_over_2024_11_05() {
    two_nodes_serve(&PYTHON_2024_11_05, "py_20241105").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn two_nodes_serve_the_typescript_sdk_over_2025_11_25() {
    two_nodes_serve(&TYPESCRIPT_DEFAULT, "ts").await;
}

/// `peer` runs the `cancel` scenario against two stateless gateways (in process: the
/// `wait_for_cancel` tool is the test's) behind the proxy: progress reaches the client through
/// the proxy, and its cancel stops the call on whichever node runs it. The script polls
/// `stopped_calls` until it counts the call; its polls alternate between the nodes, so the one
/// that ran the call is asked.
async fn two_nodes_cancel_for(peer: &Peer) {
    let nodes = [
        InProcess::start(McpSessions::Stateless).await,
        InProcess::start(McpSessions::Stateless).await,
    ];
    let proxy = Proxy::start(nodes.iter().map(|n| socket(&n.url)).collect()).await;
    let target = proxy.url.clone();
    let peer = *peer;
    let Some(report) = tokio::task::spawn_blocking(move || run(&peer, &target, "cancel"))
        .await
        .unwrap()
    else {
        return;
    };
    assert_cancel_report(&report);
    proxy.assert_both_nodes_served_mcp();
    let calls: Vec<_> = nodes.iter().map(|n| *n.calls.borrow()).collect();
    let stopped: usize = calls.iter().map(|c| c.stopped).sum();
    let running: usize = calls.iter().map(|c| c.running).sum();
    assert_eq!((running, stopped), (0, 1), "{calls:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn two_nodes_let_the_python_sdk_default_mode_cancel_with_progress() {
    two_nodes_cancel_for(&PYTHON_DEFAULT).await;
}

// The session-based clients (Python legacy mode, TypeScript) cancel with a
// `notifications/cancelled` POST and keep reading the call's response, which a stateless gateway
// can't connect to the call: their cancelled calls run until the tool finishes or times out.
// docs/gateway.md ("Several gateways") says so; the `tools` tests above show they are served.
