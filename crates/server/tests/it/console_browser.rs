//! The web console in a real browser: headless Chromium driven through chromedriver
//! (WebDriver) against the real binary on loopback, with a SQLite store fed by publishing
//! events to a loopback receiver that fails on command.
//!
//! Without `/usr/bin/chromedriver` these tests skip, unless `SWITCHBOARD_REQUIRE_BROWSER=1`
//! (set by CI), which makes a missing browser a failure. With
//! `SWITCHBOARD_CONSOLE_SCREENSHOTS=DIR` each page the tests visit is saved as `DIR/NAME.png`
//! (`cargo xtask console-screenshots` writes them into `docs/console/`).

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::post;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use crate::console::KEY;
use crate::endpoints::{Admin, config};
use crate::server::Server;

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// How long an element or a state may take to appear.
const PATIENCE: Duration = Duration::from_secs(30);

/// A browser window: its size, and whether the system asks pages for dark mode.
#[derive(Clone, Copy)]
struct Window {
    width: u32,
    height: u32,
    dark: bool,
}

const DESKTOP: Window = Window {
    width: 1200,
    height: 800,
    dark: false,
};

/// A chromedriver process and one browser session through it; both end on drop.
struct Browser {
    client: Option<Client>,
    driver: Child,
    base: String,
}

impl Drop for Browser {
    fn drop(&mut self) {
        if let Some(client) = self.client.take() {
            // Closing quits Chromium; the driver is killed below either way.
            let handle = tokio::runtime::Handle::current();
            let _ = std::thread::scope(|s| {
                s.spawn(|| {
                    handle.block_on(async {
                        tokio::time::timeout(Duration::from_secs(5), client.close()).await
                    })
                })
                .join()
            });
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Starts chromedriver and a headless Chromium session for `server`; `None` (the test skips)
/// when there is no chromedriver and CI does not require one.
#[allow(
    clippy::print_stderr,
    reason = "a skipped test says why in the test output"
)]
async fn browser(server: &Server) -> Option<Browser> {
    browser_in(server, DESKTOP).await
}

/// Like [`browser`], in a window of this size and colour scheme.
#[allow(
    clippy::print_stderr,
    reason = "a skipped test says why in the test output"
)]
async fn browser_in(server: &Server, window: Window) -> Option<Browser> {
    if !std::path::Path::new(CHROMEDRIVER).exists() {
        assert!(
            std::env::var("SWITCHBOARD_REQUIRE_BROWSER").as_deref() != Ok("1"),
            "SWITCHBOARD_REQUIRE_BROWSER=1 but {CHROMEDRIVER} is missing: apt-get install chromium chromium-driver"
        );
        eprintln!(
            "skipping: {CHROMEDRIVER} is not installed (apt-get install chromium chromium-driver)"
        );
        return None;
    }
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let driver = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut browser = Browser {
        client: None,
        driver,
        base: server.base.clone(),
    };
    let mut args = vec![
        "--headless=new".to_owned(),
        "--no-sandbox".to_owned(),
        "--disable-gpu".to_owned(),
        "--disable-dev-shm-usage".to_owned(),
        "--hide-scrollbars".to_owned(),
        "--force-color-profile=srgb".to_owned(),
        format!("--window-size={},{}", window.width, window.height),
    ];
    if window.dark {
        args.push("--force-dark-mode".to_owned());
    }
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({"binary": CHROMIUM, "args": args}),
    );
    let url = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    let client = loop {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector)
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(client) => break client,
            Err(e) if started.elapsed() < PATIENCE => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => panic!("no WebDriver session from {CHROMEDRIVER}: {e}"),
        }
    };
    browser.client = Some(client);
    Some(browser)
}

impl Browser {
    fn c(&self) -> &Client {
        self.client.as_ref().unwrap()
    }

    async fn open(&self, path: &str) {
        self.c()
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap();
    }

