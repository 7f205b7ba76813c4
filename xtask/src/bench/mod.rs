//! `cargo xtask bench [--quick] [--only GROUP] [--collect-only]`: runs the end-to-end benchmarks
//! and rewrites their tables in `docs/benchmarks.md`, plus `docs/benchmarks-delivery.svg`.
//!
//! Each group runs one `cargo bench --bench …` and reads two kinds of results:
//! - criterion's files, `target/criterion/<group>/<function>[/<parameter>]/new/{benchmark,estimates}.json`
//!   (only files written by this run are used, so stale results never leak into the doc);
//! - the summary lines the custom benches print on stdout (saved to `target/xtask-bench/<group>.log`
//!   so `--collect-only` can re-render without running anything).
//!
//! The parsing is deliberately tolerant, because the benches change under it: criterion results
//! are taken for whatever functions and parameters the group has, and a printed line that does
//! not match the shape below is skipped (the table says what is missing). The shapes read:
//! - `http-client` (`crates/core/benches/client.rs`): criterion groups `get`, `post_json`, and
//!   `<REQ>: requests/s <client> <n>, <client> <n>, … (…)` /
//!   `<REQ>: client CPU per request <client> <x> us, … (…)`;
//! - `signing` (`crates/webhooks/benches/signing.rs`): criterion group `standard_v1`
//!   (`<variant>/<bytes>`), and the paired table after the line starting `paired`;
//! - `dispatch` (`crates/functions/benches/dispatch.rs`): criterion group `dispatch`;
//! - `delivery` (`crates/webhooks/benches/delivery.rs`): criterion groups `delivery_*` with an
//!   `Elements` throughput, and `<group> latency at <rate>/s: p50 <Duration>, p99 <Duration>`;
//! - `gateway` and `mcp` (`crates/server/benches/tool_calls.rs`, `SB_BENCH_SUITE` `rest` / `mcp`):
//!   `wrk <suite>/<server>: <r> requests/s, <n> requests in <s>s, p50 <D>, p99 <D>, max <D>,
//!   non-2xx <n>, socket errors <n>, connections <c>, server CPU per request <D>`, or
//!   `wrk <suite>/<server>: skipped (<why>)`.
//!   These groups also prepare the Python peers' venv (`target/bench-peers-venv`) when python3
//!   is available, and pass it to the bench as `SB_BENCH_PYTHON`.
//!
//! Each group's table sits between `<!-- xtask-bench:begin GROUP -->` and
//! `<!-- xtask-bench:end GROUP -->` in the doc; text outside the markers is never touched.

mod criterion;
mod delivery;
mod dispatch;
#[cfg(test)]
mod fixtures;
mod http_client;
mod machine;
mod runner;
mod signing;
mod wrk;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use anyhow::{Context, Result, bail};
use serde_json::Value;

use criterion::{Estimate, criterion_results};
use machine::{Machine, date_utc, load_average, run_header};
use runner::run_bench;

/// Environment variables set for a run.
type Env = &'static [(&'static str, &'static str)];

/// One end-to-end benchmark: how to run it.
struct Group {
    name: &'static str,
    title: &'static str,
    package: &'static str,
    bench: &'static str,
    features: &'static [&'static str],
    /// Arguments after `--`: (full, quick).
    args: (&'static [&'static str], &'static [&'static str]),
    /// Environment: (full, quick).
    env: (Env, Env),
    /// Whether the bench compares against the Python peers (`crates/server/benches/peers`).
    python_peers: bool,
    /// Makes the group's tables (and any file beside them) from its run.
    render: fn(&Run<'_>) -> Result<String>,
}

/// What one group's run left: its criterion results and its printed summary lines.
struct Run<'a> {
    /// The workspace, for files a renderer writes beside the doc.
    root: &'a Path,
    results: &'a BTreeMap<String, Estimate>,
    stdout: &'a str,
}

const CRIT_FULL: &[&str] = &["--warm-up-time", "1", "--measurement-time", "3", "--noplot"];
const CRIT_QUICK: &[&str] = &[
    "--warm-up-time",
    "0.3",
    "--measurement-time",
    "1",
    "--noplot",
];

const GROUPS: &[Group] = &[
    Group {
        name: "http-client",
        title: "HTTP client vs hyper-util and reqwest",
        package: "switchboard-core",
        bench: "client",
        features: &[],
        args: (CRIT_FULL, CRIT_QUICK),
        env: (&[], &[("SB_BENCH_WINDOW_MS", "200")]),
        python_peers: false,
        render: |r| Ok(http_client::render_http_client(r.results, r.stdout)),
    },
    Group {
        name: "signing",
        title: "Standard Webhooks v1 signing and verification",
        package: "switchboard-webhooks",
        bench: "signing",
        features: &[],
        args: (CRIT_FULL, CRIT_QUICK),
        env: (&[], &[]),
        python_peers: false,
        render: |r| Ok(signing::render_signing(r.results, r.stdout)),
    },
    Group {
        name: "dispatch",
        title: "Tool dispatch",
        package: "switchboard-functions",
        bench: "dispatch",
        features: &[],
        args: (CRIT_FULL, CRIT_QUICK),
        env: (&[], &[]),
        python_peers: false,
        render: |r| Ok(dispatch::render_dispatch(r.results)),
    },
    Group {
        name: "delivery",
        title: "Webhook delivery throughput and latency",
        package: "switchboard-webhooks",
        bench: "delivery",
        features: &["sqlite", "postgres"],
        args: (
            &[
                "--warm-up-time",
                "2",
                "--measurement-time",
                "10",
                "--noplot",
            ],
            &["--warm-up-time", "1", "--measurement-time", "3", "--noplot"],
        ),
        env: (&[], &[]),
        python_peers: false,
        render: delivery::render,
    },
    Group {
        name: "gateway",
        title: "Gateway tool calls over HTTP",
        package: "switchboard-server",
        bench: "tool_calls",
        features: &[],
        args: (&[], &[]),
        env: (
            &[("SB_BENCH_SUITE", "rest"), ("SB_BENCH_SECS", "5")],
            &[("SB_BENCH_SUITE", "rest"), ("SB_BENCH_SECS", "2")],
        ),
        python_peers: true,
        render: |r| Ok(wrk::render_wrk(r.stdout, &wrk::GATEWAY_TABLE)),
    },
    Group {
        name: "mcp",
        title: "MCP tools/call over keep-alive",
        package: "switchboard-server",
        bench: "tool_calls",
        features: &[],
        args: (&[], &[]),
        env: (
            &[("SB_BENCH_SUITE", "mcp"), ("SB_BENCH_SECS", "5")],
            &[("SB_BENCH_SUITE", "mcp"), ("SB_BENCH_SECS", "2")],
        ),
        python_peers: true,
        render: |r| Ok(wrk::render_wrk(r.stdout, &wrk::MCP_TABLE)),
    },
];

