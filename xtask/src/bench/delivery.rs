//! The `delivery` group: throughput and latency per store, a table and a chart.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;

use anyhow::Result;

use super::Run;
use super::criterion::{Estimate, fmt_ns, parse_debug_duration};

const SVG: &str = "docs/benchmarks-delivery.svg";

/// The group's table, with its chart written to [`SVG`].
pub(super) fn render(run: &Run<'_>) -> Result<String> {
    let rows = delivery_rows(run.results, run.stdout);
    fs::write(run.root.join(SVG), delivery_svg(&rows))?;
    eprintln!("bench: wrote {SVG}");
    Ok(render_delivery(&rows, alternated(run.stdout)))
}

/// What follows `delivery_sqlite_full_sync ÷ core alone, bursts alternated: ` in the bench's
/// output: each pair's ratio, then all pairs'.
fn alternated(stdout: &str) -> Option<&str> {
    stdout.lines().find_map(|line| {
        line.strip_prefix("delivery_sqlite_full_sync ÷ core alone, bursts alternated: ")
            .map(str::trim)
    })
}

/// One store's delivery figures.
#[derive(Debug, Clone, PartialEq)]
struct DeliveryRow {
    /// The criterion group, e.g. `delivery_sqlite_full_sync`.
    group: String,
    /// Events per second: (mean, low, high).
    throughput: Option<(f64, f64, f64)>,
    /// The probe's offered rate and its p50 / p99 in nanoseconds.
    latency: Option<(String, f64, f64)>,
}

fn delivery_rows(results: &BTreeMap<String, Estimate>, stdout: &str) -> Vec<DeliveryRow> {
    let mut rows: BTreeMap<String, DeliveryRow> = BTreeMap::new();
    let row = |rows: &mut BTreeMap<String, DeliveryRow>, group: &str| {
        rows.entry(group.to_owned())
            .or_insert_with(|| DeliveryRow {
                group: group.to_owned(),
                throughput: None,
                latency: None,
            })
            .clone()
    };
    for (id, e) in results {
        let Some((group, _)) = id.split_once('/') else {
            continue;
        };
        if !group.starts_with("delivery") {
            continue;
        }
        let Some(n) = e.elements else {
            continue;
        };
        // Events per second; the interval bounds swap (a longer time is a lower rate).
        let rate = |ns: f64| n / (ns / 1e9);
        let mut r = row(&mut rows, group);
        r.throughput = Some((rate(e.mean), rate(e.high), rate(e.low)));
        rows.insert(group.to_owned(), r);
    }
    for line in stdout.lines() {
        let Some((group, rest)) = line.split_once(" latency at ") else {
            continue;
        };
        let group = group.trim();
        let Some((rate, rest)) = rest.split_once(':') else {
            continue;
        };
        let mut p50 = None;
        let mut p99 = None;
        for part in rest.split(',') {
            let part = part.trim();
            if let Some(v) = part.strip_prefix("p50 ") {
                p50 = parse_debug_duration(v);
            } else if let Some(v) = part.strip_prefix("p99 ") {
                p99 = parse_debug_duration(v);
            }
        }
        if let (Some(p50), Some(p99)) = (p50, p99) {
            let mut r = row(&mut rows, group);
            r.latency = Some((rate.trim().to_owned(), p50, p99));
            rows.insert(group.to_owned(), r);
        }
    }
    rows.into_values().collect()
}

/// `delivery_sqlite_full_sync` → `sqlite full sync`.
fn store_label(group: &str) -> String {
    group
        .trim_start_matches("delivery")
        .trim_start_matches('_')
        .replace('_', " ")
}

fn render_delivery(rows: &[DeliveryRow], alternated: Option<&str>) -> String {
    if rows.is_empty() {
        return "\nNo delivery results in this run (is the bench's output shape unchanged?).\n"
            .to_owned();
    }
    let mut out = String::from(
        "\n| store (bench group) | throughput, events/s (95 % interval) | latency probe | p50 | p99 |\n\
         |---|---|---|---|---|\n",
    );
    for r in rows {
        let tp = r.throughput.map_or_else(
            || "–".to_owned(),
            |(m, l, h)| format!("{m:.0} ({l:.0}–{h:.0})"),
        );
        let (rate, p50, p99) = r.latency.as_ref().map_or_else(
            || ("–".to_owned(), "–".to_owned(), "–".to_owned()),
            |(rate, p50, p99)| (rate.clone(), fmt_ns(*p50), fmt_ns(*p99)),
        );
        let _ = writeln!(
            out,
            "| {} (`{}`) | {tp} | {rate} | {p50} | {p99} |",
            store_label(&r.group),
            r.group
        );
    }
    let rate = |group: &str| {
        rows.iter()
            .find(|r| r.group == group)
            .and_then(|r| r.throughput)
    };
    if let (Some(sqlite), Some(core)) = (
        rate("delivery_sqlite_full_sync"),
        rate("delivery_core_alone"),
    ) {
        let _ = writeln!(
            out,
            "\nSQLite ÷ `switchboard-core` alone POSTing the same bodies: **{:.2}×** (goal ≥ 0.6×).",
            sqlite.0 / core.0
        );
    }
    if let Some(pairs) = alternated {
        let _ = writeln!(
            out,
            "\nWith bursts of 8,000 alternated in the same run (the client, then SQLite): {pairs}."
        );
    }
    out.push_str("\n![Delivery throughput and latency](benchmarks-delivery.svg)\n");
    out
}

