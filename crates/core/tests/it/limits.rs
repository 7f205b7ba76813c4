//! Body size limits and body timeouts.

use std::time::Duration;

use switchboard_core::{Client, DEFAULT_BODY_LIMIT, RetryPolicy};

use crate::server::{Reply, TestServer};

#[tokio::test]
async fn body_over_the_default_limit_with_length_is_an_error() {
    let srv = TestServer::start().await;
    srv.plan("/huge", [Reply::Huge(DEFAULT_BODY_LIMIT + 1)]);
    let client = Client::builder().build().unwrap();
    let res = client.get(&srv.url("/huge")).send().await.unwrap();
    let err = res.bytes().await.unwrap_err();
    assert!(err.is_body_limit(), "{err:?}");
    assert!(err.to_string().contains("4194304"), "{err}");
}

#[tokio::test]
async fn chunked_body_over_the_limit_is_an_error_not_a_truncation() {
    let srv = TestServer::start().await;
    srv.plan(
        "/huge",
        [Reply::HugeChunked(10 * 1024), Reply::HugeChunked(10 * 1024)],
    );
    let client = Client::builder().body_limit(4096).build().unwrap();
    let err = client
        .get(&srv.url("/huge"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap_err();
    assert!(err.is_body_limit(), "{err:?}");

    // Streaming reads enforce the limit too.
    let mut res = client.get(&srv.url("/huge")).send().await.unwrap();
    let mut got = 0;
    let err = loop {
        match res.chunk().await {
            Ok(Some(c)) => got += c.len(),
            Ok(None) => panic!("body ended without hitting the limit"),
            Err(e) => break e,
        }
    };
    assert!(err.is_body_limit());
    assert_eq!(got, 4096);
}

#[tokio::test]
async fn body_exactly_at_the_limit_is_accepted_and_per_request_limit_applies() {
    let srv = TestServer::start().await;
    srv.plan("/big", [Reply::HugeChunked(8192), Reply::Huge(8192)]);
    let client = Client::builder().body_limit(1024).build().unwrap();
    let body = client
        .get(&srv.url("/big"))
        .body_limit(8192)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(body.len(), 8192);
    let body = client
        .get(&srv.url("/big"))
        .body_limit(8192)
        .send()
        .await
        .unwrap()
        .bytes()
        .await;
    assert_eq!(body.unwrap().len(), 8192);
}

#[tokio::test]
async fn slow_body_beyond_the_timeout_is_a_timeout() {
    let srv = TestServer::start().await;
    srv.plan("/slow-body", [Reply::SlowBody(Duration::from_secs(30))]);
    let client = Client::builder()
        .timeout(Some(Duration::from_millis(200)))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let res = client.get(&srv.url("/slow-body")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let err = res.bytes().await.unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
}

#[tokio::test]
async fn json_checks_the_status_and_reports_decode_errors() {
    #[derive(serde::Deserialize, Debug)]
    struct Item {
        #[allow(dead_code)]
        id: u32,
    }
    let srv = TestServer::start().await;
    srv.plan(
        "/item",
        [
            Reply::Status(
                404,
                vec![("x-github-request-id", "ABCD:1234".to_owned())],
                r#"{"message":"Not Found"}"#.to_owned(),
            ),
            Reply::ok(r#"{"id":"seven"}"#),
            Reply::ok(r#"{"id":7}"#),
        ],
    );
    let client = Client::builder().build().unwrap();
    let err = client
        .get(&srv.url("/item"))
        .send()
        .await
        .unwrap()
        .json::<Item>()
        .await
        .unwrap_err();
    assert!(err.is_status());
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
    assert_eq!(err.request_id(), Some("ABCD:1234"));
    assert_eq!(err.body(), Some(r#"{"message":"Not Found"}"#));
    let err = client
        .get(&srv.url("/item"))
        .send()
        .await
        .unwrap()
        .json::<Item>()
        .await
        .unwrap_err();
    assert!(err.is_decode(), "{err:?}");
    assert!(err.to_string().contains("line 1 column"), "{err}");
    let item: Item = client
        .get(&srv.url("/item"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(item.id, 7);
}

#[tokio::test]
async fn error_body_snippet_is_truncated() {
    let srv = TestServer::start().await;
    srv.plan("/err", [Reply::Status(400, vec![], "e".repeat(5000))]);
    let client = Client::builder().build().unwrap();
    let err = client
        .get(&srv.url("/err"))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .await
        .unwrap_err();
    assert_eq!(
        err.body().unwrap().len(),
        switchboard_core::BODY_SNIPPET_LIMIT
    );
}
