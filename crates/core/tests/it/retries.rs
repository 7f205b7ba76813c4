//! Retry behaviour: what is retried, how long it waits, and when it stops.

use std::time::{Duration, SystemTime};

use switchboard_core::{Client, RetryBudget, RetryPolicy};

use crate::{
    Recorder, builder,
    server::{Reply, TestServer},
};

#[tokio::test]
async fn get_500_then_200_is_retried_with_backoff() {
    let srv = TestServer::start().await;
    srv.plan("/flaky", [Reply::status(500), Reply::status(502)]);
    let rec = Recorder::default();
    let client = builder(&rec).build().unwrap();
    let res = client.get(&srv.url("/flaky")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.attempts(), 3);
    assert_eq!(srv.hits("/flaky"), 3);
    assert_eq!(
        rec.delays(),
        [Duration::from_millis(100), Duration::from_millis(200)]
    );
}

#[tokio::test]
async fn gives_up_after_max_attempts_and_returns_last_response() {
    let srv = TestServer::start().await;
    srv.plan("/down", (0..5).map(|_| Reply::status(503)));
    let rec = Recorder::default();
    let client = builder(&rec).build().unwrap();
    let res = client.get(&srv.url("/down")).send().await.unwrap();
    assert_eq!(res.status(), 503);
    assert_eq!(res.attempts(), 3);
    assert_eq!(srv.hits("/down"), 3);
    let err = res.error_for_status().await.unwrap_err();
    assert!(err.is_status());
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(err.attempts(), 3);
    assert_eq!(err.body(), Some("status 503"));
}

