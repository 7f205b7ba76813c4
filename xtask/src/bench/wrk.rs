//! The `gateway` and `mcp` groups: `wrk` runs against the gateway and its peers.

use std::fmt::Write as _;

use super::criterion::{fmt_ns, parse_debug_duration};

/// How one wrk suite's table is laid out.
pub(super) struct WrkTable {
    /// The `<suite>` of `wrk <suite>/<server>: …`.
    suite: &'static str,
    /// Servers in table order, with the label shown.
    servers: &'static [(&'static str, &'static str)],
    /// The server every other is compared with (`vs <anchor>` column).
    anchor: &'static str,
    /// Extra ratios under the table: (label, numerator, denominator).
    ratios: &'static [(&'static str, &'static str, &'static str)],
    /// A server with an audit writer thread and the same server without: its CPU per request
    /// is split into the requests' own and the writer's, the first compared with the other's.
    split: Option<(&'static str, &'static str)>,
    /// What was measured, printed under the table.
    note: &'static str,
}

pub(super) const GATEWAY_TABLE: WrkTable = WrkTable {
    suite: "rest",
    servers: &[
        (
            "bare-axum",
            "bare axum (parses the JSON body, answers a fixed JSON value)",
        ),
        ("gateway", "`switchboard` gateway, `calculate`"),
        (
            "gateway-token",
            "the gateway with Open WebUI's token naming a user (plain headers)",
        ),
        (
            "gateway-policy",
            "the same with 2 policy rules and per-user limits",
        ),
        (
            "gateway-audit",
            "`gateway-token` with the audit trail on (every call recorded in a SQLite file)",
        ),
        (
            "fastapi",
            "FastAPI + uvicorn (2 workers, uvloop, httptools), pydantic, exact `Fraction` evaluator",
        ),
    ],
    anchor: "bare-axum",
    ratios: &[
        ("gateway ÷ FastAPI", "gateway", "fastapi"),
        ("with policy ÷ without", "gateway-policy", "gateway-token"),
        ("with audit ÷ without", "gateway-audit", "gateway-token"),
    ],
    split: Some(("gateway-audit", "gateway-token")),
    note: "`wrk -t1` posting `{\"expression\": \"(17 + 3) * 2340 / 100\"}` to `POST /tools/calculate` over \
           loopback HTTP/1.1 keep-alive, every server started first, then each in turn for 5 s (2 s with `--quick`), three rounds \
           in the same order, turns summed (p50: median turn; p99, max: worst turn); the Rust servers run in the bench \
           process on the gateway's runtime and listener setup (`serve_http`), wrk shares the cores with them; \
           the audit trail's CPU includes its writer thread's, also shown on its own. \
           Goals: the gateway at ≥ 0.85× the bare server; the audit trail adding no more than a few percent to the requests' \
           own CPU per call.",
};

pub(super) const MCP_TABLE: WrkTable = WrkTable {
    suite: "mcp",
    servers: &[
        (
            "gateway-mcp",
            "`switchboard` gateway, MCP `tools/call calculate`",
        ),
        (
            "python-mcp",
            "official Python SDK `MCPServer` (`mcp` 2.3.0, streamable HTTP, uvicorn), same tool",
        ),
        (
            "gateway-rest",
            "`switchboard` gateway, `POST /tools/calculate`",
        ),
    ],
    anchor: "python-mcp",
    ratios: &[("gateway MCP ÷ gateway REST", "gateway-mcp", "gateway-rest")],
    split: None,
    note: "`wrk -t1` posting `tools/call calculate` (a fresh JSON-RPC id per request) on one initialized \
           session (protocol 2025-06-18) over keep-alive connections, each server in turn for 5 s (2 s with `--quick`), three \
           rounds in the same order, turns summed; \
           the gateway answers each call as one JSON response, the Python server as an SSE stream. \
           Goals: the gateway's MCP ≥ 10× the Python SDK server, and within \
           1.5× of its own `POST /tools/calculate` (a ratio ≥ 0.67).",
};

/// What one server did in a run (or why it has no numbers).
#[derive(Debug, Clone, PartialEq)]
struct WrkRow {
    server: String,
    figures: std::result::Result<WrkFigures, String>,
}

