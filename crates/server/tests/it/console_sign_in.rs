//! The console's sign-in limiter at the HTTP level: the gateway's router served in-process on
//! loopback (as `switchboard serve` serves it, with peer addresses) with its console clock
//! injected, so windows pass without sleeping. Clients come from different loopback addresses
//! (`127.0.0.N`), which Linux routes to the listener on `127.0.0.1`.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::header::{CONTENT_TYPE, ORIGIN, RETRY_AFTER};
use switchboard::functions::ToolRegistry;
use switchboard_server::config::Settings;
use switchboard_server::http::metrics::Metrics;
use switchboard_server::http::{AppState, router};
use tokio_util::sync::CancellationToken;

use crate::console::{KEY, form};
use crate::endpoints::config;

/// Failed sign-ins one address may make in a window (the gateway's `PER_ADDRESS`).
const PER_ADDRESS: u8 = 5;

/// Failed sign-ins all addresses may make in a window (the gateway's `GLOBAL`).
const GLOBAL: u8 = 50;

/// The limiter's window (the gateway's `WINDOW`).
const WINDOW: Duration = Duration::from_secs(15 * 60);

/// An in-process gateway with a hand-turned console clock; stops when dropped.
struct Gateway {
    base: String,
    now: Arc<Mutex<Instant>>,
    shutdown: CancellationToken,
    _dir: tempfile::TempDir,
}

impl Drop for Gateway {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

impl Gateway {
    async fn start() -> Gateway {
        let dir = tempfile::tempdir().unwrap();
        let mut settings = Settings::parse(&config(""), &|_| None).unwrap();
        settings.sqlite = dir.path().join("switchboard.db");
        settings.admin_key_file = dir.path().join("admin.key");
        let metrics = Arc::new(Metrics::default());
        let (webhooks, _) = switchboard_server::webhooks::start(&settings, metrics.clone())
            .await
            .unwrap();
        let now = Arc::new(Mutex::new(Instant::now()));
        let read = now.clone();
        let state = AppState::new(&settings, ToolRegistry::new())
            .with_metrics(metrics)
            .with_webhooks(webhooks)
            .with_console_clock(Arc::new(move || *read.lock().unwrap()));
        let shutdown = CancellationToken::new();
        let app = router(&settings, state, shutdown.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let stop = shutdown.clone();
        tokio::spawn(switchboard_server::serve::serve_http(
            listener,
            app,
            async move { stop.cancelled().await },
        ));
        Gateway {
            base,
            now,
            shutdown,
            _dir: dir,
        }
    }

    fn advance(&self, by: Duration) {
        *self.now.lock().unwrap() += by;
    }

    /// Signs in with `key` from `127.0.0.{host}`: the status, `Retry-After`, and the page.
    async fn sign_in(&self, host: u8, key: &str) -> (u16, Option<String>, String) {
        let client = reqwest::Client::builder()
            .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, host)))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let res = client
            .post(format!("{}/ui/login", self.base))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(ORIGIN, &self.base)
            .body(form(&[("key", key)]))
            .send()
            .await
            .unwrap();
        let retry = res
            .headers()
            .get(RETRY_AFTER)
            .map(|v| v.to_str().unwrap().to_owned());
        (res.status().as_u16(), retry, res.text().await.unwrap())
    }

    /// `PER_ADDRESS` wrong keys from `127.0.0.{host}`, each refused as wrong.
    async fn exhaust(&self, host: u8) {
        for _ in 0..PER_ADDRESS {
            assert_eq!(self.sign_in(host, "a-wrong-key").await.0, 401);
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn after_repeated_wrong_keys_an_address_is_answered_429_even_with_the_right_key() {
    let gw = Gateway::start().await;
    gw.exhaust(2).await;
    let (status, retry, page) = gw.sign_in(2, "a-wrong-key").await;
    assert_eq!(status, 429);
    assert_eq!(retry.as_deref(), Some("900"));
    assert!(
        page.contains("Too many failed sign-ins. Signing in is paused for 15 minutes"),
        "{page}"
    );
    let (status, retry, _) = gw.sign_in(2, KEY).await;
    assert_eq!(status, 429, "the right key is refused while limited");
    assert_eq!(retry.as_deref(), Some("900"));
}

#[tokio::test(flavor = "multi_thread")]
async fn after_the_window_the_address_may_sign_in_again() {
    let gw = Gateway::start().await;
    gw.exhaust(2).await;
    gw.advance(WINDOW - Duration::from_secs(60));
    let (status, retry, page) = gw.sign_in(2, KEY).await;
    assert_eq!((status, retry.as_deref()), (429, Some("60")));
    assert!(page.contains("paused for 1 minute;"), "{page}");
    gw.advance(Duration::from_secs(60));
    assert_eq!(gw.sign_in(2, KEY).await.0, 303);
}

#[tokio::test(flavor = "multi_thread")]
async fn another_address_is_not_limited_by_one_that_is() {
    let gw = Gateway::start().await;
    gw.exhaust(2).await;
    assert_eq!(gw.sign_in(2, KEY).await.0, 429);
    assert_eq!(gw.sign_in(3, "a-wrong-key").await.0, 401);
    assert_eq!(gw.sign_in(3, KEY).await.0, 303);
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_keys_spread_over_many_addresses_reach_the_global_cap() {
    let gw = Gateway::start().await;
    for host in 10..10 + GLOBAL / PER_ADDRESS {
        gw.exhaust(host).await;
    }
    let (status, retry, _) = gw.sign_in(200, KEY).await;
    assert_eq!(status, 429, "a fresh address is refused at the global cap");
    assert_eq!(retry.as_deref(), Some("900"));
    gw.advance(WINDOW);
    assert_eq!(gw.sign_in(200, KEY).await.0, 303);
}

#[tokio::test(flavor = "multi_thread")]
async fn successful_sign_ins_are_not_counted() {
    let gw = Gateway::start().await;
    for _ in 0..2 * PER_ADDRESS {
        assert_eq!(gw.sign_in(2, KEY).await.0, 303);
    }
    gw.exhaust(2).await;
    assert_eq!(gw.sign_in(2, KEY).await.0, 429);
}
