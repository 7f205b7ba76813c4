//! Counters for `/metrics`, rendered in the Prometheus text format (0.0.4).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;

/// Request and tool-call counters, shared by every route.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, u16), u64>>,
    tool_calls: Mutex<BTreeMap<(String, &'static str), u64>>,
    tool_seconds: Mutex<BTreeMap<String, (f64, u64)>>,
    ingest: Mutex<BTreeMap<(String, &'static str), u64>>,
}

/// Values read from the delivery store at scrape time.
#[derive(Debug, Default)]
pub struct DeliveryGauges {
    /// Deliveries by status (`pending`, `in_flight`, `dead_letter`).
    pub by_status: Vec<(String, u64)>,
}

impl Metrics {
    /// Counts one HTTP request by route template and status.
    pub fn request(&self, route: &str, status: u16) {
        if let Ok(mut m) = self.requests.lock() {
            *m.entry((route.to_owned(), status)).or_default() += 1;
        }
    }

    /// Counts one tool call by tool and outcome (`ok` or the error kind), with its duration.
    pub fn tool_call(&self, tool: &str, outcome: &'static str, seconds: f64) {
        if let Ok(mut m) = self.tool_calls.lock() {
            *m.entry((tool.to_owned(), outcome)).or_default() += 1;
        }
        if let Ok(mut m) = self.tool_seconds.lock() {
            let e = m.entry(tool.to_owned()).or_default();
            e.0 += seconds;
            e.1 += 1;
        }
    }

    /// Counts one ingest request by source and outcome (`accepted`, `rejected`, `error`).
    pub fn ingest(&self, source: &str, outcome: &'static str) {
        if let Ok(mut m) = self.ingest.lock() {
            *m.entry((source.to_owned(), outcome)).or_default() += 1;
        }
    }

    /// The text exposition.
    pub fn render(&self, deliveries: Option<&DeliveryGauges>) -> String {
        let mut out = String::new();
        out.push_str("# HELP switchboard_http_requests_total HTTP requests by route and status.\n# TYPE switchboard_http_requests_total counter\n");
        if let Ok(m) = self.requests.lock() {
            for ((route, status), n) in m.iter() {
                let _ = writeln!(
                    out,
                    "switchboard_http_requests_total{{route=\"{}\",status=\"{status}\"}} {n}",
                    escape(route)
                );
            }
        }
        out.push_str("# HELP switchboard_tool_calls_total Tool calls by tool and outcome.\n# TYPE switchboard_tool_calls_total counter\n");
        if let Ok(m) = self.tool_calls.lock() {
            for ((tool, outcome), n) in m.iter() {
                let _ = writeln!(
                    out,
                    "switchboard_tool_calls_total{{tool=\"{}\",outcome=\"{outcome}\"}} {n}",
                    escape(tool)
                );
            }
        }
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
        out.push_str("# HELP switchboard_ingest_requests_total Incoming webhook requests by source and outcome.\n# TYPE switchboard_ingest_requests_total counter\n");
        if let Ok(m) = self.ingest.lock() {
            for ((source, outcome), n) in m.iter() {
                let _ = writeln!(
                    out,
                    "switchboard_ingest_requests_total{{source=\"{}\",outcome=\"{outcome}\"}} {n}",
                    escape(source)
                );
            }
        }
        if let Some(d) = deliveries {
            out.push_str("# HELP switchboard_deliveries Outgoing webhook deliveries waiting or failed, by status (counted up to 10000 each).\n# TYPE switchboard_deliveries gauge\n");
            for (status, n) in &d.by_status {
                let _ = writeln!(
                    out,
                    "switchboard_deliveries{{status=\"{}\"}} {n}",
                    escape(status)
                );
            }
        }
        out
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
    }
}
