//! Console pages at the HTTP level against the real binary: a bulk replay as a background job
//! with its progress, an endpoint's deliveries paged with the admin API's cursors, and the
//! endpoint edit form's headers, metadata and per-field errors.

use std::sync::atomic::Ordering;

use reqwest::header::{COOKIE, LOCATION};
use serde_json::{Value, json};

use crate::console::{csrf, http, link, page, post, sign_in, wait_until};
use crate::console_browser::{flaky_receiver, one_attempt_config};
use crate::endpoints::Admin;
use crate::server::Server;

/// The text of the element with this `id` in `html` (its content up to the next tag).
fn text_of<'a>(html: &'a str, id: &str) -> &'a str {
    let marker = format!("id=\"{id}\"");
    let at = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no #{id} in {html}"));
    let start = html[at..].find('>').unwrap() + at + 1;
    let end = html[start..].find('<').unwrap() + start;
    html[start..end].trim()
}

/// How many deliveries in `status` the admin API lists.
async fn count(admin: &Admin<'_>, status: &str) -> usize {
    admin
        .get(&format!("/admin/deliveries?status={status}&limit=1000"))
        .await["data"]
        .as_array()
        .map_or(0, Vec::len)
}

/// A gateway whose endpoint `crm` has `n` dead-lettered `tick` messages, its receiver fixed.
async fn dead_letters(n: u32) -> Server {
    let (url, failing) = flaky_receiver().await;
    let server = Server::start(Some(&one_attempt_config()));
    let admin = Admin::new(&server);
    admin.create(json!({"name": "crm", "url": url})).await;
    for i in 0..n {
        admin.publish(i).await;
    }
    wait_until(|| count(&admin, "dead_letter"), n as usize).await;
    failing.store(false, Ordering::SeqCst);
    server
}

fn search<'a>(token: &'a str, event_type: &'a str) -> [(&'a str, &'a str); 5] {
    [
        ("csrf", token),
        ("status", "dead_letter"),
        ("event_type", event_type),
        ("endpoint", ""),
        ("since", ""),
    ]
}

