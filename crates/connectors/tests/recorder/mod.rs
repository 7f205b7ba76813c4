//! A loopback HTTP double: records every request and answers from a script.
#![allow(dead_code, unreachable_pub, missing_docs, clippy::unwrap_used)]

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::IntoResponse;
use serde::Serialize;
use switchboard_core::{Client, NetPolicy, RetryPolicy, net::Cidr};

/// One scripted answer.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
}

impl Reply {
    pub fn new(status: u16, body: impl Into<String>) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: body.into(),
        }
    }
    pub fn json(status: u16, body: serde_json::Value) -> Self {
        Self::new(status, body.to_string()).header("content-type", "application/json")
    }
    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}

/// A request as the double saw it; secrets in headers are masked for snapshots.
#[derive(Debug, Clone, Serialize)]
pub struct Seen {
    pub method: String,
    pub uri: String,
    pub headers: BTreeMap<String, String>,
    pub body: serde_json::Value,
    /// The unmasked values of the secret headers, for asserting what was sent.
    #[serde(skip)]
    pub secrets: BTreeMap<String, String>,
}

#[derive(Clone, Default)]
struct State {
    replies: Arc<Mutex<VecDeque<Reply>>>,
    last: Arc<Mutex<Option<Reply>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

pub struct Recorder {
    pub base: String,
    state: State,
}

const KEPT: &[&str] = &[
    "accept",
    "authorization",
    "content-type",
    "x-subscription-token",
];
const SECRET: &[&str] = &["authorization", "x-subscription-token"];

impl Recorder {
    pub async fn start(replies: Vec<Reply>) -> Self {
        let state = State {
            replies: Arc::new(Mutex::new(replies.into())),
            ..State::default()
        };
        let s2 = state.clone();
        let app = axum::Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let state = s2.clone();
                async move {
                    let mut kept = BTreeMap::new();
                    let mut secrets = BTreeMap::new();
                    for name in KEPT {
                        if let Some(v) = headers.get(*name) {
                            let v = v.to_str().unwrap().to_owned();
                            if SECRET.contains(name) {
                                secrets.insert((*name).to_owned(), v.clone());
                            }
                            let v = if SECRET.contains(name) { mask(&v) } else { v };
                            kept.insert((*name).to_owned(), v);
                        }
                    }
                    let text = String::from_utf8(body.to_vec()).unwrap();
                    let body =
                        serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
                    state.seen.lock().unwrap().push(Seen {
                        method: method.to_string(),
                        uri: uri.to_string(),
                        headers: kept,
                        body,
                        secrets,
                    });
                    let reply = {
                        let mut q = state.replies.lock().unwrap();
                        match q.pop_front() {
                            Some(r) => {
                                *state.last.lock().unwrap() = Some(r.clone());
                                r
                            }
                            None => state
                                .last
                                .lock()
                                .unwrap()
                                .clone()
                                .unwrap_or(Reply::new(200, "")),
                        }
                    };
                    let mut res =
                        (StatusCode::from_u16(reply.status).unwrap(), reply.body).into_response();
                    for (k, v) in reply.headers {
                        res.headers_mut().insert(k, v.parse().unwrap());
                    }
                    res
                }
            },
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self {
            base: format!("http://{addr}"),
            state,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.state.seen.lock().unwrap().clone()
    }
}

/// Keeps the scheme word of an Authorization value and masks the credential.
fn mask(v: &str) -> String {
    match v.split_once(' ') {
        Some((scheme, _)) => format!("{scheme} [secret]"),
        None => "[secret]".to_owned(),
    }
}

/// A client that may reach 127.0.0.1 only, without retry jitter and with short waits.
pub fn client() -> Client {
    http().build().unwrap()
}

/// The settings of [`client`], for a connector builder that owns its client.
pub fn http() -> switchboard_core::ClientBuilder {
    Client::builder()
        .net_policy(NetPolicy::public_only().allow_cidr("127.0.0.1/32".parse::<Cidr>().unwrap()))
        .retry(
            RetryPolicy::default()
                .max_attempts(2)
                .base(std::time::Duration::from_millis(1))
                .max_server_delay(std::time::Duration::from_secs(1))
                .jitter(switchboard_core::retry::Jitter::None),
        )
}
