//! Counters and histograms for `/metrics`, rendered in the Prometheus text format (0.0.4).
//!
//! [`Metrics`] is also the webhook manager's [`DeliveryObserver`]: every finished delivery
//! attempt is counted by endpoint and outcome and its durations go into histograms. The queue
//! depth is read from the store at scrape time.

use std::collections::{BTreeMap, VecDeque};
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use switchboard::webhooks::delivery::{AttemptReport, DeliveryObserver, QueueDepth};

/// Rejection reasons kept per ingest source.
pub const REJECTIONS_KEPT: usize = 5;

/// Upper bounds (seconds) of the latency histograms' buckets.
const BUCKETS: [f64; 14] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0,
];

/// A fixed-bucket histogram of durations.
#[derive(Debug, Default)]
struct Histogram {
    /// Per bucket (not cumulative); the last slot is `+Inf`.
    counts: [AtomicU64; BUCKETS.len() + 1],
    /// Sum in microseconds.
    sum_micros: AtomicU64,
}

impl Histogram {
    fn observe(&self, d: Duration) {
        let secs = d.as_secs_f64();
        let slot = BUCKETS
            .iter()
            .position(|b| secs <= *b)
            .unwrap_or(BUCKETS.len());
        self.counts[slot].fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        self.sum_micros.fetch_add(micros, Ordering::Relaxed);
    }

    fn render(&self, out: &mut String, name: &str, help: &str) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
        let mut cumulative = 0;
        for (i, bound) in BUCKETS.iter().enumerate() {
            cumulative += self.counts[i].load(Ordering::Relaxed);
            let _ = writeln!(out, "{name}_bucket{{le=\"{bound}\"}} {cumulative}");
        }
        cumulative += self.counts[BUCKETS.len()].load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {cumulative}");
        let sum = self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "{name}_sum {sum}\n{name}_count {cumulative}");
    }
}

/// Request, tool-call, ingest and delivery metrics, shared by every route.
#[derive(Debug, Default)]
pub struct Metrics {
    /// route → status → count.
    requests: Mutex<BTreeMap<String, BTreeMap<u16, u64>>>,
    /// tool → outcome → count.
    tool_calls: Mutex<BTreeMap<String, BTreeMap<&'static str, u64>>>,
    /// caller class (`anonymous`, `token`, `user`) → outcome → count.
    calls_by_caller: Mutex<BTreeMap<String, BTreeMap<&'static str, u64>>>,
    /// Audit rows dropped because the writer's queue was full.
    audit_dropped_queue_full: AtomicU64,
    /// Audit rows lost because the store failed to insert their batch.
    audit_dropped_store_error: AtomicU64,
    /// tool → (seconds, calls).
    tool_seconds: Mutex<BTreeMap<String, (f64, u64)>>,
    /// source → outcome → count.
    ingest: Mutex<BTreeMap<String, BTreeMap<&'static str, u64>>>,
    /// Why the latest ingest requests of each source were rejected, newest last.
    ingest_rejections: Mutex<BTreeMap<String, VecDeque<(SystemTime, String)>>>,
    /// endpoint → outcome → count.
    deliveries: Mutex<BTreeMap<String, BTreeMap<&'static str, u64>>>,
    /// HTTP duration of every delivery attempt.
    attempt_seconds: Histogram,
    /// From `trigger_event` to the end of the first attempt.
    first_attempt_latency: Histogram,
}

/// Adds one to `map[key][label]`, allocating the key only the first time it is seen.
fn bump<L: Ord>(map: &Mutex<BTreeMap<String, BTreeMap<L, u64>>>, key: &str, label: L) {
    if let Ok(mut m) = map.lock() {
        match m.get_mut(key) {
            Some(inner) => *inner.entry(label).or_default() += 1,
            None => {
                m.insert(key.to_owned(), BTreeMap::from([(label, 1)]));
            }
        }
    }
}

impl Metrics {
    /// Counts one HTTP request by route template and status.
    pub fn request(&self, route: &str, status: u16) {
        bump(&self.requests, route, status);
    }

    /// Counts one tool call by tool and outcome (`ok` or the error kind), with its duration.
    pub fn tool_call(&self, tool: &str, outcome: &'static str, seconds: f64) {
        bump(&self.tool_calls, tool, outcome);
        if let Ok(mut m) = self.tool_seconds.lock() {
            let e = match m.get_mut(tool) {
                Some(e) => e,
                None => m.entry(tool.to_owned()).or_default(),
            };
            e.0 += seconds;
            e.1 += 1;
        }
    }

    /// Counts one tool call refused before it ran, by tool and why (`forbidden`,
    /// `rate_limited`, `too_many_concurrent_calls`); it took no time worth measuring.
    pub fn tool_refused(&self, tool: &str, outcome: &'static str) {
        bump(&self.tool_calls, tool, outcome);
    }

