//! The `dispatch` group: tool dispatch through the registry.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::criterion::{Estimate, fmt_est};

pub(super) fn render_dispatch(results: &BTreeMap<String, Estimate>) -> String {
    let rows: Vec<(&String, &Estimate)> = results
        .iter()
        .filter(|(id, _)| id.starts_with("dispatch/"))
        .collect();
    if rows.is_empty() {
        return "\nNo criterion results for `dispatch` in this run.\n".to_owned();
    }
    let mut out = String::from("\n| benchmark | mean per call (95 % interval) |\n|---|---|\n");
    for (id, e) in rows {
        let _ = writeln!(
            out,
            "| `{}` | {} |",
            id.trim_start_matches("dispatch/"),
            fmt_est(e)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::fixtures::{check, results};

    #[test]
    fn dispatch_table() {
        check("dispatch.expected.md", &render_dispatch(&results()));
    }
}