#[derive(Debug, Clone, PartialEq)]
struct WrkFigures {
    rate: f64,
    requests: u64,
    /// p50, p99, max in nanoseconds.
    p50: f64,
    p99: f64,
    max: f64,
    /// Non-2xx answers plus socket errors.
    errors: u64,
    connections: String,
    /// The server's CPU time per request, nanoseconds (when the bench measured it).
    cpu: Option<f64>,
    /// Of `cpu`, the audit writer thread's (when the server has one).
    writer_cpu: Option<f64>,
}

/// Reads `wrk <suite>/<server>: <r> requests/s, <n> requests in <s>s, p50 <D>, p99 <D>, max <D>,
/// non-2xx <n>, socket errors <n>, connections <c>, server CPU per request <D>[, of which audit
/// writer thread <D>]`, or
/// `… : skipped (<why>)` / `failed (<why>)`.
fn wrk_rows(stdout: &str, suite: &str) -> Vec<WrkRow> {
    let prefix = format!("wrk {suite}/");
    let mut rows = Vec::new();
    for line in stdout.lines() {
        let Some((server, rest)) = line.strip_prefix(&prefix).and_then(|r| r.split_once(": "))
        else {
            continue;
        };
        let rest = rest.trim();
        let figures = if let Some(why) = rest.strip_prefix("skipped (") {
            Err(format!("skipped: {}", why.trim_end_matches(')')))
        } else if let Some(why) = rest.strip_prefix("failed (") {
            Err(format!("failed: {}", why.trim_end_matches(')')))
        } else {
            match wrk_figures(rest) {
                Some(f) => Ok(f),
                None => continue,
            }
        };
        rows.push(WrkRow {
            server: server.to_owned(),
            figures,
        });
    }
    rows
}

fn wrk_figures(rest: &str) -> Option<WrkFigures> {
    let field = |key: &str| {
        rest.split(", ")
            .find_map(|p| p.trim().strip_prefix(key))
            .map(str::trim)
    };
    let count = |key: &str| field(key).and_then(|v| v.parse::<u64>().ok());
    let rate = rest.split_once(" requests/s")?.0.trim().parse().ok()?;
    Some(WrkFigures {
        rate,
        requests: rest
            .split(", ")
            .nth(1)?
            .split_whitespace()
            .next()?
            .parse()
            .ok()?,
        p50: parse_debug_duration(field("p50 ")?)?,
        p99: parse_debug_duration(field("p99 ")?)?,
        max: parse_debug_duration(field("max ")?)?,
        errors: count("non-2xx ")? + count("socket errors ")?,
        connections: field("connections ").unwrap_or("–").to_owned(),
        cpu: field("server CPU per request ").and_then(parse_debug_duration),
        writer_cpu: field("of which audit writer thread ").and_then(parse_debug_duration),
    })
}

pub(super) fn render_wrk(stdout: &str, table: &WrkTable) -> String {
    let rows = wrk_rows(stdout, table.suite);
    let rate = |server: &str| {
        rows.iter()
            .find(|r| r.server == server)
            .and_then(|r| r.figures.as_ref().ok())
            .map(|f| f.rate)
    };
    let ratio = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => format!("{:.2}×", a / b),
        _ => "–".to_owned(),
    };
    let anchor = rate(table.anchor);
    let mut out = format!(
        "\n| server | requests/s | vs `{}` | server CPU per request | connections | requests | p50 | p99 | max | errors |\n\
         |---|---|---|---|---|---|---|---|---|---|\n",
        table.anchor
    );
    for (server, label) in table.servers {
        match rows
            .iter()
            .find(|r| r.server == *server)
            .map(|r| &r.figures)
        {
            Some(Ok(f)) => {
                let _ = writeln!(
                    out,
                    "| {label} | {:.0} | {} | {} | {} | {} | {} | {} | {} | {} |",
                    f.rate,
                    ratio(Some(f.rate), anchor),
                    cpu_cell(f),
                    f.connections,
                    f.requests,
                    fmt_ns(f.p50),
                    fmt_ns(f.p99),
                    fmt_ns(f.max),
                    f.errors
                );
            }
            Some(Err(why)) => {
                let _ = writeln!(out, "| {label} | {why} | | | | | | | | |");
            }
            None => {
                let _ = writeln!(
                    out,
                    "| {label} | no `wrk {}/{server}` line in this run's output | | | | | | | | |",
                    table.suite
                );
            }
        }
    }
    out.push('\n');
    for (label, a, b) in table.ratios {
        let _ = writeln!(out, "{label}: {}.", ratio(rate(a), rate(b)));
    }
    if let Some((with, without)) = table.split {
        let _ = writeln!(out, "{}", split_line(&rows, with, without));
    }
    out.push('\n');
    out.push_str(table.note);
    out.push('\n');
    out
}