    /// Counts one tool call by the class of its caller (`anonymous`, `token` or `user`: never
    /// who) and its outcome (as the audit trail records it).
    pub fn call_by_caller(&self, caller_class: &'static str, outcome: &'static str) {
        bump(&self.calls_by_caller, caller_class, outcome);
    }

    /// Counts one audit row dropped at a full queue; returns how many so far.
    pub fn audit_dropped(&self) -> u64 {
        self.audit_dropped_queue_full
            .fetch_add(1, Ordering::Relaxed)
            + 1
    }

    /// Counts `rows` audit rows lost to a failed insert.
    pub fn audit_failed(&self, rows: usize) {
        self.audit_dropped_store_error
            .fetch_add(rows as u64, Ordering::Relaxed);
    }

    /// Counts one ingest request by source and outcome (`accepted`, `rejected`, `duplicate`,
    /// `error`).
    pub fn ingest(&self, source: &str, outcome: &'static str) {
        bump(&self.ingest, source, outcome);
    }

    /// Counts one rejected ingest request of `source` and keeps why: the last
    /// [`REJECTIONS_KEPT`] per source, for the console. A reason names what failed (a header,
    /// the timestamp, the size), never a value the request carried.
    pub fn ingest_rejected(&self, source: &str, reason: String, at: SystemTime) {
        self.ingest(source, "rejected");
        if let Ok(mut m) = self.ingest_rejections.lock() {
            let kept = m.entry(source.to_owned()).or_default();
            if kept.len() == REJECTIONS_KEPT {
                kept.pop_front();
            }
            kept.push_back((at, reason));
        }
    }

    /// Why the latest ingest requests of `source` were rejected, newest first.
    pub fn ingest_rejections(&self, source: &str) -> Vec<(SystemTime, String)> {
        self.ingest_rejections
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(source)
            .map(|kept| kept.iter().rev().cloned().collect())
            .unwrap_or_default()
    }

    /// The ingest requests of `source` counted since start, by outcome.
    pub fn ingest_counts(&self, source: &str) -> BTreeMap<&'static str, u64> {
        self.ingest
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(source)
            .cloned()
            .unwrap_or_default()
    }

    /// The text exposition; `queue` is the delivery backlog read from the store (absent when
    /// the webhook side is not running or the store did not answer).
    pub fn render(&self, queue: Option<&QueueDepth>) -> String {
        let mut out = String::new();
        counter(
            &mut out,
            "switchboard_http_requests_total",
            "HTTP requests by route and status.",
            ("route", "status"),
            &self.requests,
        );
        counter(
            &mut out,
            "switchboard_tool_calls_total",
            "Tool calls by tool and outcome.",
            ("tool", "outcome"),
            &self.tool_calls,
        );
        counter(
            &mut out,
            "switchboard_tool_calls_by_caller_total",
            "Tool calls by caller class (anonymous, token, user) and outcome.",
            ("caller_class", "outcome"),
            &self.calls_by_caller,
        );
        let _ = writeln!(
            out,
            "# HELP switchboard_audit_dropped_total Audit rows not stored, by reason.\n\
             # TYPE switchboard_audit_dropped_total counter\n\
             switchboard_audit_dropped_total{{reason=\"queue_full\"}} {}\n\
             switchboard_audit_dropped_total{{reason=\"store_error\"}} {}",
            self.audit_dropped_queue_full.load(Ordering::Relaxed),
            self.audit_dropped_store_error.load(Ordering::Relaxed),
        );
        out.push_str("# HELP switchboard_tool_call_seconds Time spent in tool calls.\n# TYPE switchboard_tool_call_seconds summary\n");
        if let Ok(m) = self.tool_seconds.lock() {
            for (tool, (sum, count)) in m.iter() {
                let tool = escape(tool);
                let _ = writeln!(
                    out,
                    "switchboard_tool_call_seconds_sum{{tool=\"{tool}\"}} {sum}\nswitchboard_tool_call_seconds_count{{tool=\"{tool}\"}} {count}"
                );
            }
        }
        counter(
            &mut out,
            "switchboard_ingest_requests_total",
            "Incoming webhook requests by source and outcome.",
            ("source", "outcome"),
            &self.ingest,
        );
        counter(
            &mut out,
            "switchboard_delivery_attempts_total",
            "Outgoing webhook delivery attempts by endpoint and outcome (delivered, retrying, dead_lettered, endpoint_disabled, not_recorded).",
            ("endpoint", "outcome"),
            &self.deliveries,
        );
        self.attempt_seconds.render(
            &mut out,
            "switchboard_delivery_attempt_seconds",
            "HTTP duration of outgoing webhook delivery attempts.",
        );
        self.first_attempt_latency.render(
            &mut out,
            "switchboard_delivery_latency_seconds",
            "From the event's publication to the end of its first delivery attempt.",
        );
        if let Some(q) = queue {
            out.push_str("# HELP switchboard_delivery_queue Unfinished outgoing deliveries by state, across every node sharing the store.\n# TYPE switchboard_delivery_queue gauge\n");
            for (state, n) in [
                ("due", q.due),
                ("scheduled", q.scheduled),
                ("in_flight", q.in_flight),
                ("paused", q.paused),
            ] {
                let _ = writeln!(out, "switchboard_delivery_queue{{state=\"{state}\"}} {n}");
            }
        }
        out
    }
}

