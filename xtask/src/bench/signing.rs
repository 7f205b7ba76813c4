//! The `signing` group: Standard Webhooks v1 signing and verification.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::criterion::{Estimate, fmt_est};

pub(super) fn render_signing(results: &BTreeMap<String, Estimate>, stdout: &str) -> String {
    // standard_v1/<variant>/<size>
    let mut variants: Vec<String> = Vec::new();
    let mut sizes: Vec<u64> = Vec::new();
    for id in results.keys() {
        let parts: Vec<&str> = id.split('/').collect();
        if let ["standard_v1", variant, size] = parts.as_slice() {
            if !variants.iter().any(|v| v == variant) {
                variants.push((*variant).to_owned());
            }
            if let Ok(n) = size.parse::<u64>()
                && !sizes.contains(&n)
            {
                sizes.push(n);
            }
        }
    }
    // Bare HMAC first, the rest in name order.
    variants.sort_by_key(|v| (!v.starts_with("bare"), v.clone()));
    sizes.sort_unstable();
    let mut out = String::new();
    if variants.is_empty() {
        out.push_str("\nNo criterion results for `standard_v1` in this run.\n");
    } else {
        let bare = variants.iter().find(|v| v.starts_with("bare")).cloned();
        let _ = write!(
            out,
            "\nCriterion means per message (95 % interval):\n\n| body |"
        );
        for v in &variants {
            let _ = write!(out, " `{v}` |");
        }
        if let Some(b) = &bare {
            for v in variants.iter().filter(|v| *v != b) {
                let _ = write!(out, " `{v}` vs bare |");
            }
        }
        out.push_str("\n|---|");
        let ratio_cols = variants.len() - usize::from(bare.is_some());
        out.push_str(&"---|".repeat(variants.len() + ratio_cols));
        out.push('\n');
        for size in &sizes {
            let _ = write!(out, "| {} |", fmt_bytes(*size));
            let get = |v: &str| results.get(&format!("standard_v1/{v}/{size}"));
            for v in &variants {
                let _ = write!(out, " {} |", get(v).map_or_else(|| "–".to_owned(), fmt_est));
            }
            if let Some(b) = &bare {
                for v in variants.iter().filter(|v| *v != b) {
                    let cell = match (get(b), get(v)) {
                        (Some(b), Some(x)) => format!("{:.2}", b.mean / x.mean),
                        _ => "–".to_owned(),
                    };
                    let _ = write!(out, " {cell} |");
                }
            }
            out.push('\n');
        }
        out.push_str(
            "\nRatio = bare HMAC time / variant time (throughput relative to bare `ring::hmac`).\n",
        );
    }
    if let Some(paired) = signing_paired(stdout) {
        out.push('\n');
        out.push_str(&paired);
    }
    out
}

/// The bench's paired table (the header line after the one starting `paired`, then one row per
/// body size), as Markdown.
fn signing_paired(stdout: &str) -> Option<String> {
    let mut lines = stdout
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("paired"));
    let title = lines.next()?.trim().to_owned();
    let header: Vec<&str> = lines.next()?.split_whitespace().collect();
    let rows: Vec<Vec<&str>> = lines
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .take_while(|cols| cols.len() == header.len() && cols[0].parse::<u64>().is_ok())
        .collect();
    if rows.is_empty() || header.is_empty() {
        return None;
    }
    // Unit-less numbers are ratios: mark their columns (the header reuses the variant names).
    let header: Vec<String> = header
        .iter()
        .enumerate()
        .map(|(i, h)| {
            if i > 0 && rows[0][i].parse::<f64>().is_ok() {
                format!("{h} ×")
            } else {
                (*h).to_owned()
            }
        })
        .collect();
    let mut out = format!(
        "From the bench's own summary, {title}:\n\n| {} |\n",
        header.join(" | ")
    );
    let _ = writeln!(out, "|{}", "---|".repeat(header.len()));
    for row in rows {
        let mut cells: Vec<String> = row.iter().map(|c| (*c).to_owned()).collect();
        if let Ok(n) = cells[0].parse::<u64>() {
            cells[0] = fmt_bytes(n);
        }
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }
    Some(out)
}

fn fmt_bytes(n: u64) -> String {
    if n >= 1024 && n.is_multiple_of(1024) {
        format!("{} KiB", n / 1024)
    } else {
        format!("{n} B")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::fixtures::{check, fixture, results};

    #[test]
    fn signing_tables() {
        let out = render_signing(&results(), &fixture("signing.log"));
        check("signing.expected.md", &out);
    }
}