#[tokio::test]
async fn retry_after_seconds_sets_the_delay() {
    let srv = TestServer::start().await;
    srv.plan("/limited", [Reply::with_header(429, "retry-after", "1")]);
    let rec = Recorder::default();
    let client = builder(&rec).build().unwrap();
    let res = client.get(&srv.url("/limited")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(rec.delays(), [Duration::from_secs(1)]);
}

#[tokio::test]
async fn retry_after_http_date_sets_the_delay() {
    let srv = TestServer::start().await;
    let at = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(3));
    srv.plan("/limited", [Reply::with_header(503, "retry-after", &at)]);
    let rec = Recorder::default();
    let client = builder(&rec).build().unwrap();
    let res = client.get(&srv.url("/limited")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let delays = rec.delays();
    assert_eq!(delays.len(), 1);
    // HTTP-dates have whole seconds, so the wait is between 2 and 3 s.
    assert!(
        delays[0] > Duration::from_secs(1) && delays[0] <= Duration::from_secs(3),
        "{delays:?}"
    );
}

#[tokio::test]
async fn rate_limit_reset_epoch_header_sets_the_delay() {
    let srv = TestServer::start().await;
    let reset = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 5;
    srv.plan(
        "/limited",
        [Reply::with_header(
            429,
            "x-ratelimit-reset",
            &reset.to_string(),
        )],
    );
    let rec = Recorder::default();
    let client = builder(&rec).build().unwrap();
    client.get(&srv.url("/limited")).send().await.unwrap();
    let delays = rec.delays();
    assert!(
        delays[0] > Duration::from_secs(3) && delays[0] <= Duration::from_secs(5),
        "{delays:?}"
    );
}

#[tokio::test]
async fn retry_after_beyond_the_cap_is_not_waited_for() {
    let srv = TestServer::start().await;
    srv.plan("/limited", [Reply::with_header(429, "retry-after", "3600")]);
    let rec = Recorder::default();
    let client = builder(&rec).build().unwrap();
    let res = client.get(&srv.url("/limited")).send().await.unwrap();
    assert_eq!(res.status(), 429);
    assert_eq!(res.headers()["retry-after"], "3600");
    assert_eq!(res.attempts(), 1);
    assert!(rec.delays().is_empty());
}

#[tokio::test(start_paused = true)]
async fn default_sleeper_waits_on_tokio_time() {
    let srv = TestServer::start().await;
    srv.plan("/limited", [Reply::with_header(429, "retry-after", "2")]);
    // No connect or attempt timers: with time paused, the only timer to jump to is the wait.
    let client = Client::builder()
        .connect_timeout(None)
        .timeout(None)
        .build()
        .unwrap();
    let start = tokio::time::Instant::now();
    let res = client.get(&srv.url("/limited")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let waited = start.elapsed();
    assert!(
        waited >= Duration::from_secs(2) && waited < Duration::from_secs(3),
        "{waited:?}"
    );
}

#[tokio::test]
async fn post_without_idempotency_key_is_not_retried_after_500() {
    let srv = TestServer::start().await;
    srv.plan("/create", [Reply::status(500)]);
    let rec = Recorder::default();
    let client = builder(&rec).build().unwrap();
    let res = client
        .post(&srv.url("/create"))
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 500);
    assert_eq!(srv.hits("/create"), 1);
    assert!(rec.delays().is_empty());
}

#[tokio::test]
async fn post_with_idempotency_key_is_retried_after_500() {
    let srv = TestServer::start().await;
    srv.plan("/create", [Reply::status(500)]);
    let rec = Recorder::default();
    let client = builder(&rec).build().unwrap();
    let res = client
        .post(&srv.url("/create"))
        .idempotency_key("order-1")
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let seen = srv.seen();
    assert_eq!(seen.len(), 2);
    assert!(
        seen.iter()
            .all(|s| s.headers["idempotency-key"] == "order-1" && s.body == "x")
    );
}

#[tokio::test]
async fn post_429_is_retried_because_the_server_refused_it() {
    let srv = TestServer::start().await;
    srv.plan("/create", [Reply::with_header(429, "retry-after", "0")]);
    let rec = Recorder::default();
    let client = builder(&rec).build().unwrap();
    let res = client.post(&srv.url("/create")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(srv.hits("/create"), 2);
}

#[tokio::test]
async fn non_transient_4xx_is_not_retried() {
    let srv = TestServer::start().await;
    srv.plan("/missing", [Reply::status(404)]);
    let rec = Recorder::default();
    let client = builder(&rec).build().unwrap();
    let res = client.get(&srv.url("/missing")).send().await.unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(srv.hits("/missing"), 1);
}

#[tokio::test]
async fn connection_reset_get_is_retried_post_is_not() {
    let srv = TestServer::start().await;
    srv.plan("/reset", [Reply::Reset]);
    let rec = Recorder::default();
    let client = builder(&rec).build().unwrap();
    let res = client.get(&srv.url("/reset")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.attempts(), 2);

    srv.plan("/reset-post", [Reply::Reset]);
    let err = client
        .post(&srv.url("/reset-post"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(srv.hits("/reset-post"), 1);
    assert_eq!(err.attempts(), 1);
    assert!(!err.is_connect() && !err.is_status(), "{err:?}");
}

#[tokio::test]
async fn connect_error_is_retried_even_for_post() {
    // Bind and drop a listener so the port is (almost certainly) closed.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let rec = Recorder::default();
    let client = builder(&rec).build().unwrap();
    let err = client
        .post(&format!("http://127.0.0.1:{port}/x"))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_connect(), "{err:?}");
    assert_eq!(err.attempts(), 3);
    assert_eq!(rec.delays().len(), 2);
}

#[tokio::test]
async fn retry_budget_exhaustion_stops_retries() {
    let srv = TestServer::start().await;
    srv.plan("/down", (0..20).map(|_| Reply::status(503)));
    let rec = Recorder::default();
    let client = builder(&rec)
        .retry(
            RetryPolicy::default()
                .max_attempts(10)
                .jitter(switchboard_core::retry::Jitter::None),
        )
        .retry_budget(RetryBudget::new(10).retry_cost(5))
        .build()
        .unwrap();
    let res = client.get(&srv.url("/down")).send().await.unwrap();
    assert_eq!(res.status(), 503);
    // Two retries drain the 10 tokens.
    assert_eq!(srv.hits("/down"), 3);
    assert_eq!(client.retry_budget().available(), 0);
    // The next call gets no retry at all.
    let res = client.get(&srv.url("/down")).send().await.unwrap();
    assert_eq!(res.attempts(), 1);
    assert_eq!(srv.hits("/down"), 4);
}

#[tokio::test]
async fn retry_policy_none_sends_once() {
    let srv = TestServer::start().await;
    srv.plan("/flaky", [Reply::status(503)]);
    let client = Client::builder()
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let res = client.get(&srv.url("/flaky")).send().await.unwrap();
    assert_eq!(res.status(), 503);
    assert_eq!(srv.hits("/flaky"), 1);
}

#[tokio::test]
async fn slow_headers_time_out_and_get_is_retried() {
    let srv = TestServer::start().await;
    srv.plan("/slow", [Reply::SlowHeaders(Duration::from_secs(30))]);
    let rec = Recorder::default();
    let client = builder(&rec)
        .timeout(Some(Duration::from_millis(200)))
        .build()
        .unwrap();
    let res = client.get(&srv.url("/slow")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.attempts(), 2);
}

#[tokio::test]
async fn total_deadline_stops_retrying() {
    let srv = TestServer::start().await;
    srv.plan(
        "/slow",
        (0..5).map(|_| Reply::SlowHeaders(Duration::from_secs(30))),
    );
    let rec = Recorder::default();
    let client = builder(&rec)
        .timeout(Some(Duration::from_secs(20)))
        .deadline(Some(Duration::from_millis(250)))
        .build()
        .unwrap();
    let err = client.get(&srv.url("/slow")).send().await.unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert_eq!(err.attempts(), 1);
    assert!(err.message().contains("deadline"), "{err}");
}

#[tokio::test]
async fn max_elapsed_stops_retries_that_would_end_too_late() {
    let srv = TestServer::start().await;
    srv.plan("/down", (0..5).map(|_| Reply::status(503)));
    let rec = Recorder::default();
    let client = builder(&rec)
        .retry(
            RetryPolicy::default()
                .max_attempts(5)
                .base(Duration::from_millis(100))
                .jitter(switchboard_core::retry::Jitter::None)
                .max_elapsed(Some(Duration::from_millis(150))),
        )
        .build()
        .unwrap();
    let res = client.get(&srv.url("/down")).send().await.unwrap();
    // The first retry (100 ms) fits in 150 ms; the second (200 ms) would not.
    assert_eq!(res.attempts(), 2);
    assert_eq!(rec.delays(), [Duration::from_millis(100)]);
}

#[tokio::test]
async fn per_request_retry_override_replaces_the_client_policy() {
    let srv = TestServer::start().await;
    srv.plan("/flaky", [Reply::status(500), Reply::status(500)]);
    let rec = Recorder::default();
    let client = builder(&rec).retry(RetryPolicy::none()).build().unwrap();
    let res = client
        .get(&srv.url("/flaky"))
        .retry(
            RetryPolicy::default()
                .max_attempts(3)
                .jitter(switchboard_core::retry::Jitter::None),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.attempts(), 3);
}

/// A raw TCP server: the first connection is reset (RST) after the request arrives, later
/// connections get a minimal 200.
async fn resetting_server() -> std::net::SocketAddr {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut first = true;
        loop {
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf).await;
            if first {
                first = false;
                stream.set_zero_linger().unwrap();
                drop(stream);
            } else {
                let _ = stream
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
                    .await;
            }
        }
    });
    addr
}

#[tokio::test]
async fn tcp_reset_is_transient_for_get_only() {
    let rec = Recorder::default();
    let client = builder(&rec).build().unwrap();
    let addr = resetting_server().await;
    let res = client.get(&format!("http://{addr}/")).send().await.unwrap();
    assert_eq!(res.attempts(), 2);
    assert_eq!(res.text().await.unwrap(), "ok");

    let addr = resetting_server().await;
    let err = client
        .post(&format!("http://{addr}/"))
        .body("x")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.kind(),
        switchboard_core::ErrorKind::Transport,
        "{err:?}"
    );
    assert_eq!(err.attempts(), 1);
}
