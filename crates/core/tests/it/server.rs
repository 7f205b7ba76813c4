//! A scripted loopback HTTP/1.1 server: each request to a path gets the next planned reply, and
//! every request is recorded as it arrived on the wire.

use std::{
    collections::{BTreeMap, HashMap, VecDeque},
    convert::Infallible,
    future::Future,
    net::SocketAddr,
    pin::Pin,
    sync::{Arc, Mutex},
    task::{Context, Poll},
    time::Duration,
};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, combinators::BoxBody};
use hyper::{Request, Response, StatusCode, body::Frame, server::conn::http1, service::service_fn};
use hyper_util::rt::TokioIo;
use serde::Serialize;
use tokio::{net::TcpListener, time::Sleep};

/// What the server does with one request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// A response with a status, headers and body.
    Status(u16, Vec<(&'static str, String)>, String),
    /// Drop the connection without answering.
    Reset,
    /// Wait before sending the response headers.
    SlowHeaders(Duration),
    /// Send the headers, then the body one chunk after `delay`.
    SlowBody(Duration),
    /// A body of `n` bytes with a Content-Length.
    Huge(usize),
    /// A body of `n` bytes in 1 KiB chunks without a Content-Length.
    HugeChunked(usize),
}

impl Reply {
    pub fn ok(body: &str) -> Self {
        Self::Status(200, vec![], body.to_owned())
    }

    pub fn status(code: u16) -> Self {
        Self::Status(code, vec![], format!("status {code}"))
    }

    pub fn with_header(code: u16, name: &'static str, value: &str) -> Self {
        Self::Status(code, vec![(name, value.to_owned())], String::new())
    }
}

/// A request as the server saw it.
#[derive(Debug, Clone, Serialize)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: BTreeMap<String, String>,
    pub body: String,
}

#[derive(Default)]
struct State {
    plans: HashMap<String, VecDeque<Reply>>,
    seen: Vec<Seen>,
}

/// The server handle; it runs until the test's runtime ends.
#[derive(Clone)]
pub struct TestServer {
    pub addr: SocketAddr,
    state: Arc<Mutex<State>>,
}

impl TestServer {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(State::default()));
        let server = Self {
            addr,
            state: Arc::clone(&state),
        };
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let state = Arc::clone(&state);
                tokio::spawn(async move {
                    let service = service_fn(move |req| handle(Arc::clone(&state), req));
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        server
    }

    /// Plans the replies for `path`; once they run out, the path answers 200 "ok".
    pub fn plan(&self, path: &str, replies: impl IntoIterator<Item = Reply>) {
        self.state
            .lock()
            .unwrap()
            .plans
            .insert(path.to_owned(), replies.into_iter().collect());
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.state.lock().unwrap().seen.clone()
    }

    pub fn hits(&self, path: &str) -> usize {
        self.seen().iter().filter(|s| s.path == path).count()
    }
}

type Body = BoxBody<Bytes, Infallible>;

fn full(s: impl Into<Bytes>) -> Body {
    Full::new(s.into()).boxed()
}

async fn handle(
    state: Arc<Mutex<State>>,
    req: Request<hyper::body::Incoming>,
) -> Result<Response<Body>, std::io::Error> {
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let path = parts.uri.path().to_owned();
    let reply = {
        let mut st = state.lock().unwrap();
        st.seen.push(Seen {
            method: parts.method.to_string(),
            path: path.clone(),
            query: parts.uri.query().map(str::to_owned),
            headers: parts
                .headers
                .iter()
                .map(|(k, v)| {
                    (
                        k.to_string(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            body: String::from_utf8_lossy(&body).into_owned(),
        });
        st.plans.get_mut(&path).and_then(VecDeque::pop_front)
    };
    let reply = reply.unwrap_or_else(|| Reply::ok("ok"));
    let response = match reply {
        Reply::Status(code, headers, body) => {
            let mut res = Response::new(full(body));
            *res.status_mut() = StatusCode::from_u16(code).unwrap();
            for (k, v) in headers {
                res.headers_mut().append(k, v.parse().unwrap());
            }
            res
        }
        Reply::Reset => {
            return Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "planned reset",
            ));
        }
        Reply::SlowHeaders(d) => {
            tokio::time::sleep(d).await;
            Response::new(full("late"))
        }
        Reply::SlowBody(d) => Response::new(
            Chunks {
                chunks: VecDeque::from([Bytes::from_static(b"late")]),
                delay: Some(d),
                sleep: None,
            }
            .boxed(),
        ),
        Reply::Huge(n) => Response::new(full(vec![b'x'; n])),
        Reply::HugeChunked(n) => Response::new(
            Chunks {
                chunks: (0..n.div_ceil(1024))
                    .map(|_| Bytes::from(vec![b'x'; 1024]))
                    .collect(),
                delay: None,
                sleep: None,
            }
            .boxed(),
        ),
    };
    Ok(response)
}

/// A streamed body with no length, optionally waiting before each chunk.
struct Chunks {
    chunks: VecDeque<Bytes>,
    delay: Option<Duration>,
    sleep: Option<Pin<Box<Sleep>>>,
}

impl hyper::body::Body for Chunks {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if let Some(delay) = self.delay {
            let sleep = self
                .sleep
                .get_or_insert_with(|| Box::pin(tokio::time::sleep(delay)));
            if sleep.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            self.sleep = None;
        }
        Poll::Ready(self.chunks.pop_front().map(|c| Ok(Frame::data(c))))
    }
}
