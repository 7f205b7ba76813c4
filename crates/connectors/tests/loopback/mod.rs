//! A scripted loopback HTTP server for connector tests: each request gets the next reply planned
//! for its path, and every request is recorded as it arrived (secrets redacted for snapshots).
#![allow(dead_code, unreachable_pub)]

use std::{
    collections::{BTreeMap, HashMap, VecDeque},
    future::Future,
    net::SocketAddr,
    pin::Pin,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, Method, StatusCode, Uri},
    response::{IntoResponse, Response},
};
use serde::Serialize;
use switchboard_core::{
    Client, ClientBuilder, NetPolicy, RetryPolicy,
    net::Cidr,
    retry::{Jitter, Sleeper},
};

/// One planned response.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn json(status: u16, body: serde_json::Value) -> Self {
        Self {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string(),
        }
    }

    pub fn into_status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }
}

/// A request as the server saw it; `headers` has secrets masked, `authorization` is the raw value.
#[derive(Debug, Clone, Serialize)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: BTreeMap<String, String>,
    pub body: serde_json::Value,
    #[serde(skip)]
    pub authorization: Option<String>,
    #[serde(skip)]
    pub raw_query: Option<String>,
    #[serde(skip)]
    pub raw_body: String,
}

#[derive(Default)]
struct Inner {
    plans: HashMap<String, VecDeque<Reply>>,
    seen: Vec<Seen>,
}

#[derive(Clone)]
pub struct Server {
    pub addr: SocketAddr,
    inner: Arc<Mutex<Inner>>,
}

/// Query parameters whose values are masked in snapshots.
const SECRET_QUERY: &[&str] = &["appid", "key", "token", "api_key"];
/// Headers, besides `authorization`, whose values are masked in snapshots.
const SECRET_HEADERS: &[&str] = &["x-subscription-token", "x-api-key"];

impl Server {
    pub async fn start() -> Self {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let app = Router::new().fallback(handle).with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self { addr, inner }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Plans replies for `path`, served in order.
    pub fn plan(&self, path: &str, replies: impl IntoIterator<Item = Reply>) {
        self.inner
            .lock()
            .unwrap()
            .plans
            .entry(path.to_owned())
            .or_default()
            .extend(replies);
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.inner.lock().unwrap().seen.clone()
    }
}

async fn handle(
    State(inner): State<Arc<Mutex<Inner>>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut shown = BTreeMap::new();
    let mut authorization = None;
    for (name, value) in &headers {
        let value = value.to_str().unwrap_or("<non-utf8>").to_owned();
        match name.as_str() {
            "host" => {}
            name if SECRET_HEADERS.contains(&name) => {
                shown.insert(name.to_owned(), "[redacted]".to_owned());
            }
            "authorization" => {
                let scheme = value.split(' ').next().unwrap_or("").to_owned();
                shown.insert(name.to_string(), format!("{scheme} [redacted]"));
                authorization = Some(value);
            }
            _ => {
                shown.insert(name.to_string(), value);
            }
        }
    }
    let query = uri.query().map(|q| {
        q.split('&')
            .map(|pair| match pair.split_once('=') {
                Some((k, _)) if SECRET_QUERY.contains(&k) => format!("{k}=[redacted]"),
                _ => pair.to_owned(),
            })
            .collect::<Vec<_>>()
            .join("&")
    });
    let raw_body = String::from_utf8_lossy(&body).into_owned();
    let json = if raw_body.is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::from_str(&raw_body).unwrap_or(serde_json::Value::String(raw_body.clone()))
    };
    let mut guard = inner.lock().unwrap();
    guard.seen.push(Seen {
        method: method.to_string(),
        path: uri.path().to_owned(),
        query,
        headers: shown,
        body: json,
        authorization,
        raw_query: uri.query().map(str::to_owned),
        raw_body,
    });
    let reply = guard
        .plans
        .get_mut(uri.path())
        .and_then(VecDeque::pop_front);
    drop(guard);
    match reply {
        Some(r) => {
            let mut res = (StatusCode::from_u16(r.status).unwrap(), r.body).into_response();
            for (k, v) in r.headers {
                res.headers_mut().append(
                    axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                    v.parse().unwrap(),
                );
            }
            res
        }
        None => (StatusCode::NOT_FOUND, "no reply planned").into_response(),
    }
}

/// A sleeper that records each requested delay and returns at once.
#[derive(Debug, Default, Clone)]
pub struct Recorder(Arc<Mutex<Vec<Duration>>>);

impl Recorder {
    pub fn delays(&self) -> Vec<Duration> {
        self.0.lock().unwrap().clone()
    }
}

impl Sleeper for Recorder {
    fn sleep(&self, delay: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        self.0.lock().unwrap().push(delay);
        Box::pin(async {})
    }
}

/// A core client builder for loopback tests: the SSRF guard on but 127.0.0.1 allowed,
/// deterministic backoff (100 ms, 200 ms, …) and a recording sleeper.
pub fn http(recorder: &Recorder) -> ClientBuilder {
    Client::builder()
        .net_policy(NetPolicy::public_only().allow_cidr("127.0.0.1/32".parse::<Cidr>().unwrap()))
        .retry(
            RetryPolicy::default()
                .max_attempts(3)
                .base(Duration::from_millis(100))
                .max_elapsed(Some(Duration::from_secs(300)))
                .jitter(Jitter::None),
        )
        .sleeper(Arc::new(recorder.clone()))
}

/// Seconds since the Unix epoch, for reset headers.
pub fn epoch_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A call made for Ada Lovelace (name and email known), under the token `owui`.
pub fn ada() -> switchboard_functions::Context {
    let mut user = switchboard_functions::User::new("u-42");
    user.name = Some("Ada Lovelace".into());
    user.email = Some("ada@example.com".into());
    switchboard_functions::Context::default()
        .with_token("owui")
        .with_user(user)
}
