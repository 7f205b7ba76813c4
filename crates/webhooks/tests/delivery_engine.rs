//! The delivery engine against real receivers on 127.0.0.1, with a manual clock: every retry
//! schedule is walked by moving the clock, never by waiting.

#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use switchboard_core::NetPolicy;
use switchboard_webhooks::delivery::store::{MemoryStore, Store};
use switchboard_webhooks::delivery::{
    AttemptErrorKind, AttemptQuery, AttemptReport, DeliveryConfig, DeliveryOutcome, DeliveryQuery,
    DeliveryStatus, DisabledReason, EndpointSpec, HandlerOutcome, ManagerError, ManualClock,
    MessageId, QueueDepth, RetrySchedule, WebhookManager,
};
use switchboard_webhooks::sign::{StandardVerifier, Verifier, WebhookSecret};

// ---------- receivers ----------

#[derive(Clone, Debug)]
enum Reply {
    Status(u16, Vec<(&'static str, String)>),
    Hang,
}

#[derive(Default)]
struct Receiver {
    script: Mutex<VecDeque<Reply>>,
    seen: Mutex<Vec<(HeaderMap, Bytes)>>,
}

impl Receiver {
    fn seen(&self) -> Vec<(HeaderMap, Bytes)> {
        self.seen.lock().unwrap().clone()
    }
}

async fn hook(State(rx): State<Arc<Receiver>>, headers: HeaderMap, body: Bytes) -> Response {
    rx.seen.lock().unwrap().push((headers, body));
    let reply = rx
        .script
        .lock()
        .unwrap()
        .pop_front()
        .unwrap_or(Reply::Status(204, vec![]));
    match reply {
        Reply::Status(code, headers) => {
            let mut res = (
                StatusCode::from_u16(code).unwrap(),
                format!("answer {code}"),
            )
                .into_response();
            for (k, v) in headers {
                res.headers_mut().insert(k, v.parse().unwrap());
            }
            res
        }
        Reply::Hang => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            StatusCode::OK.into_response()
        }
    }
}

async fn receiver(script: Vec<Reply>) -> (Arc<Receiver>, String) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    receiver_on(listener, script)
}

/// A [`receiver`] on a listener the test chose (a port it closed earlier, say).
fn receiver_on(listener: tokio::net::TcpListener, script: Vec<Reply>) -> (Arc<Receiver>, String) {
    let rx = Arc::new(Receiver {
        script: Mutex::new(script.into()),
        seen: Mutex::default(),
    });
    let app = Router::new()
        .route("/hook", post(hook))
        .with_state(rx.clone());
    let addr: SocketAddr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (rx, format!("http://127.0.0.1:{}/hook", addr.port()))
}

/// Reads each request, then closes the connection without answering for the first `resets`
/// connections; answers 204 after that.
async fn resetting_receiver(resets: usize) -> (Arc<AtomicUsize>, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    tokio::spawn(async move {
        loop {
            let (mut sock, _) = listener.accept().await.unwrap();
            let n = seen.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut buf = vec![0u8; 64 * 1024];
                let mut got = Vec::new();
                // Read until the end of the headers and the declared body.
                loop {
                    let read = sock.read(&mut buf).await.unwrap_or(0);
                    if read == 0 {
                        return;
                    }
                    got.extend_from_slice(&buf[..read]);
                    let text = String::from_utf8_lossy(&got).to_lowercase();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let len = text
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length: "))
                            .and_then(|v| v.trim().parse::<usize>().ok())
                            .unwrap_or(0);
                        if got.len() >= end + 4 + len {
                            break;
                        }
                    }
                }
                if n < resets {
                    drop(sock);
                } else {
                    let _ = sock
                        .write_all(b"HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n")
                        .await;
                }
            });
        }
    });
    (count, format!("http://127.0.0.1:{port}/hook"))
}

// ---------- harness ----------

fn t0() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000)
}

fn s(n: u64) -> Duration {
    Duration::from_secs(n)
}

fn config() -> DeliveryConfig {
    DeliveryConfig {
        schedule: RetrySchedule::default().with_jitter(0.0).unwrap(),
        request_timeout: Duration::from_millis(400),
        retention: None,
        ..DeliveryConfig::default()
    }
}

fn loopback() -> NetPolicy {
    NetPolicy::public_only().allow_cidr("127.0.0.1/32".parse().unwrap())
}

struct Harness {
    manager: WebhookManager,
    clock: ManualClock,
    store: Arc<dyn Store>,
}