impl DeliveryObserver for Metrics {
    fn attempt_finished(&self, report: &AttemptReport<'_>) {
        bump(
            &self.deliveries,
            report.endpoint_name,
            report.outcome.as_str(),
        );
        self.attempt_seconds.observe(report.http_duration);
        if report.attempt == 1 {
            self.first_attempt_latency.observe(report.since_created);
        }
    }
}

/// Renders a two-label counter family.
fn counter<L: Ord + std::fmt::Display>(
    out: &mut String,
    name: &str,
    help: &str,
    (key_label, label): (&str, &str),
    map: &Mutex<BTreeMap<String, BTreeMap<L, u64>>>,
) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
    if let Ok(m) = map.lock() {
        for (key, inner) in m.iter() {
            let key = escape(key);
            for (value, n) in inner {
                let _ = writeln!(
                    out,
                    "{name}{{{key_label}=\"{key}\",{label}=\"{value}\"}} {n}"
                );
            }
        }
    }
}

fn escape(label: &str) -> String {
    label
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters() {
        let m = Metrics::default();
        m.request("/tools/{name}", 200);
        m.request("/tools/{name}", 200);
        m.tool_call("calculate", "ok", 0.5);
        m.tool_call("calculate", "invalid_arguments", 0.25);
        let text = m.render(None);
        assert!(text.contains(
            "switchboard_http_requests_total{route=\"/tools/{name}\",status=\"200\"} 2\n"
        ));
        assert!(
            text.contains("switchboard_tool_calls_total{tool=\"calculate\",outcome=\"ok\"} 1\n")
        );
        assert!(text.contains("switchboard_tool_call_seconds_sum{tool=\"calculate\"} 0.75\n"));
        assert!(text.contains("switchboard_tool_call_seconds_count{tool=\"calculate\"} 2\n"));
        assert!(!text.contains("switchboard_delivery_queue{"));
    }

    #[test]
    fn calls_are_counted_by_caller_class_and_dropped_audit_rows_by_reason() {
        let m = Metrics::default();
        m.call_by_caller("user", "ok");
        m.call_by_caller("user", "ok");
        m.call_by_caller("anonymous", "refused_policy");
        assert_eq!(m.audit_dropped(), 1);
        m.audit_failed(3);
        let text = m.render(None);
        assert!(text.contains(
            "switchboard_tool_calls_by_caller_total{caller_class=\"user\",outcome=\"ok\"} 2\n"
        ));
        assert!(text.contains(
            "switchboard_tool_calls_by_caller_total{caller_class=\"anonymous\",outcome=\"refused_policy\"} 1\n"
        ));
        assert!(text.contains("switchboard_audit_dropped_total{reason=\"queue_full\"} 1\n"));
        assert!(text.contains("switchboard_audit_dropped_total{reason=\"store_error\"} 3\n"));
    }

    #[test]
    fn histogram_buckets_are_cumulative() {
        let h = Histogram::default();
        h.observe(Duration::from_millis(3));
        h.observe(Duration::from_millis(40));
        h.observe(Duration::from_secs(1000));
        let mut out = String::new();
        h.render(&mut out, "x", "help");
        assert!(out.contains("x_bucket{le=\"0.005\"} 1\n"), "{out}");
        assert!(out.contains("x_bucket{le=\"0.05\"} 2\n"), "{out}");
        assert!(out.contains("x_bucket{le=\"300\"} 2\n"), "{out}");
        assert!(out.contains("x_bucket{le=\"+Inf\"} 3\n"), "{out}");
        assert!(out.contains("x_count 3\n"), "{out}");
        assert!(out.contains("x_sum 1000.043\n"), "{out}");
    }

    #[test]
    fn queue_gauge() {
        let text = Metrics::default().render(Some(&QueueDepth::new(3, 2, 1, 0)));
        assert!(text.contains("switchboard_delivery_queue{state=\"due\"} 3\n"));
        assert!(text.contains("switchboard_delivery_queue{state=\"paused\"} 0\n"));
    }
}
