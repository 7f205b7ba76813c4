//! `/admin/tool-calls` pages with the admin API's cursors (`iterator`, `prev_iterator`,
//! `done`): walked to the end and back without gaps or repeats across rows of the same
//! microsecond, unmoved by calls recorded meanwhile, on SQLite and Postgres; an altered
//! iterator is refused naming it.

use std::time::{Duration, SystemTime};

use serde_json::{Value, json};
use switchboard_server::audit::{AuditStore, CallRow};

use crate::mcp_nodes::{Schema, postgres_url};
use crate::server::{Server, client};

const ADMIN_KEY: &str = "admin-key-audit-pages-0123456789";

fn config(store: &str) -> String {
    format!("{store}\n[admin]\nkey = \"{ADMIN_KEY}\"\n")
}

/// A stored call of `tool`, `at` microseconds after this test started (recent, so that the
/// gateway's retention leaves it).
fn row(tool: &str, at: u64) -> CallRow {
    static START: std::sync::OnceLock<SystemTime> = std::sync::OnceLock::new();
    let start = *START.get_or_init(SystemTime::now);
    crate::audit_store::row_at(start + Duration::from_micros(at), tool)
}

async fn list(server: &Server, query: &str) -> (u16, Value) {
    let res = client()
        .get(server.url(&format!("/admin/tool-calls?{query}")))
        .bearer_auth(ADMIN_KEY)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

fn tools(page: &Value) -> Vec<String> {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["tool"].as_str().unwrap().to_owned())
        .collect()
}

/// Follows `key` (`iterator` or `prev_iterator`) from `start` until the list is done, pages of
/// two; returns each page's tools and the last page.
async fn walk(server: &Server, start: &Value, key: &str) -> (Vec<Vec<String>>, Value) {
    let mut pages = Vec::new();
    let mut page = start.clone();
    for _ in 0..20 {
        let Some(it) = page[key].as_str() else { break };
        let (status, next) = list(server, &format!("limit=2&iterator={it}")).await;
        assert_eq!(status, 200, "{next}");
        pages.push(tools(&next));
        let done = next["done"] == true;
        page = next;
        if done {
            break;
        }
    }
    (pages, page)
}

/// Nine calls in three microseconds (ties broken by id), paged older to the end with one call
/// recorded after the first page, then newer back to the top, where the new call shows.
async fn pages_walk_both_ways(server: &Server, store: &AuditStore) {
    let times: [u64; 9] = [10, 10, 10, 20, 20, 20, 20, 30, 30];
    let rows: Vec<CallRow> = times
        .iter()
        .enumerate()
        .map(|(i, at)| row(&format!("t{i}"), *at))
        .collect();
    store.insert(rows).await.unwrap();
    let newest_first: Vec<String> = (0..9).rev().map(|i| format!("t{i}")).collect();

    let (status, first) = list(server, "limit=2").await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(tools(&first), newest_first[..2]);
    assert_eq!(first["done"], false);
    // Recorded after the first page was read: newer than every cursor handed out so far.
    store.insert(vec![row("late", 40)]).await.unwrap();

    let (older, last) = walk(server, &first, "iterator").await;
    let mut seen = tools(&first);
    seen.extend(older.iter().flatten().cloned());
    assert_eq!(seen, newest_first, "older pages: {older:?}");
    assert_eq!(
        (last["done"].clone(), last["iterator"].clone()),
        (json!(true), Value::Null)
    );

    let (newer, top) = walk(server, &last, "prev_iterator").await;
    assert!(newer.iter().all(|p| p.len() <= 2), "{newer:?}");
    let mut back: Vec<String> = newer.iter().rev().flatten().cloned().collect();
    back.extend(tools(&last));
    let mut want = vec!["late".to_owned()];
    want.extend(newest_first);
    assert_eq!(back, want, "newer pages: {newer:?}");
    assert_eq!(top["done"], true);
}

