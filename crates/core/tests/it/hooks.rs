//! Service-specific rate-limit signals added through `RateLimitHook`.

use std::{sync::Arc, time::Duration};

use http::{HeaderMap, StatusCode};
use switchboard_core::{
    Client,
    retry::{RateLimitHook, RateLimited, ResponseView, parse_rate_limit_reset},
};

use crate::{
    Recorder, builder,
    server::{Reply, TestServer},
};

/// GitHub: 403 with `x-ratelimit-remaining: 0` and an epoch reset.
#[derive(Debug)]
struct GitHub;

impl RateLimitHook for GitHub {
    fn check(&self, res: &ResponseView<'_>) -> Option<RateLimited> {
        let h = res.headers();
        if res.status() != StatusCode::FORBIDDEN || h.get("x-ratelimit-remaining")? != "0" {
            return None;
        }
        let wait = h
            .get("x-ratelimit-reset")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_rate_limit_reset(v, res.now()));
        Some(RateLimited::new(wait))
    }
}

/// Google: 403 whose JSON body has reason `rateLimitExceeded`.
#[derive(Debug)]
struct Google;

impl RateLimitHook for Google {
    fn needs_body(&self, status: StatusCode, _headers: &HeaderMap) -> bool {
        status == StatusCode::FORBIDDEN
    }

    fn check(&self, res: &ResponseView<'_>) -> Option<RateLimited> {
        let body = std::str::from_utf8(res.body()?).ok()?;
        body.contains("\"rateLimitExceeded\"")
            .then(|| RateLimited::new(None))
    }
}

#[tokio::test]
async fn github_style_403_is_retried_after_the_reset() {
    let srv = TestServer::start().await;
    let reset = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 10;
    srv.plan(
        "/repos",
        [Reply::Status(
            403,
            vec![
                ("x-ratelimit-remaining", "0".to_owned()),
                ("x-ratelimit-reset", reset.to_string()),
            ],
            String::new(),
        )],
    );
    let rec = Recorder::default();
    let client = builder(&rec)
        .rate_limit_hook(Arc::new(GitHub))
        .build()
        .unwrap();
    // Even a POST: the server refused it, so sending it again cannot duplicate anything.
    let res = client.post(&srv.url("/repos")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let d = rec.delays();
    assert!(
        d[0] > Duration::from_secs(8) && d[0] <= Duration::from_secs(10),
        "{d:?}"
    );

    // A 403 that is not a rate limit is returned as it is.
    srv.plan("/forbidden", [Reply::status(403)]);
    let res = client.get(&srv.url("/forbidden")).send().await.unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(srv.hits("/forbidden"), 1);
}

#[tokio::test]
async fn body_inspecting_hook_sees_the_body_and_the_caller_still_gets_it() {
    let srv = TestServer::start().await;
    let limited = r#"{"error":{"errors":[{"reason":"rateLimitExceeded"}]}}"#;
    let denied = r#"{"error":{"errors":[{"reason":"forbidden"}]}}"#;
    srv.plan(
        "/calendar",
        [
            Reply::Status(403, vec![], limited.to_owned()),
            Reply::Status(403, vec![], denied.to_owned()),
        ],
    );
    let rec = Recorder::default();
    let client = builder(&rec)
        .rate_limit_hook(Arc::new(Google))
        .build()
        .unwrap();
    let res = client.get(&srv.url("/calendar")).send().await.unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(res.attempts(), 2);
    assert_eq!(rec.delays(), [Duration::from_millis(100)]);
    assert_eq!(res.text().await.unwrap(), denied);
}

#[test]
fn client_is_send_sync_and_cheap_to_clone() {
    fn assert_send_sync<T: Send + Sync + Clone + 'static>() {}
    assert_send_sync::<Client>();
    fn assert_error<T: std::error::Error + Send + Sync + 'static>() {}
    assert_error::<switchboard_core::Error>();
}
