//! Criterion's result files, and how durations are written in the tables.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::time::SystemTime;

use anyhow::Result;
use serde_json::Value;

/// One criterion result.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Estimate {
    /// Mean time per iteration, nanoseconds.
    pub(super) mean: f64,
    pub(super) low: f64,
    pub(super) high: f64,
    /// Elements per iteration, when the bench declared `Throughput::Elements`.
    pub(super) elements: Option<f64>,
}

/// Criterion results written at or after `since` (Unix seconds), keyed by path under
/// `criterion_dir` (`group/function[/parameter]`).
pub(super) fn criterion_results(
    criterion_dir: &Path,
    since: u64,
) -> Result<BTreeMap<String, Estimate>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![criterion_dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if !path.is_dir() {
                continue;
            }
            if path.file_name().is_some_and(|n| n == "new") {
                let estimates = path.join("estimates.json");
                let fresh = fs::metadata(&estimates)
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
                    .is_some_and(|t| t.as_secs() >= since);
                if !fresh {
                    continue;
                }
                let Some(id) = path
                    .parent()
                    .and_then(|p| p.strip_prefix(criterion_dir).ok())
                else {
                    continue;
                };
                let id = id.to_string_lossy().replace('\\', "/");
                let estimates = fs::read_to_string(&estimates)?;
                let benchmark = fs::read_to_string(path.join("benchmark.json")).unwrap_or_default();
                if let Some(e) = parse_estimate(&estimates, &benchmark) {
                    out.insert(id, e);
                }
            } else if path.file_name().is_none_or(|n| n != "report") {
                stack.push(path);
            }
        }
    }
    Ok(out)
}

/// Reads criterion's `estimates.json` (mean and its confidence interval) and `benchmark.json`
/// (the declared throughput).
fn parse_estimate(estimates: &str, benchmark: &str) -> Option<Estimate> {
    let e: Value = serde_json::from_str(estimates).ok()?;
    let mean = &e["mean"];
    let b: Value = serde_json::from_str(benchmark).unwrap_or(Value::Null);
    Some(Estimate {
        mean: mean["point_estimate"].as_f64()?,
        low: mean["confidence_interval"]["lower_bound"].as_f64()?,
        high: mean["confidence_interval"]["upper_bound"].as_f64()?,
        elements: b["throughput"]["Elements"].as_f64(),
    })
}

/// A duration in nanoseconds, as people write it.
pub(super) fn fmt_ns(ns: f64) -> String {
    let (v, unit) = if ns < 1e3 {
        (ns, "ns")
    } else if ns < 1e6 {
        (ns / 1e3, "µs")
    } else if ns < 1e9 {
        (ns / 1e6, "ms")
    } else {
        (ns / 1e9, "s")
    };
    if v >= 100.0 {
        format!("{v:.0} {unit}")
    } else if v >= 10.0 {
        format!("{v:.1} {unit}")
    } else {
        format!("{v:.2} {unit}")
    }
}

/// `mean (low–high unit)`; the low bound keeps its unit when it differs from the high one.
pub(super) fn fmt_est(e: &Estimate) -> String {
    let (low, high) = (fmt_ns(e.low), fmt_ns(e.high));
    let unit = |s: &str| s.rsplit(' ').next().unwrap_or("").to_owned();
    let low = if unit(&low) == unit(&high) {
        low.rsplit_once(' ')
            .map_or(low.clone(), |(n, _)| n.to_owned())
    } else {
        low
    };
    format!("{} ({low}–{high})", fmt_ns(e.mean))
}

/// Parses Rust's `Debug` form of a `Duration` (`1.5s`, `28.2ms`, `950µs`, `12ns`) to nanoseconds.
pub(super) fn parse_debug_duration(s: &str) -> Option<f64> {
    let s = s.trim().trim_end_matches([',', ')', '.']);
    let split = s.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
    let (num, unit) = s.split_at(split);
    let n: f64 = num.parse().ok()?;
    let scale = match unit {
        "ns" => 1.0,
        "µs" | "us" => 1e3,
        "ms" => 1e6,
        "s" => 1e9,
        _ => return None,
    };
    Some(n * scale)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::bench::fixtures::{FIXTURES, results};

    #[test]
    fn criterion_files_are_read_with_their_throughput() {
        let r = results();
        let e = &r["delivery_sqlite_full_sync/trigger_to_204"];
        assert_eq!(e.elements, Some(8000.0));
        assert!((e.mean - 1_673_640_000.0).abs() < 1.0);
        let s = &r["standard_v1/sign/1024"];
        assert_eq!(s.elements, None);
        assert!((s.mean - 773.2).abs() < 0.01);
        // Results older than the run are ignored.
        assert!(
            criterion_results(&Path::new(FIXTURES).join("criterion"), u64::MAX)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn debug_durations_parse() {
        assert_eq!(parse_debug_duration("2.5ms"), Some(2_500_000.0));
        assert_eq!(parse_debug_duration("950µs"), Some(950_000.0));
        assert_eq!(parse_debug_duration("1.2s,"), Some(1_200_000_000.0));
        assert_eq!(parse_debug_duration("12ns"), Some(12.0));
        assert_eq!(parse_debug_duration("fast"), None);
    }
}
