//! The network policy: private destinations refused before connecting, redirects re-checked.

use switchboard_core::{Auth, Client, NetPolicy, Redirects, RetryPolicy, net::Cidr};

use crate::server::{Reply, TestServer};

fn guarded() -> Client {
    Client::builder()
        .net_policy(NetPolicy::public_only().allow_cidr("127.0.0.1/32".parse::<Cidr>().unwrap()))
        .redirects(Redirects::limited(5))
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn redirect_to_metadata_or_private_address_is_refused_before_connecting() {
    for target in [
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/admin",
        "http://[::ffff:a9fe:a9fe]/",
        "http://[fd00::1]/",
        "http://0.0.0.0/",
    ] {
        let srv = TestServer::start().await;
        srv.plan("/go", [Reply::with_header(302, "location", target)]);
        let err = guarded().get(&srv.url("/go")).send().await.unwrap_err();
        assert!(err.is_blocked_by_policy(), "{target}: {err:?}");
        assert_eq!(srv.hits("/go"), 1);
        // The error names the refused hop, not the first URL.
        assert!(!err.url_redacted().unwrap().contains("/go"), "{err}");
    }
}

#[tokio::test]
async fn host_names_resolving_to_private_addresses_are_refused() {
    let srv = TestServer::start().await;
    let client = Client::builder()
        .net_policy(NetPolicy::public_only())
        .build()
        .unwrap();
    let err = client
        .get(&format!("http://localhost:{}/x", srv.addr.port()))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_blocked_by_policy(), "{err:?}");
    assert_eq!(err.attempts(), 1, "policy refusals are not retried");
    assert_eq!(srv.hits("/x"), 0);

    let err = client.get(&srv.url("/x")).send().await.unwrap_err();
    assert!(err.is_blocked_by_policy(), "{err:?}");
    assert!(err.to_string().contains("loopback"), "{err}");

    // Trusting the host name lets it through.
    let trusting = Client::builder()
        .net_policy(NetPolicy::public_only().allow_host("localhost"))
        .build()
        .unwrap();
    let res = trusting
        .get(&format!("http://localhost:{}/x", srv.addr.port()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn redirects_are_not_followed_unless_allowed() {
    let srv = TestServer::start().await;
    srv.plan("/go", [Reply::with_header(302, "location", "/there")]);
    let client = Client::builder().build().unwrap();
    let res = client.get(&srv.url("/go")).send().await.unwrap();
    assert_eq!(res.status(), 302);
    assert_eq!(srv.hits("/there"), 0);
}

#[tokio::test]
async fn allowed_redirects_keep_auth_same_origin_and_drop_it_cross_origin() {
    let srv = TestServer::start().await;
    let other = TestServer::start().await;
    srv.plan("/a", [Reply::with_header(307, "location", "/b")]);
    srv.plan(
        "/b",
        [Reply::with_header(308, "location", &other.url("/c"))],
    );
    let res = guarded()
        .put(&srv.url("/a"))
        .auth(Auth::bearer("sekrit"))
        .body("payload")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.url_redacted().ends_with("/c"));
    let b = srv.seen().into_iter().find(|s| s.path == "/b").unwrap();
    assert_eq!(b.headers["authorization"], "Bearer sekrit");
    assert_eq!((b.method.as_str(), b.body.as_str()), ("PUT", "payload"));
    let c = &other.seen()[0];
    assert!(!c.headers.contains_key("authorization"), "{c:?}");
    assert_eq!((c.method.as_str(), c.body.as_str()), ("PUT", "payload"));
}

#[tokio::test]
async fn see_other_turns_post_into_get_without_body() {
    let srv = TestServer::start().await;
    srv.plan("/form", [Reply::with_header(303, "location", "/done")]);
    let res = guarded()
        .post(&srv.url("/form"))
        .form(&[("a", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let done = srv.seen().into_iter().find(|s| s.path == "/done").unwrap();
    assert_eq!(done.method, "GET");
    assert_eq!(done.body, "");
    assert!(!done.headers.contains_key("content-type"));
}

#[tokio::test]
async fn too_many_redirects_is_an_error() {
    let srv = TestServer::start().await;
    srv.plan(
        "/loop",
        (0..10).map(|_| Reply::with_header(302, "location", "/loop")),
    );
    let err = guarded().get(&srv.url("/loop")).send().await.unwrap_err();
    assert_eq!(err.kind(), switchboard_core::ErrorKind::Redirect);
    assert_eq!(srv.hits("/loop"), 6);
}

#[tokio::test]
async fn ip_literals_are_checked_directly() {
    let client = Client::builder()
        .net_policy(NetPolicy::public_only())
        .build()
        .unwrap();
    for url in [
        "http://169.254.169.254/",
        "http://[::1]:9/",
        "http://100.64.0.1/",
        "http://[64:ff9b::a00:1]/",
    ] {
        let err = client.get(url).send().await.unwrap_err();
        assert!(err.is_blocked_by_policy(), "{url}: {err:?}");
        assert_eq!(err.attempts(), 0, "{url}: refused before any attempt");
    }
}

#[tokio::test]
async fn deny_cidr_under_allow_all_refuses_ipv4_embedded_in_ipv6_before_connecting() {
    let client = Client::builder()
        .net_policy(NetPolicy::allow_all().deny_cidr("10.0.0.0/8".parse::<Cidr>().unwrap()))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    for url in [
        "http://10.1.2.3/",
        "http://[::ffff:10.1.2.3]/",
        "http://[::10.1.2.3]/",
        "http://[64:ff9b::a01:203]/",
        "http://[64:ff9b:1::a01:203]/",
        "http://[2002:a01:203::1]/",
    ] {
        assert_refused_before_connecting(&client, url, "10.0.0.0/8").await;
    }
}

#[tokio::test]
async fn deny_cidr_written_as_ipv4_mapped_refuses_the_plain_ipv4_address() {
    let srv = TestServer::start().await;
    let client = Client::builder()
        .net_policy(
            NetPolicy::allow_all().deny_cidr("::ffff:127.0.0.0/104".parse::<Cidr>().unwrap()),
        )
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let err = client.get(&srv.url("/x")).send().await.unwrap_err();
    assert!(err.is_blocked_by_policy(), "{err:?}");
    assert_eq!(srv.hits("/x"), 0);
}

#[tokio::test]
async fn azure_wireserver_is_refused_by_default_in_every_form() {
    let client = Client::builder()
        .net_policy(NetPolicy::public_only())
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    for url in [
        "http://168.63.129.16/machine?comp=goalstate",
        "http://[::ffff:a83f:8110]/",
        "http://[64:ff9b::a83f:8110]/",
        "http://[2002:a83f:8110::1]/",
    ] {
        assert_refused_before_connecting(&client, url, "Azure wireserver").await;
    }
}

/// `url` is refused by the policy, with `reason` in the message, before any attempt is made.
async fn assert_refused_before_connecting(client: &Client, url: &str, reason: &str) {
    let err = client.get(url).send().await.unwrap_err();
    assert!(err.is_blocked_by_policy(), "{url}: {err:?}");
    assert!(err.to_string().contains(reason), "{url}: {err}");
    assert_eq!(err.attempts(), 0, "{url}: refused before any attempt");
}
