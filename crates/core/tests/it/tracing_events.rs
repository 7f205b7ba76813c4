//! Retries are visible in tracing, with the URL redacted.

use std::{
    fmt::{Debug, Write as _},
    sync::{Arc, Mutex},
};

use tracing::{
    Event, Metadata, Subscriber,
    field::{Field, Visit},
    span,
};

use crate::{
    Recorder, builder,
    server::{Reply, TestServer},
};

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<String>>>);

struct Line(String);

impl Visit for Line {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        let _ = write!(self.0, "{}={:?} ", field.name(), value);
    }
}

impl Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &span::Attributes<'_>) -> span::Id {
        span::Id::from_u64(1)
    }
    fn record(&self, _: &span::Id, _: &span::Record<'_>) {}
    fn record_follows_from(&self, _: &span::Id, _: &span::Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut line = Line(format!("{} ", event.metadata().level()));
        event.record(&mut line);
        self.0.lock().unwrap().push(line.0);
    }
    fn enter(&self, _: &span::Id) {}
    fn exit(&self, _: &span::Id) {}
}

#[tokio::test]
async fn each_retry_is_a_warn_event_with_attempt_delay_and_redacted_url() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    let srv = TestServer::start().await;
    srv.plan("/flaky", [Reply::status(503), Reply::Reset]);
    let rec = Recorder::default();
    let client = builder(&rec).build().unwrap();
    let res = client
        .get(&format!("{}?api_key=very-secret", srv.url("/flaky")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let lines = capture.0.lock().unwrap().clone();
    let retries: Vec<_> = lines.iter().filter(|l| l.contains("retrying")).collect();
    assert_eq!(retries.len(), 2, "{lines:#?}");
    assert!(
        retries[0].starts_with("WARN") && retries[0].contains("attempt=1"),
        "{retries:?}"
    );
    assert!(
        retries[0].contains("delay_ms=100") && retries[0].contains("status=503"),
        "{retries:?}"
    );
    assert!(
        retries[1].contains("attempt=2") && retries[1].contains("delay_ms=200"),
        "{retries:?}"
    );
    assert!(
        retries.iter().all(|l| l.contains("api_key=REDACTED")),
        "{retries:?}"
    );
    assert!(
        !lines.iter().any(|l| l.contains("very-secret")),
        "{lines:#?}"
    );
}
