//! The `http-client` group: `switchboard-core` against hyper-util and reqwest.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::criterion::{Estimate, fmt_est};

const CLIENTS: &[&str] = &["switchboard-core", "hyper-util", "reqwest"];

/// `(request, metric) -> client -> value text` from the summary lines.
fn http_summary(stdout: &str) -> BTreeMap<(String, String), BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for line in stdout.lines() {
        let Some((request, rest)) = line.split_once(": ") else {
            continue;
        };
        let rest = rest.split(" (").next().unwrap_or(rest);
        let Some(first_client) = CLIENTS.iter().filter_map(|c| rest.find(c)).min() else {
            continue;
        };
        let metric = rest[..first_client].trim().to_owned();
        let mut values = BTreeMap::new();
        for chunk in rest[first_client..].split(", ") {
            if let Some(client) = CLIENTS.iter().find(|c| chunk.starts_with(**c)) {
                values.insert(
                    (*client).to_owned(),
                    chunk[client.len()..].trim().to_owned(),
                );
            }
        }
        if !metric.is_empty() && !values.is_empty() {
            out.insert((request.to_owned(), metric), values);
        }
    }
    out
}

pub(super) fn render_http_client(results: &BTreeMap<String, Estimate>, stdout: &str) -> String {
    let mut out = String::from(
        "\n| request | measure | switchboard-core | hyper-util | reqwest | core vs hyper-util | core vs reqwest |\n\
         |---|---|---|---|---|---|---|\n",
    );
    let num = |s: &str| {
        s.split_whitespace()
            .next()
            .and_then(|n| n.parse::<f64>().ok())
    };
    let mut rows = 0;
    for ((request, metric), values) in http_summary(stdout) {
        let get = |c: &str| values.get(c).map_or("–", String::as_str);
        // Higher is better for rates, lower for times: ratios are "core is N× as good".
        let higher_better = metric.contains("/s");
        let ratio = |other: &str| match (num(get("switchboard-core")), num(get(other))) {
            (Some(core), Some(o)) if core > 0.0 && o > 0.0 => {
                let r = if higher_better { core / o } else { o / core };
                format!("{r:.2}×")
            }
            _ => "–".to_owned(),
        };
        let _ = writeln!(
            out,
            "| {request} | {metric} | {} | {} | {} | {} | {} |",
            get("switchboard-core"),
            get("hyper-util"),
            get("reqwest"),
            ratio("hyper-util"),
            ratio("reqwest")
        );
        rows += 1;
    }
    for (group, label) in [("get", "GET"), ("post_json", "POST small JSON")] {
        let est = |c: &str| results.get(&format!("{group}/{c}"));
        if CLIENTS.iter().all(|c| est(c).is_none()) {
            continue;
        }
        let cell = |c: &str| est(c).map_or_else(|| "–".to_owned(), fmt_est);
        let ratio = |other: &str| match (est("switchboard-core"), est(other)) {
            (Some(core), Some(o)) => format!("{:.2}×", o.mean / core.mean),
            _ => "–".to_owned(),
        };
        let _ = writeln!(
            out,
            "| {label} | criterion mean per request | {} | {} | {} | {} | {} |",
            cell("switchboard-core"),
            cell("hyper-util"),
            cell("reqwest"),
            ratio("hyper-util"),
            ratio("reqwest")
        );
        rows += 1;
    }
    if rows == 0 {
        out.push_str("| – | no results were found in this run's output | | | | | |\n");
    }
    out.push_str(
        "\nRatios are switchboard-core relative to the other client (above 1 means switchboard-core \
         is faster or cheaper). The best-round and CPU rows come from the bench's interleaved summary.\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::fixtures::{check, fixture, results};

    #[test]
    fn http_client_table() {
        let out = render_http_client(&results(), &fixture("client.log"));
        check("client.expected.md", &out);
    }
}
