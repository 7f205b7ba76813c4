//! Named endpoints called through the registry.

use http::Method;
use switchboard_core::{Client, Endpoint, EndpointCall, EndpointRegistry, ErrorKind};

use crate::server::{Reply, TestServer};

#[tokio::test]
async fn call_by_name_with_params_and_body() {
    let srv = TestServer::start().await;
    srv.plan(
        "/repos/o%20o/r%2Fr/issues",
        [Reply::Status(201, vec![], "{}".to_owned())],
    );
    let mut registry = EndpointRegistry::new(Client::builder().build().unwrap());
    registry
        .register(
            Endpoint::builder(
                "create_issue",
                Method::POST,
                &srv.url("/repos/{owner}/{repo}/issues"),
            )
            .header("accept", "application/vnd.github+json")
            .description("Create an issue")
            .build()
            .unwrap(),
        )
        .unwrap();
    let names: Vec<_> = registry.list().map(Endpoint::name).collect();
    assert_eq!(names, ["create_issue"]);
    let res = registry
        .call(
            "create_issue",
            EndpointCall::new()
                .path("owner", "o o")
                .path("repo", "r/r")
                .query("labels", "bug")
                .json(&serde_json::json!({"title": "t"})),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let seen = &srv.seen()[0];
    assert_eq!(seen.query.as_deref(), Some("labels=bug"));
    assert_eq!(seen.body, r#"{"title":"t"}"#);
    assert_eq!(seen.headers["content-type"], "application/json");
    assert_eq!(seen.headers["accept"], "application/vnd.github+json");

    let err = registry
        .call("nope", EndpointCall::new())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Endpoint);
    assert!(err.message().contains("unknown endpoint \"nope\""), "{err}");
    assert!(err.message().contains("create_issue"), "{err}");

    let err = registry
        .call("create_issue", EndpointCall::new().path("owner", "o"))
        .await
        .unwrap_err();
    assert!(
        err.message().contains("missing path parameter \"repo\""),
        "{err}"
    );

    let dup = Endpoint::builder("create_issue", Method::GET, "https://h.example/")
        .build()
        .unwrap();
    assert!(registry.register(dup.clone()).is_err());
    assert!(registry.replace(dup).is_some());
    assert!(registry.unregister("create_issue").is_some());
}