    async fn find(&self, css: &str) -> fantoccini::elements::Element {
        match self
            .c()
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css(css))
            .await
        {
            Ok(element) => element,
            Err(e) => {
                let url = self
                    .c()
                    .current_url()
                    .await
                    .map(|u| u.to_string())
                    .unwrap_or_default();
                let page = self.c().source().await.unwrap_or_default();
                panic!("no {css:?} on {url}: {e}\n{page}")
            }
        }
    }

    async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.unwrap()
    }

    async fn fill(&self, css: &str, value: &str) {
        let field = self.find(css).await;
        field.clear().await.unwrap();
        field.send_keys(value).await.unwrap();
    }

    async fn click(&self, css: &str) {
        self.find(css).await.click().await.unwrap();
    }

    /// Reloads `path` until `css` matches an element whose text contains `wanted`.
    async fn until_text(&self, path: &str, css: &str, wanted: &str) {
        let started = Instant::now();
        loop {
            self.open(path).await;
            let texts = self.texts(css).await;
            if texts.iter().any(|t| t.contains(wanted)) {
                return;
            }
            assert!(
                started.elapsed() < PATIENCE,
                "{path}: no {css:?} saying {wanted:?}; saw {texts:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits, without reloading, until `css` matches an element whose text contains `wanted`
    /// (the page's script refreshes it).
    async fn until_live(&self, css: &str, wanted: &str) {
        let started = Instant::now();
        loop {
            let texts = self.texts(css).await;
            if texts.iter().any(|t| t.contains(wanted)) {
                return;
            }
            assert!(
                started.elapsed() < PATIENCE,
                "no {css:?} saying {wanted:?} appeared; saw {texts:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn texts(&self, css: &str) -> Vec<String> {
        let mut out = Vec::new();
        for e in self.c().find_all(Locator::Css(css)).await.unwrap() {
            out.push(e.text().await.unwrap_or_default());
        }
        out
    }

    /// Signs in from the keyboard: the key, then Enter.
    async fn sign_in(&self) {
        self.open("/ui/login").await;
        self.fill("#key", &format!("{KEY}\u{E007}")).await;
        self.find("#sign-out").await;
    }

    /// Saves the page as `NAME.png` when screenshots are asked for.
    async fn screenshot(&self, name: &str) {
        let Ok(dir) = std::env::var("SWITCHBOARD_CONSOLE_SCREENSHOTS") else {
            return;
        };
        let png = self.c().screenshot().await.unwrap();
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(std::path::Path::new(&dir).join(format!("{name}.png")), png).unwrap();
    }
}

/// A receiver answering 500 with a telling body while `failing` is set, else 204.
pub(crate) async fn flaky_receiver() -> (String, Arc<AtomicBool>) {
    let failing = Arc::new(AtomicBool::new(true));
    let flag = failing.clone();
    let app = Router::new().route(
        "/hook",
        post(move || {
            let flag = flag.clone();
            async move {
                if flag.load(Ordering::SeqCst) {
                    (
                        axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                        "receiver down: database is locked",
                    )
                } else {
                    (axum::http::StatusCode::NO_CONTENT, "")
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/hook"), failing)
}

/// One attempt, then the dead letter: a failure is final at once and replay is the way on.
pub(crate) fn one_attempt_config() -> String {
    config(
        "retry_delays_ms = [0]\n[[ingest]]\nname = \"shop\"\nkind = \"token\"\nsecret = \"shop-token-0123456789\"\nevent_type = \"shop.order\"\n",
    )
}

/// A gateway with endpoint `crm` behind a failing receiver and one event published to it.
async fn failing_setup() -> (Server, Arc<AtomicBool>, String, String) {
    let (url, failing) = flaky_receiver().await;
    let server = Server::start(Some(&one_attempt_config()));
    let admin = Admin::new(&server);
    let ep = admin
        .create(json!({"name": "crm", "url": url, "description": "the CRM sync"}))
        .await;
    let message = admin.publish(7).await;
    (
        server,
        failing,
        ep["id"].as_str().unwrap().to_owned(),
        message,
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_receiver_turns_its_endpoint_red_and_the_attempt_shows_status_and_excerpt() {
    let (server, _failing, _, message) = failing_setup().await;
    let Some(b) = browser(&server).await else {
        return;
    };
    b.sign_in().await;
    b.until_text(
        "/ui/endpoints",
        "tr[data-name=crm] .badge.bad",
        "failing since",
    )
    .await;
    b.screenshot("endpoints").await;
    b.until_text("/ui", "#failing tr[data-name=crm] .badge", "failing since")
        .await;
    b.find("#dead a").await;
    b.screenshot("overview").await;

    b.open(&format!("/ui/messages/{message}")).await;
    assert_eq!(
        b.text(".delivery[data-endpoint=crm] .delivery-status")
            .await,
        "dead_letter"
    );
    assert_eq!(
        b.text(".delivery[data-endpoint=crm] .attempt-status").await,
        "500"
    );
    assert_eq!(
        b.text(".delivery[data-endpoint=crm] .excerpt").await,
        "receiver down: database is locked"
    );
    assert!(b.text("#payload").await.contains("\"i\": 7"));
    b.screenshot("message").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn after_the_receiver_is_fixed_a_replay_delivers_and_the_endpoint_turns_green() {
    let (server, failing, endpoint, message) = failing_setup().await;
    let Some(b) = browser(&server).await else {
        return;
    };
    b.sign_in().await;
    b.until_text("/ui/messages?status=dead_letter", "#messages a", &message)
        .await;
    b.screenshot("messages").await;

    failing.store(false, Ordering::SeqCst);
    b.open(&format!("/ui/messages/{message}")).await;
    b.click(".delivery[data-endpoint=crm] .replay-one").await;
    assert!(b.text("#notice").await.contains("1 new deliveries"));
    // No reload: the page's script refreshes the deliveries until the new one is delivered.
    b.until_live(".delivery[data-endpoint=crm] .delivery-status", "delivered")
        .await;
    b.until_text(&format!("/ui/endpoints/{endpoint}"), "#state", "enabled")
        .await;
    assert!(b.c().find(Locator::Css("#state.ok")).await.is_ok());
    b.screenshot("endpoint").await;

    // The list refreshes itself: a new failure shows without a reload.
    failing.store(true, Ordering::SeqCst);
    b.open("/ui/endpoints").await;
    assert_eq!(b.text("tr[data-name=crm] .badge").await, "enabled");
    Admin::new(&server).publish(8).await;
    b.until_live("tr[data-name=crm] .badge.bad", "failing since")
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_endpoint_is_created_with_its_secret_shown_once_and_then_edited() {
    let (url, _failing) = flaky_receiver().await;
    let server = Server::start(Some(&one_attempt_config()));
    let Some(b) = browser(&server).await else {
        return;
    };
    b.sign_in().await;
    b.open("/ui/endpoints").await;
    b.click("#new-endpoint").await;
    b.fill("#name", "billing").await;
    b.fill("#url", "ftp://billing.example/hook").await;
    b.click("#save").await;
    assert!(!b.text("#problem").await.is_empty());
    assert!(
        !b.text(".field[data-field=url] .field-error")
            .await
            .is_empty()
    );
    b.fill("#url", &url).await;
    b.fill("#events", "invoice.paid, invoice.failed").await;
    b.screenshot("endpoint-new").await;
    b.click("#save").await;
    assert!(b.text("#secret").await.starts_with("whsec_"));
    assert_eq!(b.text("#state").await, "enabled");

    b.click("#edit").await;
    b.fill("#description", "invoices to the billing service")
        .await;
    b.fill("#headers", "X-Team: billing").await;
    b.fill("#metadata", "owner: billing-team").await;
    b.fill("#rate_limit", "fast").await;
    b.click("#save").await;
    let error = b.text(".field[data-field=rate_limit] .field-error").await;
    assert!(error.contains("whole number"), "{error}");
    b.screenshot("endpoint-edit").await;
    b.fill("#rate_limit", "20").await;
    b.click("#save").await;
    assert_eq!(b.text("#notice").await, "Saved.");
    assert_eq!(
        b.text("#description").await,
        "invoices to the billing service"
    );
    assert!(
        b.c().find(Locator::Css("#secret")).await.is_err(),
        "the secret is shown once only"
    );

    b.click("#disable").await;
    // `#state` is on the page before and after the form posts: wait for the new one.
    b.until_live("#state", "disabled").await;
    let listed = Admin::new(&server).get("/admin/endpoints").await;
    assert_eq!(
        listed["data"][0]["description"],
        "invoices to the billing service"
    );
    assert_eq!(
        listed["data"][0]["events"],
        json!(["invoice.paid", "invoice.failed"])
    );
    assert_eq!(listed["data"][0]["enabled"], false);
    assert_eq!(listed["data"][0]["headers"], json!(["X-Team"]));
    assert_eq!(
        listed["data"][0]["metadata"],
        json!({"owner": "billing-team"})
    );
    assert_eq!(listed["data"][0]["rate_limit"], 20);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bulk_replay_started_from_the_messages_page_shows_its_progress_until_done() {
    let (url, failing) = flaky_receiver().await;
    let server = Server::start(Some(&one_attempt_config()));
    let admin = Admin::new(&server);
    admin.create(json!({"name": "crm", "url": url})).await;
    for i in 0..3 {
        admin.publish(i).await;
    }
    let Some(b) = browser(&server).await else {
        return;
    };
    b.sign_in().await;
    let listing = "/ui/messages?event_type=tick&status=dead_letter";
    let started = Instant::now();
    loop {
        b.open(listing).await;
        if b.texts("#messages tbody tr").await.len() == 3 {
            break;
        }
        assert!(
            started.elapsed() < PATIENCE,
            "three dead letters never listed"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    failing.store(false, Ordering::SeqCst);
    b.click("#bulk-replay").await;
    // The form asks before it replays a whole search.
    let asked = Instant::now();
    while b.c().accept_alert().await.is_err() {
        assert!(asked.elapsed() < PATIENCE, "no confirmation was asked");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    b.until_live("#replay-state", "done").await;
    assert_eq!(b.text("#replay-messages").await, "3");
    assert_eq!(b.text("#replay-deliveries").await, "3");
    assert_eq!(b.text("#replay-failures").await, "0");
    b.screenshot("bulk-replay").await;
    b.until_text(listing, "#replays .badge", "done").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn calculate_on_the_tools_page_shows_a_field_error_then_a_result() {
    let server = Server::start(Some(&one_attempt_config()));
    let Some(b) = browser(&server).await else {
        return;
    };
    b.sign_in().await;
    b.open("/ui/tools").await;
    b.screenshot("tools").await;
    b.click("#tools a[href='/ui/tools/calculate']").await;
    b.click("#run").await;
    let error = b.text(".field[data-field=expression] .field-error").await;
    assert!(error.contains("expression"), "{error}");
    b.screenshot("tool-error").await;

    b.fill("#arg-expression", "(1 + 2) * 3^2").await;
    b.click("#run").await;
    assert!(b.text("#result").await.contains("27"));
    b.screenshot("tool").await;

    b.open("/ui/tool-calls").await;
    let outcomes = b.texts("#calls tbody tr").await;
    assert!(
        outcomes[0].contains("calculate")
            && outcomes[0].contains("console")
            && outcomes[0].contains("ok"),
        "{outcomes:?}"
    );
    assert!(outcomes[1].contains("invalid_arguments"), "{outcomes:?}");
    b.screenshot("tool-calls").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn after_signing_out_the_console_asks_for_the_key_again() {
    let server = Server::start(Some(&one_attempt_config()));
    let Some(b) = browser(&server).await else {
        return;
    };
    b.open("/ui/login").await;
    b.screenshot("sign-in").await;
    let hook = |token: &'static str| {
        crate::server::client()
            .post(server.url("/hooks/shop"))
            .bearer_auth(token)
            .json(&json!({"order": 42}))
            .send()
    };
    assert_eq!(hook("shop-token-0123456789").await.unwrap().status(), 202);
    assert_eq!(hook("a-wrong-token").await.unwrap().status(), 401);
    b.sign_in().await;
    b.open("/ui/ingest").await;
    let source = b.text(".source[data-source=shop]").await;
    assert!(source.contains("shop.order"), "{source}");
    assert_eq!(
        b.texts(".source[data-source=shop] .stats dd").await,
        ["1", "1", "0", "0"]
    );
    b.find(".source[data-source=shop] li a").await;
    b.screenshot("ingest").await;
    b.click("#sign-out").await;
    b.find("#sign-in").await;
    b.open("/ui/endpoints").await;
    b.find("#sign-in").await;
    assert!(b.c().find(Locator::Css("#sign-out")).await.is_err());
}

#[tokio::test(flavor = "multi_thread")]
async fn in_a_narrow_dark_window_the_pages_fit_and_are_dark() {
    let (server, _failing, endpoint, message) = failing_setup().await;
    let narrow = Window {
        width: 400,
        height: 860,
        dark: true,
    };
    let Some(b) = browser_in(&server, narrow).await else {
        return;
    };
    b.sign_in().await;
    for path in [
        "/ui".to_owned(),
        "/ui/endpoints".to_owned(),
        format!("/ui/endpoints/{endpoint}"),
        format!("/ui/endpoints/{endpoint}/edit"),
        "/ui/messages".to_owned(),
        format!("/ui/messages/{message}"),
    ] {
        b.open(&path).await;
        let body = b.find("body").await;
        let background = body.css_value("background-color").await.unwrap();
        assert_eq!(
            background, "rgba(21, 23, 27, 1)",
            "{path}: not the dark background"
        );
        let widths = b
            .c()
            .execute(
                "return [document.documentElement.scrollWidth, document.documentElement.clientWidth];",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(
            widths[0], widths[1],
            "{path}: the page scrolls sideways ({widths})"
        );
    }
    b.until_text("/ui", "#failing tr[data-name=crm] .badge", "failing since")
        .await;
    b.screenshot("overview-narrow-dark").await;
}
