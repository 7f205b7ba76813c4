//! `switchboard serve`: logging, the listener, the router, and graceful shutdown.

use std::future::Future;
use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::serve::ListenerExt;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tracing_subscriber::Layer;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use crate::audit::{Audit, AuditStore};
use crate::config::{LogFormat, Settings};
use crate::http::metrics::Metrics;
use crate::http::{AppState, router};
use crate::tools::build_registry;

/// How long in-flight requests may take to finish after a shutdown signal.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Installs the global log subscriber (stderr, text or JSON lines). Text is coloured only on a
/// terminal: escape codes are noise in a log file or journal, and styling every span's fields
/// (each tool call opens one) costs more than the rest of the span.
pub fn init_logging(settings: &Settings) {
    let filter: Targets = settings
        .log_level
        .parse()
        .unwrap_or_else(|_| Targets::new().with_default(tracing::Level::INFO));
    let layer = match settings.log_format {
        LogFormat::Text => tracing_subscriber::fmt::layer()
            .with_ansi(std::io::stderr().is_terminal())
            .with_writer(std::io::stderr)
            .with_filter(filter)
            .boxed(),
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .json()
            .with_writer(std::io::stderr)
            .with_filter(filter)
            .boxed(),
    };
    // A second initialisation (tests) keeps the first subscriber.
    let _ = tracing_subscriber::registry().with(layer).try_init();
}

/// Runs the gateway until SIGINT/SIGTERM, then stops accepting, lets in-flight requests finish
/// (up to [`SHUTDOWN_GRACE`]), writes the audit rows still queued, stops the delivery workers
/// (releasing their leases) and returns.
///
/// Prints `switchboard listening on http://ADDR` on stdout once the socket is bound (with the
/// real port when `listen` asks for port 0).
///
/// # Errors
/// A [`ConfigError`](crate::config::ConfigError) when the settings would expose tools without
/// a token ([`Settings::check_exposure`]) or a token names a tool not offered; otherwise the
/// registry could not be built or the address could not be bound.
pub async fn serve(settings: Settings) -> anyhow::Result<()> {
    for deprecation in &settings.deprecations {
        tracing::warn!("config: {deprecation}");
    }
    // Before anything starts: every way to run the gateway gets the same refusal.
    settings.check_exposure()?;
    let registry = build_registry(&settings).await?;
    settings.check_against_tools(&registry.definitions())?;
    let metrics = Arc::new(Metrics::default());
    let (webhooks, generated_key) = crate::webhooks::start(&settings, metrics.clone()).await?;
    let mut state = AppState::new(&settings, registry)
        .with_metrics(metrics)
        .with_webhooks(webhooks);
    if settings.audit.enabled {
        let store = AuditStore::open(&settings).await?;
        let audit = Audit::start(
            store,
            state.registry.clone(),
            &settings.audit,
            state.metrics.clone(),
        )?;
        state = state.with_audit(Arc::new(audit));
    }
    let audit = state.audit.clone();
    let shutdown = CancellationToken::new();
    let webhooks = state.webhooks.clone();
    let app = router(&settings, state, shutdown.child_token());
    let listener = TcpListener::bind(settings.listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", settings.listen))?;
    let addr = listener.local_addr()?;
    // Registered before the line that says the gateway is up: a SIGTERM right after it must
    // take the graceful path below, not the signal's default action.
    let signals = ShutdownSignals::register()?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "switchboard listening on http://{addr}")?;
        if let Some(key) = &generated_key {
            writeln!(
                out,
                "admin API key (shown once; only its hash is stored in {}): {key}",
                settings.admin_key_file.display()
            )?;
        }
        out.flush()?;
    }
    tracing::info!(%addr, tools = ?settings.tools, "gateway started");
    let signal = shutdown.clone();
    tokio::spawn(async move {
        signals.wait().await;
        tracing::info!("shutdown signal received; finishing in-flight requests");
        signal.cancel();
    });
    let graceful = shutdown.clone();
    let server = tokio::spawn(serve_http(listener, app, async move {
        graceful.cancelled().await;
    }));
    shutdown.cancelled().await;
    match tokio::time::timeout(SHUTDOWN_GRACE, server).await {
        Ok(Ok(Ok(()))) => tracing::info!("stopped"),
        Ok(Ok(Err(e))) => return Err(e.into()),
        Ok(Err(e)) => return Err(anyhow::anyhow!("server task failed: {e}")),
        Err(_) => tracing::warn!(
            "in-flight requests did not finish within {}s; stopping anyway",
            SHUTDOWN_GRACE.as_secs()
        ),
    }
    if let Some(audit) = audit {
        // Every call that finished is in the store before the process exits.
        audit.flush().await;
    }
    if let Some(w) = webhooks {
        // Finish in-flight deliveries and release leases; unfinished ones are retried later.
        w.manager.shutdown(SHUTDOWN_GRACE).await;
    }
    Ok(())
}

/// Serves `app` on `listener` until `shutdown` completes, then lets in-flight requests finish.
///
/// This is the whole HTTP server of `switchboard serve` (the benches call it too, so they
/// measure what ships): every accepted socket gets `TCP_NODELAY`, because responses go out in
/// several writes (headers, SSE frames) and Nagle's algorithm would otherwise hold the last one
/// until the client's delayed ACK, ~40 ms per call on a keep-alive connection.
///
/// # Errors
/// Accepting or serving failed.
pub async fn serve_http(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY on an accepted connection");
        }
    });
    // Each request carries its peer's address (`ConnectInfo`): the console's sign-in limiter
    // counts failures per address.
    let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

/// SIGTERM and SIGINT (Ctrl-C elsewhere), registered with the runtime when created, so a signal
/// is caught from then on even before anything waits for it.
struct ShutdownSignals {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
}

impl ShutdownSignals {
    fn register() -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Self {
                term: signal(SignalKind::terminate())?,
                interrupt: signal(SignalKind::interrupt())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Self {})
    }

    /// Waits for the first of them.
    async fn wait(mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.term.recv() => {}
            _ = self.interrupt.recv() => {}
        }
        #[cfg(not(unix))]
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}