/// Signs in and posts the bulk replay of the dead letters of `event_type`: the answer and the
/// session cookie.
async fn start_replay(server: &Server, event_type: &str) -> (reqwest::Response, String) {
    let (_, cookie) = sign_in(server).await;
    let token = csrf(server, &cookie).await;
    let res = post(
        server,
        "/ui/messages/replay",
        Some(&cookie),
        &search(&token, event_type),
    )
    .await;
    (res, cookie)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bulk_replay_runs_in_the_background_and_its_progress_reaches_done_with_the_counts() {
    let server = dead_letters(3).await;
    let admin = Admin::new(&server);
    let (res, cookie) = start_replay(&server, "tick").await;
    assert_eq!(res.status(), 303);
    let job = res.headers()[LOCATION].to_str().unwrap().to_owned();
    assert!(job.starts_with("/ui/replays/"), "{job}");

    let progress = format!("{job}/progress");
    let mut fragment = String::new();
    for _ in 0..400 {
        fragment = page(&server, &cookie, &progress).await;
        if text_of(&fragment, "replay-state") != "running" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(text_of(&fragment, "replay-state"), "done", "{fragment}");
    assert_eq!(text_of(&fragment, "replay-pages"), "1");
    assert_eq!(text_of(&fragment, "replay-messages"), "3");
    assert_eq!(text_of(&fragment, "replay-deliveries"), "3");
    assert_eq!(text_of(&fragment, "replay-failures"), "0");
    assert!(
        !fragment.contains("data-refresh") && !fragment.contains("<html"),
        "a finished job's fragment stops the polling: {fragment}"
    );

    let whole = page(&server, &cookie, &job).await;
    assert_eq!(
        text_of(&whole, "replay-search"),
        "event_type=tick, status=dead_letter"
    );
    let listing = page(&server, &cookie, "/ui/messages").await;
    assert!(listing.contains(&format!("href=\"{job}\"")), "{listing}");
    wait_until(|| count(&admin, "delivered"), 3).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bulk_replay_without_the_csrf_token_starts_nothing() {
    let server = dead_letters(1).await;
    let admin = Admin::new(&server);
    let (_, cookie) = sign_in(&server).await;
    let res = post(
        &server,
        "/ui/messages/replay",
        Some(&cookie),
        &search("", "tick")[1..],
    )
    .await;
    assert_eq!(res.status(), 403);
    let listing = page(&server, &cookie, "/ui/messages").await;
    assert!(!listing.contains("/ui/replays/"), "{listing}");
    assert_eq!(
        count(&admin, "pending").await + count(&admin, "delivered").await,
        0
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bulk_replay_of_a_bad_search_is_refused_before_it_starts() {
    let server = dead_letters(1).await;
    let (res, cookie) = start_replay(&server, "ti*").await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("event_type"));
    let listing = page(&server, &cookie, "/ui/messages").await;
    assert!(!listing.contains("/ui/replays/"), "{listing}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_endpoint_page_pages_its_deliveries_with_the_admin_api_cursors() {
    let (url, failing) = flaky_receiver().await;
    failing.store(false, Ordering::SeqCst);
    let server = Server::start(Some(&one_attempt_config()));
    let admin = Admin::new(&server);
    let ep = admin.create(json!({"name": "crm", "url": url})).await;
    let id = ep["id"].as_str().unwrap();
    for i in 0..55 {
        admin.publish(i).await;
    }
    let (_, cookie) = sign_in(&server).await;
    let rows = |html: &str| html.matches("href=\"/ui/messages/msg_").count();
    let first = page(&server, &cookie, &format!("/ui/endpoints/{id}")).await;
    assert_eq!(rows(&first), 50);
    assert!(
        link(&first, "newer").is_none(),
        "the newest page has no newer link"
    );
    let older = link(&first, "older").expect("an older link");
    assert!(
        older.starts_with(&format!("/ui/endpoints/{id}?iterator=")),
        "{older}"
    );
    let second = page(&server, &cookie, &older).await;
    assert_eq!(rows(&second), 5);
    assert!(
        link(&second, "older").is_none(),
        "the oldest page ends the list"
    );
    let back = page(
        &server,
        &cookie,
        &link(&second, "newer").expect("a newer link"),
    )
    .await;
    assert_eq!(rows(&back), 50);

    let bad = http()
        .get(server.url(&format!("/ui/endpoints/{id}?iterator=not-a-cursor")))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    assert!(bad.text().await.unwrap().contains("iterator"));
}

/// An endpoint with two headers (one value a credential) and two metadata entries.
async fn configured(server: &Server) -> String {
    let ep = Admin::new(server)
        .create(json!({
            "name": "crm",
            "url": "http://127.0.0.1:9/hook",
            "headers": {"X-Team": "sales", "Authorization": "Bearer header-credential-123"},
            "metadata": {"team": "billing", "tier": "gold"},
        }))
        .await;
    ep["id"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_edit_form_sets_and_removes_headers_and_rewrites_the_metadata() {
    let server = Server::start(Some(&one_attempt_config()));
    let id = configured(&server).await;
    let (_, cookie) = sign_in(&server).await;
    let token = csrf(&server, &cookie).await;
    let form = page(&server, &cookie, &format!("/ui/endpoints/{id}/edit")).await;
    assert!(form.contains("value=\"Authorization\"") && form.contains("value=\"X-Team\""));
    assert!(
        !form.contains("header-credential-123"),
        "a header value is shown"
    );
    assert!(form.contains("team: billing\ntier: gold"), "{form}");

    let res = post(
        &server,
        &format!("/ui/endpoints/{id}"),
        Some(&cookie),
        &[
            ("csrf", &token),
            ("url", ""),
            ("description", ""),
            ("events", ""),
            ("headers", "X-Region: eu\nX-Team: support"),
            ("remove_header", "Authorization"),
            ("metadata", "team: payments\nowner: ops"),
            ("rate_limit", ""),
            ("max_in_flight", "4"),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()[LOCATION],
        format!("/ui/endpoints/{id}?done=saved")
    );
    let ep = Admin::new(&server)
        .get(&format!("/admin/endpoints/{id}"))
        .await;
    let mut headers: Vec<&str> = ep["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap())
        .collect();
    headers.sort_unstable();
    assert_eq!(headers, ["X-Region", "X-Team"]);
    assert_eq!(ep["metadata"], json!({"team": "payments", "owner": "ops"}));
    assert_eq!(ep["max_in_flight"], Value::from(4));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_edit_form_shows_each_error_on_its_field_and_saves_nothing() {
    let server = Server::start(Some(&one_attempt_config()));
    let id = configured(&server).await;
    let (_, cookie) = sign_in(&server).await;
    let token = csrf(&server, &cookie).await;
    let edit = |headers: &'static str, rate_limit: &'static str| {
        let (server, cookie, token, id) = (&server, &cookie, &token, &id);
        async move {
            let res = post(
                server,
                &format!("/ui/endpoints/{id}"),
                Some(cookie),
                &[
                    ("csrf", token),
                    ("headers", headers),
                    ("metadata", "team: billing"),
                    ("rate_limit", rate_limit),
                ],
            )
            .await;
            (res.status().as_u16(), res.text().await.unwrap())
        }
    };
    let field_error = |html: &str, field: &str| -> Option<String> {
        let at = html.find(&format!("data-field=\"{field}\""))?;
        let rest = &html[at..];
        let end = rest.find("</div>")?;
        rest[..end]
            .contains("class=\"field-error\"")
            .then(|| text_of(rest, &format!("{field}-error")).to_owned())
    };

    // What the form reads itself: every field checked at once.
    let (status, html) = edit("not a pair", "fast").await;
    assert_eq!(status, 400);
    assert_eq!(
        field_error(&html, "headers").as_deref(),
        Some("line 1: &#34;not a pair&#34; is not `name: value`")
    );
    assert!(
        field_error(&html, "rate_limit")
            .unwrap()
            .contains("whole number")
    );
    assert_eq!(field_error(&html, "metadata"), None);
    assert!(html.contains("Not saved: 2 fields need fixing."));
    assert!(html.contains("aria-invalid=\"true\" aria-describedby=\"headers-error\""));

    // What the manager refuses: on the field it names.
    let (status, html) = edit("Webhook-Signature: forged", "").await;
    assert_eq!(status, 422);
    let error = field_error(&html, "headers").expect("the manager's error on headers");
    assert!(error.contains("Webhook-Signature"), "{error}");
    assert_eq!(field_error(&html, "rate_limit"), None);

    let ep = Admin::new(&server)
        .get(&format!("/admin/endpoints/{id}"))
        .await;
    assert_eq!(ep["metadata"], json!({"team": "billing", "tier": "gold"}));
    assert_eq!(ep["rate_limit"], Value::Null);
}
