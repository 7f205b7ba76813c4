//! The web console at the HTTP level: signing in, the session cookie's attributes, the CSRF
//! token and the cross-site refusals, and the headers every page carries. The browser-driven
//! scenarios are in `console_browser.rs`.

use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION, ORIGIN, SET_COOKIE};
use serde_json::Value;

use crate::endpoints::{Admin, config};
use crate::server::Server;

pub(crate) const KEY: &str = "admin-key-0123456789abcdef";

/// A client that shows redirects instead of following them.
pub(crate) fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub(crate) fn form(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// Posts a form the way the console's own pages do (same-origin).
pub(crate) async fn post(
    server: &Server,
    path: &str,
    cookie: Option<&str>,
    pairs: &[(&str, &str)],
) -> reqwest::Response {
    let mut req = http()
        .post(server.url(path))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(ORIGIN, &server.base)
        .header("sec-fetch-site", "same-origin")
        .body(form(pairs));
    if let Some(cookie) = cookie {
        req = req.header(COOKIE, cookie);
    }
    req.send().await.unwrap()
}

/// Signs in; the `Set-Cookie` value and the `name=value` to send back.
pub(crate) async fn sign_in(server: &Server) -> (String, String) {
    let res = post(server, "/ui/login", None, &[("key", KEY)]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()[LOCATION], "/ui");
    let set = res.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    let pair = set.split(';').next().unwrap().to_owned();
    (set, pair)
}

/// The CSRF token of the signed-in session, read from a page's form.
pub(crate) async fn csrf(server: &Server, cookie: &str) -> String {
    let form = page(server, cookie, "/ui/endpoints/new").await;
    let start = form.find("name=\"csrf\" value=\"").unwrap() + "name=\"csrf\" value=\"".len();
    form[start..start + 64].to_owned()
}

async fn endpoint_count(server: &Server) -> usize {
    Admin::new(server).get("/admin/endpoints").await["data"]
        .as_array()
        .map_or(0, Vec::len)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_session_cookie_is_http_only_same_site_strict_and_scoped_to_the_console() {
    let server = Server::start(Some(&config("")));
    let (set, _) = sign_in(&server).await;
    let attributes: Vec<&str> = set.split(';').map(str::trim).collect();
    assert!(attributes[0].starts_with("switchboard_console="), "{set}");
    assert_eq!(
        attributes[0].len(),
        "switchboard_console=".len() + 64,
        "{set}"
    );
    for wanted in ["HttpOnly", "SameSite=Strict", "Path=/ui", "Max-Age=28800"] {
        assert!(attributes.contains(&wanted), "{wanted} missing from {set}");
    }
    assert!(!set.contains(KEY));
    assert!(!attributes.contains(&"Secure"), "plain HTTP: {set}");
}

#[tokio::test(flavor = "multi_thread")]
async fn behind_a_tls_proxy_the_cookie_is_secure() {
    let server = Server::start(Some(&config("")));
    let res = http()
        .post(server.url("/ui/login"))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("x-forwarded-proto", "https")
        .body(form(&[("key", KEY)]))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert!(
        res.headers()[SET_COOKIE]
            .to_str()
            .unwrap()
            .ends_with("; Secure")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_key_opens_no_session() {
    let server = Server::start(Some(&config("")));
    let res = post(&server, "/ui/login", None, &[("key", "not-the-key")]).await;
    assert_eq!(res.status(), 401);
    assert!(res.headers().get(SET_COOKIE).is_none());
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("That is not the admin key.")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_without_a_session_send_the_browser_to_sign_in() {
    let server = Server::start(Some(&config("")));
    for path in [
        "/ui",
        "/ui/endpoints",
        "/ui/messages",
        "/ui/tools",
        "/ui/tool-calls",
        "/ui/replays/0123/progress",
    ] {
        let res = http().get(server.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 303, "{path}");
        assert_eq!(res.headers()[LOCATION], "/ui/login", "{path}");
    }
    let forged = http()
        .get(server.url("/ui/endpoints"))
        .header(COOKIE, format!("switchboard_console={}", "0".repeat(64)))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 303);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_state_changing_post_without_the_csrf_token_is_refused() {
    let server = Server::start(Some(&config("")));
    let (_, cookie) = sign_in(&server).await;
    let fields = [("name", "crm"), ("url", "http://127.0.0.1:9/hook")];
    let res = post(&server, "/ui/endpoints", Some(&cookie), &fields).await;
    assert_eq!(res.status(), 403);
    let wrong = [
        ("csrf", "f".repeat(64)),
        ("name", "crm".into()),
        ("url", "http://127.0.0.1:9/hook".into()),
    ];
    let wrong: Vec<(&str, &str)> = wrong.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = post(&server, "/ui/endpoints", Some(&cookie), &wrong).await;
    assert_eq!(res.status(), 403);
    assert_eq!(endpoint_count(&server).await, 0);

    let token = csrf(&server, &cookie).await;
    let right = [
        ("csrf", token.as_str()),
        ("name", "crm"),
        ("url", "http://127.0.0.1:9/hook"),
    ];
    let res = post(&server, "/ui/endpoints", Some(&cookie), &right).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    assert_eq!(endpoint_count(&server).await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cross_site_form_post_is_refused_even_with_session_and_token() {
    let server = Server::start(Some(&config("")));
    let (_, cookie) = sign_in(&server).await;
    let token = csrf(&server, &cookie).await;
    let body = form(&[
        ("csrf", &token),
        ("name", "evil"),
        ("url", "http://127.0.0.1:9/x"),
    ]);
    let send = |origin: Option<&'static str>, site: &'static str| {
        let mut req = http()
            .post(server.url("/ui/endpoints"))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(COOKIE, &cookie)
            .header("sec-fetch-site", site)
            .body(body.clone());
        if let Some(origin) = origin {
            req = req.header(ORIGIN, origin);
        }
        req.send()
    };
    let res = send(Some("https://evil.example"), "cross-site")
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let error: Value = res.json().await.unwrap();
    assert_eq!(error["error"]["kind"], "forbidden_origin");
    let res = send(None, "cross-site").await.unwrap();
    assert_eq!(res.status(), 403);
    let res = send(None, "same-site").await.unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(endpoint_count(&server).await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn every_console_answer_forbids_inline_script_framing_and_caching() {
    let server = Server::start(Some(&config("")));
    let (_, cookie) = sign_in(&server).await;
    for path in ["/ui", "/ui/login", "/ui/endpoints", "/ui/assets/console.js"] {
        let res = http()
            .get(server.url(path))
            .header(COOKIE, &cookie)
            .send()
            .await
            .unwrap();
        let csp = res.headers()["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("default-src 'self'"), "{path}: {csp}");
        assert!(csp.contains("script-src 'self'"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(csp.contains("form-action 'self'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(res.headers()["x-content-type-options"], "nosniff", "{path}");
    }
    let page = http()
        .get(server.url("/ui"))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(page.headers()["cache-control"], "no-store");
    let html = page.text().await.unwrap();
    assert!(!html.contains("<script>"), "inline script in the overview");
    assert!(!html.contains("style="), "inline style in the overview");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_signed_out_session_is_refused() {
    let server = Server::start(Some(&config("")));
    let (_, cookie) = sign_in(&server).await;
    let token = csrf(&server, &cookie).await;
    let res = post(&server, "/ui/logout", Some(&cookie), &[("csrf", &token)]).await;
    assert_eq!(res.status(), 303);
    assert!(
        res.headers()[SET_COOKIE]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    let after = http()
        .get(server.url("/ui/endpoints"))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 303);
    assert_eq!(after.headers()[LOCATION], "/ui/login");
    let res = post(
        &server,
        "/ui/endpoints",
        Some(&cookie),
        &[
            ("csrf", &token),
            ("name", "x"),
            ("url", "http://127.0.0.1:9/"),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    assert_eq!(endpoint_count(&server).await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_json_admin_api_keeps_its_bearer_auth() {
    let server = Server::start(Some(&config("")));
    let (_, cookie) = sign_in(&server).await;
    let res = http()
        .get(server.url("/admin/endpoints"))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
}

/// A page of the console, read with `cookie`.
pub(crate) async fn page(server: &Server, cookie: &str, path: &str) -> String {
    http()
        .get(server.url(path))
        .header(COOKIE, cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// The `href` of the link with this `id` in `html`, as a browser reads the attribute.
pub(crate) fn link(html: &str, id: &str) -> Option<String> {
    let marker = format!("id=\"{id}\"");
    let at = html.find(&marker)?;
    let before = &html[..at];
    let href = before.rfind("href=\"")? + 6;
    let end = before[href..].find('"')? + href;
    // askama writes `&` as `&#38;`.
    Some(html[href..end].replace("&#38;", "&").replace("&amp;", "&"))
}

/// Polls `n()` until it reaches `want`; fails after 20 s.
pub(crate) async fn wait_until<F, Fut>(n: F, want: usize)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = usize>,
{
    for _ in 0..400 {
        if n().await >= want {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("never reached {want}");
}

#[tokio::test(flavor = "multi_thread")]
async fn recover_requeues_the_dead_letters_since_the_time_given() {
    let (url, failing) = crate::console_browser::flaky_receiver().await;
    let server = Server::start(Some(&crate::console_browser::one_attempt_config()));
    let admin = Admin::new(&server);
    let ep = admin
        .create(serde_json::json!({"name": "crm", "url": url}))
        .await;
    let id = ep["id"].as_str().unwrap().to_owned();
    for i in 0..2 {
        admin.publish(i).await;
    }
    let count = |status: &'static str| {
        let admin = &admin;
        async move {
            admin
                .get(&format!("/admin/deliveries?status={status}"))
                .await["data"]
                .as_array()
                .map_or(0, Vec::len)
        }
    };
    wait_until(|| count("dead_letter"), 2).await;
    failing.store(false, std::sync::atomic::Ordering::SeqCst);

    let (_, cookie) = sign_in(&server).await;
    let token = csrf(&server, &cookie).await;
    let path = format!("/ui/endpoints/{id}/recover");
    let bad = post(
        &server,
        &path,
        Some(&cookie),
        &[("csrf", &token), ("since", "yesterday")],
    )
    .await;
    assert_eq!(bad.status(), 400);
    assert!(bad.text().await.unwrap().contains("since"));
    let res = post(
        &server,
        &path,
        Some(&cookie),
        &[("csrf", &token), ("since", "2000-01-01T00:00")],
    )
    .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()[LOCATION],
        format!("/ui/endpoints/{id}?done=recovered-2")
    );
    wait_until(|| count("delivered"), 2).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tried_call_goes_through_the_policy_of_the_token_it_is_made_as() {
    let server = Server::start(Some(&format!(
        "[admin]\nkey = \"{KEY}\"\n[tools]\nenabled = [\"calculate\"]\n\
         [[tools.tokens]]\nname = \"owui\"\ntoken = \"owui-token-0123456789abcdef\"\n\
         [[tools.tokens]]\nname = \"script\"\ntoken = \"script-token-0123456789abcdef\"\n\
         [[tools.rules]]\nname = \"no-calculate-for-scripts\"\ndeny = [\"calculate\"]\ntokens = [\"script\"]\n"
    )));
    let (_, cookie) = sign_in(&server).await;
    let token = csrf(&server, &cookie).await;
    let form = http()
        .get(server.url("/ui/tools/calculate"))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    let html = form.text().await.unwrap();
    assert!(
        html.contains("token owui</option>") && html.contains("token script</option>"),
        "{html}"
    );

    let call = |who: &'static str| {
        let fields = [
            ("csrf", token.clone()),
            ("as", who.to_owned()),
            ("arg.expression", "6 * 7".to_owned()),
        ];
        let cookie = cookie.clone();
        let server = &server;
        async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let res = post(server, "/ui/tools/calculate", Some(&cookie), &fields).await;
            (res.status().as_u16(), res.text().await.unwrap())
        }
    };
    let (status, page) = call("1").await;
    assert_eq!(status, 403);
    assert!(
        page.contains("a gateway policy rule refused the call"),
        "{page}"
    );
    let (status, page) = call("0").await;
    assert_eq!(status, 200);
    assert!(page.contains("&#34;result&#34;: &#34;42&#34;"), "{page}");

    let calls = Admin::new(&server).get("/admin/tool-calls").await;
    let rows: Vec<(String, String, String)> = calls["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let text = |v: &Value| v.as_str().unwrap_or("").to_owned();
            (
                text(&r["caller"]["token"]),
                text(&r["transport"]),
                text(&r["outcome"]),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("owui".into(), "console".into(), "ok".into()),
            ("script".into(), "console".into(), "refused_policy".into()),
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_message_list_pages_with_the_admin_api_cursors() {
    let server = Server::start(Some(&crate::console_browser::one_attempt_config()));
    let admin = Admin::new(&server);
    for i in 0..55 {
        admin.publish(i).await;
    }
    let (_, cookie) = sign_in(&server).await;
    let first = page(&server, &cookie, "/ui/messages?event_type=tick").await;
    assert_eq!(first.matches("href=\"/ui/messages/msg_").count(), 50);
    assert!(
        link(&first, "newer").is_none(),
        "the newest page has no newer link"
    );
    let older = link(&first, "older").expect("an older link");
    assert!(
        older.starts_with("/ui/messages?") && older.contains("iterator="),
        "{older}"
    );
    let second = page(&server, &cookie, &older).await;
    assert_eq!(second.matches("href=\"/ui/messages/msg_").count(), 5);
    assert!(
        link(&second, "older").is_none(),
        "the oldest page ends the list"
    );
    let newer = link(&second, "newer").expect("a newer link");
    let back = page(&server, &cookie, &newer).await;
    assert_eq!(back.matches("href=\"/ui/messages/msg_").count(), 50);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_ingest_page_says_why_requests_were_rejected_without_their_values() {
    let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let server = Server::start(Some(&config(&format!(
        "[[ingest]]\nname = \"app\"\nkind = \"standard\"\nsecret = \"{secret}\"\nevent_type = \"app.event\"\n"
    ))));
    let forged = "v1,Zm9yZ2VkLXNpZ25hdHVyZS12YWx1ZS0wMTIzNDU2Nzg5YWJjZGVm";
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string();
    let res = http()
        .post(server.url("/hooks/app"))
        .header("webhook-id", "msg_forged")
        .header("webhook-timestamp", &now)
        .header("webhook-signature", forged)
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let res = http()
        .post(server.url("/hooks/app"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let (_, cookie) = sign_in(&server).await;
    let page = page(&server, &cookie, "/ui/ingest").await;
    assert!(page.contains("Latest rejections"), "{page}");
    assert!(page.contains("missing header"), "{page}");
    assert!(
        page.contains("malformed header `webhook-signature`"),
        "{page}"
    );
    assert!(
        !page.contains("Zm9yZ2Vk"),
        "the forged signature is not repeated"
    );
    assert!(!page.contains("MfKQ9r8G"), "the secret is never shown");
}