fn harness(config: DeliveryConfig) -> Harness {
    let clock = ManualClock::new(t0());
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let manager = WebhookManager::builder(store.clone())
        .config(config)
        .clock(Arc::new(clock.clone()))
        .net_policy(loopback())
        .build()
        .unwrap();
    manager.start().unwrap();
    Harness {
        manager,
        clock,
        store,
    }
}

/// Polls (real time, short) until `check` holds; fails after 10 s.
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..1000 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting for {what}");
}

impl Harness {
    async fn attempts(&self, message: &MessageId) -> Vec<switchboard_webhooks::delivery::Attempt> {
        let mut a = self
            .manager
            .attempts(&AttemptQuery {
                message: Some(message.clone()),
                ..Default::default()
            })
            .await
            .unwrap()
            .data;
        a.reverse();
        a
    }

    async fn wait_attempts(&self, message: &MessageId, n: usize) {
        eventually(&format!("{n} attempts"), || async {
            self.attempts(message).await.len() >= n
        })
        .await;
        assert_eq!(
            self.attempts(message).await.len(),
            n,
            "more attempts than expected"
        );
    }

    async fn only_delivery(&self, message: &MessageId) -> switchboard_webhooks::delivery::Delivery {
        let mut d = self
            .manager
            .deliveries(&DeliveryQuery {
                message: Some(message.clone()),
                ..Default::default()
            })
            .await
            .unwrap()
            .data;
        assert_eq!(d.len(), 1);
        d.remove(0)
    }

    /// Lets the dispatcher run and proves nothing more happens without a clock move.
    async fn settle(&self) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// (number, offset from t0 in seconds, status, error kind) of each attempt.
type Log = Vec<(u32, u64, Option<u16>, Option<AttemptErrorKind>)>;

fn log(attempts: &[switchboard_webhooks::delivery::Attempt]) -> Log {
    attempts
        .iter()
        .map(|a| {
            (
                a.number,
                a.at.duration_since(t0()).unwrap().as_secs(),
                a.status,
                a.error_kind,
            )
        })
        .collect()
}

// ---------- tests ----------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fails_three_times_then_succeeds_on_schedule_with_a_stable_id() {
    let (rx, url) = receiver(vec![
        Reply::Status(500, vec![]),
        Reply::Status(502, vec![]),
        Reply::Status(500, vec![]),
    ])
    .await;
    let h = harness(config());
    let ep = h
        .manager
        .register(EndpointSpec::new("flaky", &url).events(["user.joined"]))
        .await
        .unwrap();
    let id = h
        .manager
        .trigger_event("user.joined", serde_json::json!({"user": "ada"}))
        .await
        .unwrap();
    h.wait_attempts(&id, 1).await;
    let d = h.only_delivery(&id).await;
    assert_eq!(d.status, DeliveryStatus::Pending);
    assert_eq!(d.next_attempt_at, Some(t0() + s(5)));

    h.clock.advance(s(4));
    h.settle().await;
    assert_eq!(h.attempts(&id).await.len(), 1, "retried before its time");
    h.clock.advance(s(1));
    h.wait_attempts(&id, 2).await;
    assert_eq!(
        h.only_delivery(&id).await.next_attempt_at,
        Some(t0() + s(305))
    );
    h.clock.advance(s(300));
    h.wait_attempts(&id, 3).await;
    assert_eq!(
        h.only_delivery(&id).await.next_attempt_at,
        Some(t0() + s(2105))
    );
    h.clock.advance(s(1800));
    h.wait_attempts(&id, 4).await;

    let attempts = h.attempts(&id).await;
    assert_eq!(
        log(&attempts),
        vec![
            (1, 0, Some(500), Some(AttemptErrorKind::Status)),
            (2, 5, Some(502), Some(AttemptErrorKind::Status)),
            (3, 305, Some(500), Some(AttemptErrorKind::Status)),
            (4, 2105, Some(204), None),
        ]
    );
    assert_eq!(attempts[0].response_body.as_deref(), Some("answer 500"));
    assert_eq!(
        attempts[0].error.as_deref(),
        Some("HTTP 500 Internal Server Error")
    );
    let d = h.only_delivery(&id).await;
    assert_eq!(d.status, DeliveryStatus::Delivered);
    assert_eq!(d.attempts, 4);

