//! Each call runs in a `tool_call` span carrying the tool, the call id and the outcome.
//!
//! A binary of its own: tracing caches callsite interest process-wide, so a scoped subscriber
//! racing with other tests' calls could miss spans.
#![allow(clippy::unwrap_used)]

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use schemars::JsonSchema;
use serde::Deserialize;
use switchboard_functions::{ToolCall, ToolRegistry};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// Arguments of `echo`.
#[derive(Deserialize, JsonSchema)]
struct EchoArgs {
    /// What to echo.
    text: String,
}

fn registry() -> ToolRegistry {
    let r = ToolRegistry::new();
    r.register_fn("echo", "Echoes.", |a: EchoArgs| async move {
        Ok::<_, String>(a.text)
    })
    .unwrap();
    r
}

/// A span's recorded `(field, value)` pairs.
type SpanFields = Vec<(String, String)>;

/// Records the fields of every `tool_call` span.
#[derive(Default, Clone)]
struct Capture {
    spans: Arc<Mutex<Vec<(u64, SpanFields)>>>,
    next: Arc<AtomicU64>,
}

struct Fields<'a>(&'a mut SpanFields);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.push((field.name().to_owned(), format!("{value:?}")));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.push((field.name().to_owned(), value.to_owned()));
    }
}

impl Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let id = self.next.fetch_add(1, Ordering::SeqCst) + 1;
        if span.metadata().name() == "tool_call" {
            let mut fields = Vec::new();
            span.record(&mut Fields(&mut fields));
            self.spans.lock().unwrap().push((id, fields));
        }
        Id::from_u64(id)
    }
    fn record(&self, span: &Id, values: &Record<'_>) {
        let mut spans = self.spans.lock().unwrap();
        if let Some((_, fields)) = spans.iter_mut().find(|(id, _)| *id == span.into_u64()) {
            values.record(&mut Fields(fields));
        }
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, _: &Event<'_>) {}
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

#[tokio::test]
async fn one_span_per_call_with_outcome() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    let r = registry();
    r.call_many(vec![
        ToolCall::new("echo", r#"{"text": "hi"}"#).with_id("t1"),
        ToolCall::new("echo", "{}").with_id("t2"),
    ])
    .await;
    let spans = capture.spans.lock().unwrap().clone();
    let fields: Vec<SpanFields> = spans.into_iter().map(|(_, f)| f).collect();
    let get = |f: &SpanFields, k: &str| f.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    assert_eq!(fields.len(), 2);
    assert_eq!(get(&fields[0], "tool").as_deref(), Some("echo"));
    assert_eq!(get(&fields[0], "call_id").as_deref(), Some("t1"));
    assert_eq!(get(&fields[0], "outcome").as_deref(), Some("success"));
    assert_eq!(get(&fields[1], "tool").as_deref(), Some("echo"));
    assert_eq!(
        get(&fields[1], "outcome").as_deref(),
        Some("invalid_arguments")
    );
}