const DOC: &str = "docs/benchmarks.md";

/// Runs the command.
pub(crate) fn run(root: &Path, args: &[String]) -> Result<()> {
    let mut quick = false;
    let mut collect_only = false;
    let mut only: Option<String> = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--quick" => quick = true,
            "--collect-only" => collect_only = true,
            "--only" => only = Some(it.next().context("--only needs a group name")?.clone()),
            other => bail!(
                "unknown argument `{other}`; usage: cargo xtask bench [--quick] [--only GROUP] \
                 [--collect-only]; groups: {}",
                group_names()
            ),
        }
    }
    let selected: Vec<&Group> = GROUPS
        .iter()
        .filter(|g| only.as_deref().is_none_or(|o| o == g.name))
        .collect();
    if selected.is_empty() {
        bail!(
            "no benchmark group `{}`; groups: {}",
            only.unwrap_or_default(),
            group_names()
        );
    }
    let target = target_dir(root);
    let logs = target.join("xtask-bench");
    fs::create_dir_all(&logs)?;
    let doc_path = root.join(DOC);
    let mut doc = fs::read_to_string(&doc_path).with_context(|| format!("reading {DOC}"))?;
    let machine = Machine::detect();
    for group in selected {
        let log_path = logs.join(format!("{}.log", group.name));
        let meta_path = logs.join(format!("{}.meta.json", group.name));
        if !collect_only {
            let started = SystemTime::now();
            let load_before = load_average();
            let stdout = run_bench(root, &target, group, quick)?;
            fs::write(&log_path, &stdout)?;
            let meta = serde_json::json!({
                "started_unix": started.duration_since(SystemTime::UNIX_EPOCH)?.as_secs(),
                "date": date_utc(started),
                "quick": quick,
                "load_before": load_before,
                "load_after": load_average(),
            });
            fs::write(&meta_path, serde_json::to_string_pretty(&meta)?)?;
        }
        let stdout = fs::read_to_string(&log_path).with_context(|| {
            format!(
                "no saved output for `{}` ({}); run without --collect-only first",
                group.name,
                log_path.display()
            )
        })?;
        let meta: Value = serde_json::from_str(&fs::read_to_string(&meta_path)?)?;
        let since = meta["started_unix"].as_u64().unwrap_or(0);
        let results = criterion_results(&target.join("criterion"), since)?;
        let header = run_header(group, &machine, &meta);
        let body = (group.render)(&Run {
            root,
            results: &results,
            stdout: &stdout,
        })?;
        doc = replace_block(&doc, group.name, &format!("{}\n{body}", header.trim_end()))?;
        // Written after every group, so a later failure keeps the groups already measured.
        fs::write(&doc_path, &doc)?;
        eprintln!("bench: updated the `{}` tables in {DOC}", group.name);
    }
    Ok(())
}

fn group_names() -> String {
    GROUPS.iter().map(|g| g.name).collect::<Vec<_>>().join(", ")
}

fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from)
}

/// Replaces the text between the `begin`/`end` markers of `name`.
fn replace_block(doc: &str, name: &str, body: &str) -> Result<String> {
    let begin = format!("<!-- xtask-bench:begin {name} -->");
    let end = format!("<!-- xtask-bench:end {name} -->");
    let (Some(b), Some(e)) = (doc.find(&begin), doc.find(&end)) else {
        bail!(
            "{DOC} has no `{begin}` … `{end}` block; add the two marker lines where the tables go"
        );
    };
    if e < b {
        bail!("{DOC}: `{end}` comes before `{begin}`");
    }
    Ok(format!(
        "{}{begin}\n{}\n{}",
        &doc[..b],
        body.trim_end(),
        &doc[e..]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_replaced_between_markers_only() {
        let doc = "intro\n<!-- xtask-bench:begin gateway -->\nold\n<!-- xtask-bench:end gateway -->\noutro\n";
        let out = replace_block(doc, "gateway", "new table\n").unwrap();
        assert_eq!(
            out,
            "intro\n<!-- xtask-bench:begin gateway -->\nnew table\n<!-- xtask-bench:end gateway -->\noutro\n"
        );
        assert!(replace_block(doc, "delivery", "x").is_err());
    }
}