async fn altered_iterators_are_refused(server: &Server) {
    let (_, first) = list(server, "limit=1").await;
    let it = first["iterator"].as_str().unwrap().to_owned();
    let mut flipped = it.clone().into_bytes();
    flipped[0] = if flipped[0] == b'6' { b'7' } else { b'6' };
    let flipped = String::from_utf8(flipped).unwrap();
    // A message list's iterator: well formed, but not a position of this list.
    let foreign: String = "o.5.msg_2abc.0"
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect();
    for bad in [&it[1..], "zz", flipped.as_str(), foreign.as_str()] {
        let (status, body) = list(server, &format!("iterator={bad}")).await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert_eq!(body["error"]["parameter"], "iterator", "{bad}: {body}");
    }
    let (status, body) = list(server, &format!("cursor={it}")).await;
    assert_eq!(status, 400, "the old parameter is refused by name: {body}");
}

#[tokio::test]
async fn tool_call_pages_walk_both_ways_without_gaps_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("switchboard.db");
    let server = Server::start_in(dir, Some(&config("")));
    let store = AuditStore::sqlite(&db).await.unwrap();
    pages_walk_both_ways(&server, &store).await;
}

#[tokio::test]
async fn an_altered_tool_call_iterator_is_a_400_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("switchboard.db");
    let server = Server::start_in(dir, Some(&config("")));
    let store = AuditStore::sqlite(&db).await.unwrap();
    store.insert(vec![row("a", 1), row("b", 2)]).await.unwrap();
    altered_iterators_are_refused(&server).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn tool_call_pages_walk_both_ways_without_gaps_on_postgres() {
    let test = "tool_call_pages_walk_both_ways_without_gaps_on_postgres";
    let Some(url) = postgres_url(test) else {
        return;
    };
    let schema = Schema::create(&url, "audit_pages").await;
    let store_config = format!("[store]\npostgres = \"{}\"\n", schema.node_url);
    let server = Server::start(Some(&config(&store_config)));
    let store = AuditStore::postgres(&schema.node_url).await.unwrap();
    pages_walk_both_ways(&server, &store).await;
    drop(server);
    schema.drop_schema().await;
}

/// The console's list of calls (50 a page) links its older and newer pages with the same
/// iterators.
#[tokio::test]
async fn the_console_tool_call_list_pages_with_the_admin_api_iterators() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("switchboard.db");
    let server = Server::start_in(dir, Some(&config("")));
    let store = AuditStore::sqlite(&db).await.unwrap();
    let rows: Vec<CallRow> = (0..55).map(|i| row(&format!("t{i}"), 1 + i / 10)).collect();
    store.insert(rows).await.unwrap();

    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = http
        .post(server.url("/ui/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", &server.base)
        .header("sec-fetch-site", "same-origin")
        .body(format!("key={ADMIN_KEY}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let set = res.headers()["set-cookie"].to_str().unwrap();
    let cookie = set.split(';').next().unwrap().to_owned();
    let page = |path: String| {
        let (http, cookie, server) = (http.clone(), cookie.clone(), &server);
        async move {
            let res = http
                .get(server.url(&path))
                .header("cookie", cookie)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200, "{path}");
            res.text().await.unwrap()
        }
    };
    let link = |html: &str, id: &str| -> Option<String> {
        let at = html.find(&format!("id=\"{id}\""))?;
        let before = &html[..at];
        let href = before.rfind("href=\"")? + 6;
        let end = before[href..].find('"')? + href;
        Some(html[href..end].replace("&#38;", "&").replace("&amp;", "&"))
    };
    let count = |html: &str| html.matches("<code class=\"args\">").count();

    let first = page("/ui/tool-calls".to_owned()).await;
    assert_eq!(count(&first), 50);
    assert!(
        link(&first, "newer").is_none(),
        "the newest page has no newer link"
    );
    let older = link(&first, "older").expect("an older link");
    assert!(older.contains("iterator="), "{older}");
    let second = page(older).await;
    assert_eq!(count(&second), 5);
    assert!(
        second.contains(">t0<") && !second.contains(">t5<"),
        "{second}"
    );
    assert!(
        link(&second, "older").is_none(),
        "the oldest page ends the list"
    );
    let back = page(link(&second, "newer").expect("a newer link")).await;
    assert_eq!(count(&back), 50);
    assert!(back.contains(">t54<") && back.contains(">t5<"), "{back}");
}