    // Every request carried the same webhook-id and the same bytes, each validly signed.
    let seen = rx.seen();
    assert_eq!(seen.len(), 4);
    let verifier = StandardVerifier::new(WebhookSecret::parse(ep.keys[0].secret.expose()).unwrap());
    let stored = h.manager.message(&id).await.unwrap();
    for (headers, body) in &seen {
        assert_eq!(headers["webhook-id"], id.as_str());
        assert_eq!(body, &stored.payload);
        let ts: u64 = headers["webhook-timestamp"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        let sent = SystemTime::UNIX_EPOCH + s(ts);
        let verified = verifier.verify(headers, body, sent).unwrap();
        assert_eq!(verified.message_id, Some(id.as_str()));
    }
    // The endpoint's failure clock was reset by the success.
    let ep = h.manager.endpoint(&ep.id).await.unwrap();
    assert!(ep.enabled && ep.failing_since.is_none());
    h.manager.shutdown(s(1)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttled_receiver_gets_retry_after_within_bounds() {
    let (_rx, url) = receiver(vec![
        // Asks for 120 s after attempt 1: clamped to 2 × 5 s.
        Reply::Status(429, vec![("retry-after", "120".into())]),
        // Asks for 400 s after attempt 2 (scheduled 300 s): honoured.
        Reply::Status(503, vec![("retry-after", "400".into())]),
        // Asks for 1 s after attempt 3 (scheduled 1800 s): the schedule wins.
        Reply::Status(429, vec![("retry-after", "1".into())]),
    ])
    .await;
    let h = harness(DeliveryConfig {
        throttle_floor: s(7),
        ..config()
    });
    h.manager
        .register(EndpointSpec::new("busy", &url))
        .await
        .unwrap();
    let id = h
        .manager
        .trigger_event("x", serde_json::json!(1))
        .await
        .unwrap();
    h.wait_attempts(&id, 1).await;
    assert_eq!(
        h.only_delivery(&id).await.next_attempt_at,
        Some(t0() + s(10))
    );
    h.clock.advance(s(10));
    h.wait_attempts(&id, 2).await;
    assert_eq!(
        h.only_delivery(&id).await.next_attempt_at,
        Some(t0() + s(410))
    );
    h.clock.advance(s(400));
    h.wait_attempts(&id, 3).await;
    assert_eq!(
        h.only_delivery(&id).await.next_attempt_at,
        Some(t0() + s(2210))
    );
    h.clock.advance(s(1800));
    h.wait_attempts(&id, 4).await;
    assert_eq!(
        log(&h.attempts(&id).await),
        vec![
            (1, 0, Some(429), Some(AttemptErrorKind::Status)),
            (2, 10, Some(503), Some(AttemptErrorKind::Status)),
            (3, 410, Some(429), Some(AttemptErrorKind::Status)),
            (4, 2210, Some(204), None),
        ]
    );

    // Without Retry-After, the floor applies when it exceeds the schedule.
    let (_rx, url) = receiver(vec![Reply::Status(503, vec![])]).await;
    let h = harness(config());
    h.manager
        .register(EndpointSpec::new("b", &url))
        .await
        .unwrap();
    let id = h
        .manager
        .trigger_event("x", serde_json::json!(1))
        .await
        .unwrap();
    h.wait_attempts(&id, 1).await;
    assert_eq!(
        h.only_delivery(&id).await.next_attempt_at,
        Some(t0() + s(60))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gone_disables_the_endpoint_and_keeps_the_delivery() {
    let (rx, url) = receiver(vec![Reply::Status(410, vec![])]).await;
    let h = harness(config());
    let ep = h
        .manager
        .register(EndpointSpec::new("old", &url))
        .await
        .unwrap();
    let id = h
        .manager
        .trigger_event("x", serde_json::json!({}))
        .await
        .unwrap();
    h.wait_attempts(&id, 1).await;
    let got = h.manager.endpoint(&ep.id).await.unwrap();
    assert!(!got.enabled);
    assert_eq!(got.disabled_reason, Some(DisabledReason::Gone));
    assert_eq!(
        log(&h.attempts(&id).await),
        vec![(1, 0, Some(410), Some(AttemptErrorKind::Status))]
    );
    // Nothing is attempted while it is disabled, and nothing is lost.
    h.clock.advance(s(3600));
    h.settle().await;
    assert_eq!(rx.seen().len(), 1);
    assert_eq!(h.only_delivery(&id).await.status, DeliveryStatus::Pending);
    // A new event skips it.
    let skipped = h
        .manager
        .trigger_event("x", serde_json::json!({}))
        .await
        .unwrap();
    assert!(
        h.manager
            .deliveries(&DeliveryQuery {
                message: Some(skipped),
                ..Default::default()
            })
            .await
            .unwrap()
            .data
            .is_empty()
    );
    // Enabling it again delivers what waited.
    h.manager.enable(&ep.id).await.unwrap();
    h.wait_attempts(&id, 2).await;
    assert_eq!(h.only_delivery(&id).await.status, DeliveryStatus::Delivered);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_resets_are_retried() {
    let (connections, url) = resetting_receiver(2).await;
    let h = harness(config());
    h.manager
        .register(EndpointSpec::new("reset", &url))
        .await
        .unwrap();
    let id = h
        .manager
        .trigger_event("x", serde_json::json!([]))
        .await
        .unwrap();
    h.wait_attempts(&id, 1).await;
    h.clock.advance(s(5));
    h.wait_attempts(&id, 2).await;
    h.clock.advance(s(300));
    h.wait_attempts(&id, 3).await;
    let attempts = h.attempts(&id).await;
    assert_eq!(
        log(&attempts),
        vec![
            (1, 0, None, Some(AttemptErrorKind::Transport)),
            (2, 5, None, Some(AttemptErrorKind::Transport)),
            (3, 305, Some(204), None),
        ]
    );
    assert!(attempts[0].error.is_some());
    assert_eq!(connections.load(Ordering::SeqCst), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hanging_receiver_times_out_and_is_retried() {
    let (rx, url) = receiver(vec![Reply::Hang]).await;
    let h = harness(config());
    h.manager
        .register(EndpointSpec::new("slow", &url))
        .await
        .unwrap();
    let id = h
        .manager
        .trigger_event("x", serde_json::json!(null))
        .await
        .unwrap();
    h.wait_attempts(&id, 1).await;
    let first = &h.attempts(&id).await[0];
    assert_eq!(first.error_kind, Some(AttemptErrorKind::Timeout));
    assert_eq!(first.status, None);
    assert!(
        first.latency >= Duration::from_millis(400),
        "{:?}",
        first.latency
    );
    h.clock.advance(s(5));
    h.wait_attempts(&id, 2).await;
    assert_eq!(
        log(&h.attempts(&id).await),
        vec![
            (1, 0, None, Some(AttemptErrorKind::Timeout)),
            (2, 5, Some(204), None),
        ]
    );
    assert_eq!(rx.seen().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exhausted_schedule_dead_letters_then_recover_delivers() {
    let (_rx, url) = receiver(vec![
        Reply::Status(500, vec![]),
        Reply::Status(500, vec![]),
        Reply::Status(500, vec![]),
    ])
    .await;
    let h = harness(DeliveryConfig {
        schedule: RetrySchedule::new(vec![s(0), s(60), s(60)])
            .unwrap()
            .with_jitter(0.0)
            .unwrap(),
        disable_after: s(100),
        ..config()
    });
    let ep = h
        .manager
        .register(EndpointSpec::new("down", &url))
        .await
        .unwrap();
    let id = h
        .manager
        .trigger_event("x", serde_json::json!(1))
        .await
        .unwrap();
    h.wait_attempts(&id, 1).await;
    h.clock.advance(s(60));
    h.wait_attempts(&id, 2).await;
    h.clock.advance(s(60));
    h.wait_attempts(&id, 3).await;
    let d = h.only_delivery(&id).await;
    assert_eq!(d.status, DeliveryStatus::DeadLetter);
    // Failing for 120 s ≥ 100 s: disabled.
    let got = h.manager.endpoint(&ep.id).await.unwrap();
    assert_eq!(got.disabled_reason, Some(DisabledReason::Failing));
    assert_eq!(got.failing_since, Some(t0()));

    h.manager.enable(&ep.id).await.unwrap();
    assert_eq!(h.manager.recover(&ep.id, t0()).await.unwrap(), 1);
    h.wait_attempts(&id, 4).await;
    let d = h.only_delivery(&id).await;
    assert_eq!(d.status, DeliveryStatus::Delivered);
    assert_eq!(d.attempts, 4);

    // Replay sends it once more, with the same id.
    let again = h.manager.replay(&id, Some(&ep.id)).await.unwrap();
    assert_eq!(again.len(), 1);
    h.wait_attempts(&id, 5).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handlers_are_isolated_from_each_other_and_from_delivery() {
    let (rx, url) = receiver(vec![]).await;
    let h = harness(DeliveryConfig {
        // Long enough for a panic to be reported even with backtraces on.
        handler_timeout: Duration::from_millis(1500),
        ..config()
    });
    h.manager
        .register(EndpointSpec::new("r", &url))
        .await
        .unwrap();
    let good_calls = Arc::new(AtomicUsize::new(0));
    let calls = good_calls.clone();
    h.manager.on("user.joined", "panics", |_event| async move {
        if true {
            panic!("handler bug");
        }
        Ok(())
    });
    h.manager.on("user.joined", "slow", |_event| async move {
        tokio::time::sleep(Duration::from_secs(30)).await;
        Ok(())
    });
    h.manager.on("user.joined", "fails", |_event| async move {
        Err("no database".into())
    });
    h.manager.on_any("good", move |event| {
        let calls = calls.clone();
        async move {
            assert_eq!(event.data["user"], "ada");
            calls.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }
    });
    h.manager.on("other.type", "never", |_event| async move {
        panic!("must not run for user.joined")
    });
    let id = h
        .manager
        .trigger_event("user.joined", serde_json::json!({"user": "ada"}))
        .await
        .unwrap();
    eventually("four handler outcomes", || async {
        h.manager.handler_runs().len() >= 4
    })
    .await;
    let mut runs: Vec<(String, HandlerOutcome)> = h
        .manager
        .handler_runs()
        .into_iter()
        .map(|r| {
            assert_eq!(r.message_id, id);
            (r.name, r.outcome)
        })
        .collect();
    runs.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        runs,
        vec![
            (
                "fails".to_owned(),
                HandlerOutcome::Failed("no database".into())
            ),
            ("good".to_owned(), HandlerOutcome::Ok),
            (
                "panics".to_owned(),
                HandlerOutcome::Panicked("handler bug".into())
            ),
            ("slow".to_owned(), HandlerOutcome::TimedOut),
        ]
    );
    assert_eq!(good_calls.load(Ordering::SeqCst), 1);
    h.wait_attempts(&id, 1).await;
    assert_eq!(rx.seen().len(), 1);
    // An idempotent repeat creates nothing and runs no handler.
    let k1 = h
        .manager
        .trigger_event_idempotent(
            "user.joined",
            serde_json::json!({"user": "ada"}),
            "signup-1",
        )
        .await
        .unwrap();
    let k2 = h
        .manager
        .trigger_event_idempotent(
            "user.joined",
            serde_json::json!({"user": "ada"}),
            "signup-1",
        )
        .await
        .unwrap();
    assert_eq!(k1, k2);
    eventually("handlers for the first keyed event", || async {
        h.manager.handler_runs().len() >= 8
    })
    .await;
    h.settle().await;
    assert_eq!(good_calls.load(Ordering::SeqCst), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registration_is_validated() {
    let h = harness(config());
    let m = &h.manager;
    let err = |r: Result<_, ManagerError>| r.unwrap_err().to_string();
    assert_eq!(
        err(m
            .register(EndpointSpec::new("a", "ftp://example.com/x"))
            .await),
        "invalid endpoint url: scheme must be http or https, not \"ftp\""
    );
    assert!(
        err(m.register(EndpointSpec::new("a", "not a url")).await)
            .starts_with("invalid endpoint url")
    );
    assert!(
        err(m
            .register(EndpointSpec::new("a", "https://user:pw@example.com/"))
            .await)
        .contains("credentials")
    );
    let blocked = err(m
        .register(EndpointSpec::new("a", "http://10.0.0.8/hook"))
        .await);
    assert!(
        blocked.contains("not allowed by the network policy"),
        "{blocked}"
    );
    assert!(
        err(m
            .register(EndpointSpec::new("a", "http://169.254.169.254/latest"))
            .await)
        .contains("network policy")
    );
    assert!(
        err(m
            .register(EndpointSpec::new("", "https://example.com/"))
            .await)
        .starts_with("invalid endpoint name")
    );
    assert!(
        err(m
            .register(EndpointSpec::new("a", "https://example.com/").events(Vec::<String>::new()))
            .await)
        .starts_with("invalid endpoint events")
    );
    assert!(
        err(m
            .register(EndpointSpec::new("a", "https://example.com/").header("webhook-id", "x"))
            .await)
        .contains("set by the delivery engine")
    );
    let bad_secret = err(m
        .register(EndpointSpec::new("a", "https://example.com/").secret("whsec_!!!notbase64"))
        .await);
    assert!(
        bad_secret.starts_with("invalid endpoint secret"),
        "{bad_secret}"
    );
    assert!(
        !bad_secret.contains("notbase64"),
        "secret leaked: {bad_secret}"
    );
    assert!(
        err(m
            .register(EndpointSpec::new("a", "https://example.com/").max_in_flight(0))
            .await)
        .contains("max_in_flight")
    );

    let slack = m
        .register(EndpointSpec::new(
            "slack",
            "https://hooks.slack.com/services/T000/B000/XXXXSECRETXXXX",
        ))
        .await
        .unwrap();
    let shown = format!("{slack:?}");
    assert!(
        !shown.contains("XXXXSECRETXXXX"),
        "URL token leaked: {shown}"
    );
    m.unregister(&slack.id).await.unwrap();

    let ep = m
        .register(EndpointSpec::new("a", "https://example.com/hook"))
        .await
        .unwrap();
    assert!(ep.keys[0].secret.expose().starts_with("whsec_"));
    assert!(!format!("{ep:?}").contains(ep.keys[0].secret.expose()));
    assert_eq!(
        err(m
            .register(EndpointSpec::new("a", "https://example.org/"))
            .await),
        "an endpoint named \"a\" already exists"
    );
    assert_eq!(
        m.trigger_event("has space", serde_json::json!(1))
            .await
            .unwrap_err()
            .to_string(),
        "invalid event type: event type \"has space\" must be visible ASCII without spaces"
    );
    let listed: Vec<String> = m
        .list()
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.name)
        .collect();
    assert_eq!(listed, ["a"]);
    m.disable(&ep.id).await.unwrap();
    assert!(!m.endpoint(&ep.id).await.unwrap().enabled);
    m.unregister(&ep.id).await.unwrap();
    assert!(matches!(
        m.unregister(&ep.id).await,
        Err(ManagerError::UnknownEndpoint(_))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotated_secret_signs_with_both_keys_during_overlap() {
    let (rx, url) = receiver(vec![]).await;
    let h = harness(config());
    let ep = h
        .manager
        .register(EndpointSpec::new("rot", &url))
        .await
        .unwrap();
    let old = WebhookSecret::parse(ep.keys[0].secret.expose()).unwrap();
    let rotated = h
        .manager
        .rotate_secret(&ep.id, None, s(3600))
        .await
        .unwrap();
    assert_eq!(rotated.keys.len(), 2);
    let new = WebhookSecret::parse(rotated.keys[0].secret.expose()).unwrap();
    let id = h
        .manager
        .trigger_event("x", serde_json::json!(1))
        .await
        .unwrap();
    h.wait_attempts(&id, 1).await;
    let (headers, body) = rx.seen().remove(0);
    let at = t0() + s(1);
    StandardVerifier::new(old)
        .verify(&headers, &body, at)
        .unwrap();
    StandardVerifier::new(new)
        .verify(&headers, &body, at)
        .unwrap();
    assert_eq!(
        headers["webhook-signature"]
            .to_str()
            .unwrap()
            .split(' ')
            .count(),
        2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delivered_request_wire_format() {
    let (rx, url) = receiver(vec![]).await;
    let h = harness(config());
    h.manager
        .register(
            EndpointSpec::new("snap", &url)
                .secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
                .header("x-tenant", "acme"),
        )
        .await
        .unwrap();
    let id = h
        .manager
        .trigger_event(
            "chat.created",
            serde_json::json!({"chat_id": 42, "title": "Hello"}),
        )
        .await
        .unwrap();
    h.wait_attempts(&id, 1).await;
    let (headers, body) = rx.seen().remove(0);
    let mut shown: BTreeMap<String, String> = BTreeMap::new();
    for (k, v) in &headers {
        let v = v.to_str().unwrap().to_owned();
        let v = match k.as_str() {
            "webhook-id" => {
                assert_eq!(v, id.as_str());
                "[message id]".to_owned()
            }
            "webhook-timestamp" => {
                assert_eq!(v, "1800000000");
                v
            }
            "host" => "[127.0.0.1:port]".to_owned(),
            _ => v,
        };
        shown.insert(k.as_str().to_owned(), v);
    }
    // The exact bytes sent (the clock is fixed, so the envelope timestamp is too).
    let body = String::from_utf8(body.to_vec()).unwrap();
    insta::assert_yaml_snapshot!("delivered_request", serde_json::json!({
        "method": "POST",
        "headers": shown,
        "body": body,
    }), {
        ".headers[\"webhook-signature\"]" => "[signature]",
        ".headers[\"user-agent\"]" => "[user agent]",
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_endpoint_concurrency_limit_holds() {
    // The receiver hangs 150 ms per request and counts concurrency.
    let active = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let (a, p) = (active.clone(), peak.clone());
    let app = Router::new().route(
        "/hook",
        post(move || {
            let (a, p) = (a.clone(), p.clone());
            async move {
                let now = a.fetch_add(1, Ordering::SeqCst) + 1;
                p.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(150)).await;
                a.fetch_sub(1, Ordering::SeqCst);
                StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let h = harness(config());
    h.manager
        .register(
            EndpointSpec::new("narrow", format!("http://127.0.0.1:{port}/hook")).max_in_flight(2),
        )
        .await
        .unwrap();
    for i in 0..8 {
        h.manager
            .trigger_event("x", serde_json::json!(i))
            .await
            .unwrap();
    }
    eventually("8 deliveries", || async {
        h.store
            .list_deliveries(&DeliveryQuery {
                status: Some(DeliveryStatus::Delivered),
                ..Default::default()
            })
            .await
            .unwrap()
            .len()
            == 8
    })
    .await;
    assert_eq!(peak.load(Ordering::SeqCst), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limited_endpoint_is_paced_by_the_clock() {
    let (rx, url) = receiver(vec![]).await;
    let h = harness(config());
    h.manager
        .register(EndpointSpec::new("paced", &url).rate_limit(2))
        .await
        .unwrap();
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(
            h.manager
                .trigger_event("x", serde_json::json!(i))
                .await
                .unwrap(),
        );
    }
    let delivered = || async {
        h.manager
            .attempts(&AttemptQuery {
                limit: 100,
                ..Default::default()
            })
            .await
            .unwrap()
            .data
    };
    eventually("2 attempts", || async { delivered().await.len() >= 2 }).await;
    h.settle().await;
    assert_eq!(delivered().await.len(), 2, "burst above the limit");
    h.clock.advance(s(1));
    eventually("4 attempts", || async { delivered().await.len() >= 4 }).await;
    h.settle().await;
    assert_eq!(delivered().await.len(), 4);
    h.clock.advance(s(1));
    eventually("5 attempts", || async { delivered().await.len() >= 5 }).await;
    let mut offsets: Vec<u64> = delivered()
        .await
        .iter()
        .map(|a| a.at.duration_since(t0()).unwrap().as_secs())
        .collect();
    offsets.sort();
    assert_eq!(offsets, [0, 0, 1, 1, 2]);
    assert_eq!(rx.seen().len(), 5);
    assert!(
        delivered().await.iter().all(|a| a.number == 1),
        "pacing is not a failed attempt"
    );
    assert!(matches!(
        h.manager
            .register(EndpointSpec::new("zero", &url).rate_limit(0))
            .await,
        Err(ManagerError::InvalidEndpoint {
            field: "rate_limit",
            ..
        })
    ));
}

/// (outcome, endpoint name, attempt, status, http duration, since created) per report.
type Seen = Vec<(
    DeliveryOutcome,
    String,
    u32,
    Option<u16>,
    Duration,
    Duration,
    Vec<&'static str>,
)>;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn observer_sees_each_outcome_its_operational_events_and_queue_depth_counts_the_backlog() {
    let (_ok_rx, ok_url) = receiver(vec![]).await;
    let (_fail_rx, fail_url) =
        receiver(vec![Reply::Status(500, vec![]), Reply::Status(500, vec![])]).await;
    let (_gone_rx, gone_url) = receiver(vec![Reply::Status(410, vec![])]).await;
    let seen: Arc<Mutex<Seen>> = Arc::default();
    let sink = seen.clone();
    let clock = ManualClock::new(t0());
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let manager = WebhookManager::builder(store)
        .config(DeliveryConfig {
            // Two attempts, 10 s apart: the 500 receiver is retried once, then dead-lettered.
            schedule: RetrySchedule::new(vec![s(0), s(10)])
                .unwrap()
                .with_jitter(0.0)
                .unwrap(),
            ..config()
        })
        .clock(Arc::new(clock.clone()))
        .net_policy(loopback())
        .observer(Arc::new(move |r: &AttemptReport<'_>| {
            sink.lock().unwrap().push((
                r.outcome,
                r.endpoint_name.to_owned(),
                r.attempt,
                r.status,
                r.http_duration,
                r.since_created,
                r.events.iter().map(|e| e.event_type()).collect(),
            ));
        }))
        .build()
        .unwrap();
    for (name, url) in [("ok", &ok_url), ("fail", &fail_url), ("gone", &gone_url)] {
        manager
            .register(EndpointSpec::new(name, url).events([format!("to.{name}")]))
            .await
            .unwrap();
    }
    // Before the dispatcher starts, everything is due and nothing in flight.
    for name in ["ok", "fail", "gone"] {
        manager
            .trigger_event(&format!("to.{name}"), serde_json::json!({}))
            .await
            .unwrap();
    }
    assert_eq!(
        manager.queue_depth().await.unwrap(),
        QueueDepth::new(3, 0, 0, 0)
    );
    manager.start().unwrap();
    let count = |n: usize| {
        let seen = seen.clone();
        async move { seen.lock().unwrap().len() >= n }
    };
    eventually("three reports", || count(3)).await;
    let mut first = seen.lock().unwrap().clone();
    first.sort_by(|a, b| a.1.cmp(&b.1));
    let brief: Vec<_> = first
        .iter()
        .map(|(o, name, n, status, _, _, events)| (*o, name.as_str(), *n, *status, events.clone()))
        .collect();
    assert_eq!(
        brief,
        vec![
            (
                DeliveryOutcome::Retrying,
                "fail",
                1,
                Some(500),
                vec!["message.attempt.failing"]
            ),
            (
                DeliveryOutcome::EndpointDisabled,
                "gone",
                1,
                Some(410),
                vec!["endpoint.disabled"]
            ),
            (DeliveryOutcome::Delivered, "ok", 1, Some(204), vec![]),
        ]
    );
    for (_, _, _, _, http, since_created, _) in &first {
        assert!(*http > Duration::ZERO && *http < s(5), "{http:?}");
        // The manual clock did not move: the message was created "now".
        assert_eq!(*since_created, Duration::ZERO);
    }
    // The retry waits 10 s; the 410 endpoint's delivery waits for it to be enabled.
    assert_eq!(
        manager.queue_depth().await.unwrap(),
        QueueDepth::new(0, 1, 0, 1)
    );
    clock.advance(s(10));
    eventually("the retry's report", || count(4)).await;
    let last = seen.lock().unwrap()[3].clone();
    // The clock runs already: no second `failing`; the schedule is used up.
    assert_eq!(
        (last.0, last.1.as_str(), last.2, last.3, last.6),
        (
            DeliveryOutcome::DeadLettered,
            "fail",
            2,
            Some(500),
            vec!["message.attempt.exhausted"]
        )
    );
    assert_eq!(
        last.5,
        s(10),
        "time since trigger_event, on the manager's clock"
    );
    assert_eq!(
        manager.queue_depth().await.unwrap(),
        QueueDepth::new(0, 0, 0, 1)
    );
    assert_eq!(DeliveryOutcome::DeadLettered.as_str(), "dead_lettered");
    manager.shutdown(s(1)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_that_is_down_costs_a_few_attempts_and_drains_once_a_probe_connects() {
    // A port that refuses connections: bound, then closed.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}/hook");
    let h = harness(config());
    h.manager
        .register(EndpointSpec::new("down", &url))
        .await
        .unwrap();
    const EVENTS: usize = 200;
    for i in 0..EVENTS {
        h.manager
            .trigger_event("x", serde_json::json!(i))
            .await
            .unwrap();
    }
    let attempts = || async {
        h.manager
            .attempts(&AttemptQuery {
                limit: 1000,
                ..Default::default()
            })
            .await
            .unwrap()
            .data
    };
    eventually("the first refused attempts", || async {
        attempts().await.len() >= 3
    })
    .await;
    h.settle().await;
    let burned = attempts().await;
    assert!(
        burned
            .iter()
            .all(|a| a.error_kind == Some(AttemptErrorKind::Connect)),
        "{:?}",
        log(&burned)
    );
    // At most its in-flight limit (8), plus the slots that the first two refusals freed
    // before the third held the endpoint.
    assert!(
        burned.len() <= 8 + 2,
        "{} of {EVENTS} deliveries spent an attempt on a closed port",
        burned.len()
    );
    let pending = h.manager.queue_depth().await.unwrap();
    assert_eq!(pending.total(), EVENTS as u64, "nothing is lost while held");

    // The receiver comes back; the hold ends one second later and one probe goes through.
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    let (rx, _) = receiver_on(listener, vec![]);
    h.settle().await;
    assert!(rx.seen().is_empty(), "no attempt before the hold ends");
    let back = std::time::Instant::now();
    h.clock.advance(s(1));
    let held = EVENTS - burned.len();
    eventually("every held delivery", || async { rx.seen().len() >= held }).await;
    let drained = back.elapsed();
    assert_eq!(
        rx.seen().len(),
        held,
        "the burned ones wait for their retry"
    );
    // Those that spent an attempt keep their schedule: retried 5 s after it.
    h.clock.advance(s(4));
    eventually("the retried deliveries", || async {
        rx.seen().len() >= EVENTS
    })
    .await;
    eprintln!(
        "down receiver: {} attempts spent on {EVENTS} queued deliveries; {held} drained {drained:?} after the probe",
        burned.len()
    );
}