/// What the audit trail costs per call, split: the requests' own CPU (the server's less its
/// writer thread's) against the server without the trail, and the writer thread's.
fn split_line(rows: &[WrkRow], with: &str, without: &str) -> String {
    let figures = |server: &str| {
        rows.iter()
            .find(|r| r.server == server)
            .and_then(|r| r.figures.as_ref().ok())
    };
    let cpu = figures(with).and_then(|a| Some((a.cpu?, a.writer_cpu?)));
    match (cpu, figures(without).and_then(|b| b.cpu)) {
        (Some((cpu, writer)), Some(base)) if base > 0.0 => {
            let own = cpu - writer;
            format!(
                "with audit, the requests' own CPU per call: {} against {} without ({:+.1} %); \
                 the writer thread: {} per call besides.",
                fmt_ns(own),
                fmt_ns(base),
                (own / base - 1.0) * 100.0,
                fmt_ns(writer)
            )
        }
        _ => format!("with audit: no CPU split of `{with}` against `{without}` in this run."),
    }
}

/// The CPU column: per request, with the writer thread's share when there is one.
fn cpu_cell(f: &WrkFigures) -> String {
    match (f.cpu, f.writer_cpu) {
        (Some(cpu), Some(writer)) => format!("{} (writer thread {})", fmt_ns(cpu), fmt_ns(writer)),
        (Some(cpu), None) => fmt_ns(cpu),
        (None, _) => "–".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::fixtures::{check, fixture};

    #[test]
    fn gateway_table_compares_with_the_bare_server() {
        check(
            "gateway.expected.md",
            &render_wrk(&fixture("tool_calls.log"), &GATEWAY_TABLE),
        );
    }

    #[test]
    fn mcp_table_compares_with_the_python_sdk_server() {
        check(
            "mcp.expected.md",
            &render_wrk(&fixture("tool_calls_mcp.log"), &MCP_TABLE),
        );
    }

    #[test]
    fn wrk_lines_parse_with_skips_and_failures() {
        let rows = wrk_rows(&fixture("tool_calls.log"), "rest");
        assert_eq!(rows.len(), 6);
        let gateway = rows[1].figures.as_ref().unwrap();
        assert_eq!(gateway.requests, 301_234);
        assert!((gateway.p99 - 2_345_000.0).abs() < 1.0);
        assert_eq!(gateway.errors, 0);
        assert_eq!(gateway.connections, "64");
        assert_eq!(gateway.cpu, Some(21_500.0));
        assert_eq!(gateway.writer_cpu, None);
        let audit = rows[4].figures.as_ref().unwrap();
        assert_eq!(audit.writer_cpu, Some(3_100.0));
        let rows = wrk_rows(
            "wrk rest/fastapi: skipped (no python3)\nwrk rest/gateway: failed (wrk printed no result)\n",
            "rest",
        );
        assert_eq!(rows[0].figures, Err("skipped: no python3".to_owned()));
        assert_eq!(
            rows[1].figures,
            Err("failed: wrk printed no result".to_owned())
        );
    }

    #[test]
    fn an_unknown_output_shape_leaves_a_note_instead_of_numbers() {
        assert!(
            render_wrk("something else\n", &GATEWAY_TABLE).contains("no `wrk rest/gateway` line")
        );
    }
}