/// A two-panel horizontal bar chart: throughput per store, and p50/p99 latency per store.
fn delivery_svg(rows: &[DeliveryRow]) -> String {
    const W: f64 = 800.0;
    const PANEL: f64 = 340.0;
    const LEFT: f64 = 175.0;
    const BAR_W: f64 = 170.0;
    let row_h = 46.0;
    let h = 70.0 + row_h * rows.len().max(1) as f64 + 30.0;
    let max_tp = rows
        .iter()
        .filter_map(|r| r.throughput.map(|t| t.2))
        .fold(0.0_f64, f64::max);
    let max_lat = rows
        .iter()
        .filter_map(|r| r.latency.as_ref().map(|l| l.2))
        .fold(0.0_f64, f64::max);
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{h}\" viewBox=\"0 0 {W} {h}\" \
         font-family=\"sans-serif\" font-size=\"12\">\n\
         <title>Webhook delivery: throughput and latency per store (generated by cargo xtask bench)</title>\n\
         <rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n\
         <text x=\"10\" y=\"22\" font-size=\"15\" font-weight=\"bold\">Webhook delivery (trigger_event → 204)</text>\n\
         <text x=\"{LEFT}\" y=\"50\" font-weight=\"bold\">throughput, events/s</text>\n\
         <text x=\"{}\" y=\"50\" font-weight=\"bold\">latency at the probe rate: p50 / p99</text>\n",
        LEFT + PANEL + 10.0
    );
    for (i, r) in rows.iter().enumerate() {
        let y = 64.0 + row_h * i as f64;
        let _ = writeln!(
            s,
            "<text x=\"10\" y=\"{}\">{}</text>",
            y + 22.0,
            xml_escape(&store_label(&r.group))
        );
        if let Some((m, l, hi)) = r.throughput
            && max_tp > 0.0
        {
            let scale = |v: f64| BAR_W * v / max_tp;
            let _ = writeln!(
                s,
                "<rect x=\"{LEFT}\" y=\"{}\" width=\"{:.1}\" height=\"18\" fill=\"#4878d0\"/>\n\
                 <line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{}\" y2=\"{}\" stroke=\"#222\"/>\n\
                 <text x=\"{:.1}\" y=\"{}\">{m:.0}/s</text>",
                y + 8.0,
                scale(m),
                LEFT + scale(l),
                LEFT + scale(hi),
                y + 17.0,
                y + 17.0,
                LEFT + scale(hi) + 6.0,
                y + 22.0,
            );
        }
        if let Some((_, p50, p99)) = &r.latency
            && max_lat > 0.0
        {
            let x0 = LEFT + PANEL + 10.0;
            let scale = |v: f64| BAR_W * v / max_lat;
            let _ = writeln!(
                s,
                "<rect x=\"{x0}\" y=\"{}\" width=\"{:.1}\" height=\"12\" fill=\"#6acc64\"/>\n\
                 <rect x=\"{x0}\" y=\"{}\" width=\"{:.1}\" height=\"12\" fill=\"#ee854a\"/>\n\
                 <text x=\"{:.1}\" y=\"{}\">p50 {}</text>\n\
                 <text x=\"{:.1}\" y=\"{}\">p99 {}</text>",
                y + 4.0,
                scale(*p50),
                y + 18.0,
                scale(*p99),
                x0 + scale(*p50) + 6.0,
                y + 14.0,
                fmt_ns(*p50),
                x0 + scale(*p99) + 6.0,
                y + 28.0,
                fmt_ns(*p99),
            );
        }
    }
    let _ = writeln!(
        s,
        "<text x=\"10\" y=\"{}\" fill=\"#555\">Bars: criterion mean with its 95 % interval; latency from the bench's steady-rate probe. Source: docs/benchmarks.md.</text>\n</svg>",
        h - 12.0
    );
    s
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::fixtures::{check, fixture, results};

    #[test]
    fn delivery_table_and_chart() {
        let rows = delivery_rows(&results(), &fixture("delivery.log"));
        assert_eq!(rows.len(), 2);
        let stdout = fixture("delivery.log");
        check(
            "delivery.expected.md",
            &render_delivery(&rows, alternated(&stdout)),
        );
        let svg = delivery_svg(&rows);
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        assert!(svg.contains("postgres two dispatchers") && svg.contains("p99 28.2 ms"));
    }

    #[test]
    fn a_run_without_results_leaves_a_note_instead_of_numbers() {
        assert!(
            render_delivery(&delivery_rows(&BTreeMap::new(), ""), None).contains("No delivery")
        );
    }
}
