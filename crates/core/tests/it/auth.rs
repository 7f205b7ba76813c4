//! Authentication on the wire, token refresh on 401, and secrets kept out of errors.

use std::sync::Arc;

use switchboard_core::{
    Auth, Client, RetryPolicy, Secret,
    auth::oauth2::{ClientAuthMethod, ClientCredentials, RefreshToken},
};

use crate::server::{Reply, TestServer};

fn token_reply(token: &str, expires_in: serde_json::Value) -> Reply {
    Reply::Status(
        200,
        vec![("content-type", "application/json".to_owned())],
        serde_json::json!({"access_token": token, "token_type": "Bearer", "expires_in": expires_in})
            .to_string(),
    )
}

#[tokio::test]
async fn client_credentials_refreshes_once_on_401_and_retries() {
    let srv = TestServer::start().await;
    srv.plan(
        "/token",
        [
            token_reply("t1", "3600".into()),
            token_reply("t2", 3600.into()),
        ],
    );
    srv.plan("/api", [Reply::status(401)]);
    let http = Client::builder().build().unwrap();
    let provider = ClientCredentials::new(http.clone(), &srv.url("/token"), "cid", "c-secret")
        .unwrap()
        .scopes(["read"]);
    let auth = Auth::token(provider);
    let res = http
        .get(&srv.url("/api"))
        .auth(auth.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    let seen = srv.seen();
    let api: Vec<_> = seen.iter().filter(|s| s.path == "/api").collect();
    let token: Vec<_> = seen.iter().filter(|s| s.path == "/token").collect();
    assert_eq!(api.len(), 2);
    assert_eq!(api[0].headers["authorization"], "Bearer t1");
    assert_eq!(api[1].headers["authorization"], "Bearer t2");
    assert_eq!(token.len(), 2);
    assert_eq!(token[0].body, "grant_type=client_credentials&scope=read");
    // client_secret_basic: base64("cid:c-secret")
    assert_eq!(token[0].headers["authorization"], "Basic Y2lkOmMtc2VjcmV0");

    // The refreshed token is cached: the next call fetches none.
    http.get(&srv.url("/api")).auth(auth).send().await.unwrap();
    assert_eq!(srv.hits("/token"), 2);
}

#[tokio::test]
async fn a_second_401_is_returned_not_looped() {
    let srv = TestServer::start().await;
    srv.plan(
        "/token",
        [
            token_reply("t1", 3600.into()),
            token_reply("t2", 3600.into()),
        ],
    );
    srv.plan("/api", [Reply::status(401), Reply::status(401)]);
    let http = Client::builder().build().unwrap();
    let provider = ClientCredentials::new(http.clone(), &srv.url("/token"), "cid", "s").unwrap();
    let res = http
        .get(&srv.url("/api"))
        .auth(Auth::token(provider))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(srv.hits("/api"), 2);
    assert_eq!(srv.hits("/token"), 2);
}

#[tokio::test]
async fn refresh_token_grant_renews_before_expiry_and_rotates() {
    let srv = TestServer::start().await;
    let rotating = Reply::Status(
        200,
        vec![],
        serde_json::json!({"access_token": "a1", "expires_in": "30", "refresh_token": "r2"})
            .to_string(),
    );
    srv.plan("/token", [rotating, token_reply("a2", 3600.into())]);
    let http = Client::builder().build().unwrap();
    let provider = Arc::new(
        RefreshToken::new(
            http.clone(),
            &srv.url("/token"),
            "cid",
            Some(Secret::new("cs")),
            "r1",
        )
        .unwrap()
        .auth_method(ClientAuthMethod::RequestBody),
    );
    let auth = Auth::Token(provider.clone());
    http.get(&srv.url("/api"))
        .auth(auth.clone())
        .send()
        .await
        .unwrap();
    // expires_in 30 s is inside the 60 s margin, so the next call renews with the rotated token.
    http.get(&srv.url("/api")).auth(auth).send().await.unwrap();
    let token: Vec<_> = srv
        .seen()
        .into_iter()
        .filter(|s| s.path == "/token")
        .collect();
    assert_eq!(token.len(), 2);
    assert_eq!(
        token[0].body,
        "grant_type=refresh_token&refresh_token=r1&client_id=cid&client_secret=cs"
    );
    assert!(
        token[1].body.contains("refresh_token=r2"),
        "{}",
        token[1].body
    );
    assert!(!token[0].headers.contains_key("authorization"));
    assert_eq!(provider.current_refresh_token().await.expose(), "r2");
}

#[tokio::test]
async fn token_endpoint_errors_are_reported_without_secrets() {
    let srv = TestServer::start().await;
    srv.plan(
        "/token",
        [Reply::Status(
            400,
            vec![],
            r#"{"error":"invalid_client","error_description":"bad secret"}"#.to_owned(),
        )],
    );
    let http = Client::builder().build().unwrap();
    let provider = ClientCredentials::new(
        http.clone(),
        &srv.url("/token"),
        "cid",
        "super-secret-value",
    )
    .unwrap();
    let err = http
        .get(&srv.url("/api"))
        .auth(Auth::token(provider))
        .send()
        .await
        .unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(
        text.contains("invalid_client") && text.contains("bad secret"),
        "{text}"
    );
    assert!(!text.contains("super-secret-value"), "{text}");
    assert_eq!(srv.hits("/api"), 0);
}

#[tokio::test]
async fn secrets_never_appear_in_errors() {
    let srv = TestServer::start().await;
    srv.plan("/hook/T1/B2/sekrit-path", [Reply::status(500)]);
    let client = Client::builder()
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let url = format!(
        "http://user:pa55word@{}/hook/T1/B2/sekrit-path?api_key=k3y-value&token=tok-value&q=1",
        srv.addr
    );
    let err = client
        .get(&url)
        .auth(Auth::api_key_query("appid", "appid-value"))
        .header("x-other", "fine")
        .send()
        .await
        .unwrap()
        .error_for_status()
        .await
        .unwrap_err();
    let text = format!("{err} | {err:?} | {err:#?}");
    for secret in ["pa55word", "k3y-value", "tok-value", "appid-value"] {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }
    assert!(text.contains("q=1"));
    // The key did go on the wire.
    assert!(
        srv.seen()[0]
            .query
            .as_deref()
            .unwrap()
            .contains("appid=appid-value")
    );

    // A transport error with bearer auth.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err = client
        .get(&format!("http://127.0.0.1:{port}/?access_token=zzz-secret"))
        .auth(Auth::bearer("bearer-secret"))
        .send()
        .await
        .unwrap_err();
    let text = format!("{err} | {err:?}");
    assert!(
        !text.contains("zzz-secret") && !text.contains("bearer-secret"),
        "{text}"
    );
    assert!(format!("{client:?}").len() > 10);
    let with_auth = Client::builder()
        .auth(Auth::basic("u", "basic-secret"))
        .build()
        .unwrap();
    assert!(!format!("{with_auth:?}").contains("basic-secret"));
}

/// A provider that hands out a new token on every call, counting them.
#[derive(Debug, Default)]
struct Counting(std::sync::atomic::AtomicU32);

#[async_trait::async_trait]
impl switchboard_core::auth::TokenProvider for Counting {
    async fn token(&self) -> Result<switchboard_core::auth::AccessToken, switchboard_core::Error> {
        let n = self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        Ok(switchboard_core::auth::AccessToken::new(
            format!("tok{n}"),
            None,
        ))
    }

    async fn refresh(
        &self,
        _rejected: &switchboard_core::auth::AccessToken,
    ) -> Result<switchboard_core::auth::AccessToken, switchboard_core::Error> {
        self.token().await
    }
}

#[tokio::test]
async fn each_attempt_asks_the_provider_so_a_wait_cannot_outlive_the_token() {
    let srv = TestServer::start().await;
    srv.plan("/api", [Reply::status(503)]);
    let rec = crate::Recorder::default();
    let client = crate::builder(&rec).build().unwrap();
    let res = client
        .get(&srv.url("/api"))
        .auth(Auth::token(Counting::default()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let auth: Vec<_> = srv
        .seen()
        .into_iter()
        .map(|s| s.headers["authorization"].clone())
        .collect();
    assert_eq!(auth, ["Bearer tok1", "Bearer tok2"]);
}
