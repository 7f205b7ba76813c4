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

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::SystemTime;

use anyhow::{Context, Result, bail};
use serde_json::Value;

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
    },
];

const DOC: &str = "docs/benchmarks.md";
const SVG: &str = "docs/benchmarks-delivery.svg";

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
        let body = match group.name {
            "http-client" => render_http_client(&results, &stdout),
            "signing" => render_signing(&results, &stdout),
            "dispatch" => render_dispatch(&results),
            "delivery" => {
                let rows = delivery_rows(&results, &stdout);
                fs::write(root.join(SVG), delivery_svg(&rows))?;
                eprintln!("bench: wrote {SVG}");
                render_delivery(&rows)
            }
            "gateway" => render_wrk(&stdout, &GATEWAY_TABLE),
            "mcp" => render_wrk(&stdout, &MCP_TABLE),
            other => bail!("no renderer for {other}"),
        };
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

/// Runs one bench, echoing its output, and returns its stdout.
fn run_bench(root: &Path, target: &Path, group: &Group, quick: bool) -> Result<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut args = vec!["bench", "--package", group.package, "--bench", group.bench];
    let features = group.features.join(",");
    if !group.features.is_empty() {
        args.extend(["--features", &features]);
    }
    let (extra, env) = if quick {
        (group.args.1, group.env.1)
    } else {
        (group.args.0, group.env.0)
    };
    if !extra.is_empty() {
        args.push("--");
        args.extend(extra);
    }
    let line = format!("cargo {}", args.join(" "));
    let mut peers_env = Vec::new();
    if group.python_peers {
        match peers_python(root, target) {
            Ok(python) => peers_env.push(("SB_BENCH_PYTHON", python.into_os_string())),
            Err(why) => {
                eprintln!("bench: the Python peers are skipped: {why}");
                peers_env.push(("SB_BENCH_PEERS_SKIPPED", why.into()));
            }
        }
    }
    eprintln!("$ {line}");
    let mut child = Command::new(cargo)
        .args(&args)
        .envs(env.iter().copied())
        .envs(peers_env)
        .current_dir(root)
        .stdout(Stdio::piped())
        .spawn()
        .with_context(|| format!("could not start `{line}`"))?;
    let mut out = String::new();
    let stdout = child.stdout.take().context("no stdout")?;
    for line in BufReader::new(stdout).lines() {
        let line = line?;
        println!("{line}");
        out.push_str(&line);
        out.push('\n');
    }
    let status = child.wait()?;
    if !status.success() {
        bail!("`{line}` failed with {status}");
    }
    Ok(out)
}

/// The pinned Python packages of the bench peers.
const PEERS_REQUIREMENTS: &str = "crates/server/benches/peers/requirements.txt";

/// A Python interpreter with the peers' packages: a venv under the target dir, created and
/// brought up to [`PEERS_REQUIREMENTS`] with `python3 -m venv` and pip. `Err` says why there is
/// none (no python3, no venv module, pip failed); the bench then skips the peers and says so.
fn peers_python(root: &Path, target: &Path) -> std::result::Result<PathBuf, String> {
    let venv = target.join("bench-peers-venv");
    let python = venv.join("bin").join("python");
    if !python.exists() {
        let status = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .map_err(|e| format!("python3 is not available ({e})"))?;
        if !status.success() {
            return Err(format!(
                "`python3 -m venv {}` failed ({status})",
                venv.display()
            ));
        }
    }
    eprintln!(
        "bench: installing the Python peers ({PEERS_REQUIREMENTS}) into {}",
        venv.display()
    );
    let status = Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
        ])
        .arg(root.join(PEERS_REQUIREMENTS))
        .status()
        .map_err(|e| format!("cannot run {} ({e})", python.display()))?;
    if !status.success() {
        return Err(format!(
            "pip install -r {PEERS_REQUIREMENTS} failed ({status})"
        ));
    }
    Ok(python)
}

/// What the numbers were measured on.
struct Machine {
    cores: String,
    cpu: String,
    kernel: String,
    rustc: String,
}

impl Machine {
    fn detect() -> Machine {
        let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name"))
            .and_then(|l| l.split_once(':'))
            .map_or_else(|| "unknown CPU".to_owned(), |(_, m)| m.trim().to_owned());
        let cores = std::thread::available_parallelism().map_or(0, usize::from);
        let kernel = fs::read_to_string("/proc/sys/kernel/osrelease")
            .map_or_else(|_| "unknown kernel".to_owned(), |k| k.trim().to_owned());
        let rustc = Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned()))
            .arg("--version")
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_else(|| "unknown rustc".to_owned());
        Machine {
            cores: cores.to_string(),
            cpu,
            kernel,
            rustc,
        }
    }
}

fn load_average() -> String {
    fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".to_owned())
}

/// `YYYY-MM-DD` (UTC) of `t`.
fn date_utc(t: SystemTime) -> String {
    let days = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400) as i64;
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

fn run_header(group: &Group, machine: &Machine, meta: &Value) -> String {
    let features = if group.features.is_empty() {
        String::new()
    } else {
        format!(" --features {}", group.features.join(","))
    };
    format!(
        "### {}\n\nGenerated by `cargo xtask bench{} --only {}` (runs `cargo bench -p {}{features} --bench {}`) \
         on {}: {} cores, {}, Linux {}, {}; load average (1/5/15 min) {} before, {} after.\n",
        group.title,
        if meta["quick"].as_bool() == Some(true) {
            " --quick"
        } else {
            ""
        },
        group.name,
        group.package,
        group.bench,
        meta["date"].as_str().unwrap_or("an unknown date"),
        machine.cores,
        machine.cpu,
        machine.kernel,
        machine.rustc,
        meta["load_before"].as_str().unwrap_or("?"),
        meta["load_after"].as_str().unwrap_or("?"),
    )
}

/// One criterion result.
#[derive(Debug, Clone, PartialEq)]
struct Estimate {
    /// Mean time per iteration, nanoseconds.
    mean: f64,
    low: f64,
    high: f64,
    /// Elements per iteration, when the bench declared `Throughput::Elements`.
    elements: Option<f64>,
}

/// Criterion results written at or after `since` (Unix seconds), keyed by path under
/// `criterion_dir` (`group/function[/parameter]`).
fn criterion_results(criterion_dir: &Path, since: u64) -> Result<BTreeMap<String, Estimate>> {
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
fn fmt_ns(ns: f64) -> String {
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
fn fmt_est(e: &Estimate) -> String {
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
fn parse_debug_duration(s: &str) -> Option<f64> {
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

// ---- http-client ----

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

fn render_http_client(results: &BTreeMap<String, Estimate>, stdout: &str) -> String {
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

// ---- signing ----

fn render_signing(results: &BTreeMap<String, Estimate>, stdout: &str) -> String {
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

// ---- dispatch ----

fn render_dispatch(results: &BTreeMap<String, Estimate>) -> String {
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

// ---- delivery ----

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

fn render_delivery(rows: &[DeliveryRow]) -> String {
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

// ---- gateway and mcp (wrk) ----

/// How one wrk suite's table is laid out.
struct WrkTable {
    /// The `<suite>` of `wrk <suite>/<server>: …`.
    suite: &'static str,
    /// Servers in table order, with the label shown.
    servers: &'static [(&'static str, &'static str)],
    /// The server every other is compared with (`vs <anchor>` column).
    anchor: &'static str,
    /// Extra ratios under the table: (label, numerator, denominator).
    ratios: &'static [(&'static str, &'static str, &'static str)],
    /// What was measured, printed under the table.
    note: &'static str,
}

const GATEWAY_TABLE: WrkTable = WrkTable {
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
    note: "`wrk -t1` posting `{\"expression\": \"(17 + 3) * 2340 / 100\"}` to `POST /tools/calculate` over \
           loopback HTTP/1.1 keep-alive, every server started first, then each in turn for 5 s (2 s with `--quick`), three rounds \
           in the same order, turns summed (p50: median turn; p99, max: worst turn); the Rust servers run in the bench \
           process on the gateway's runtime and listener setup (`serve_http`), wrk shares the cores with them. \
           Goal: the gateway at ≥ 0.85× the bare server.",
};

const MCP_TABLE: WrkTable = WrkTable {
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
}

/// Reads `wrk <suite>/<server>: <r> requests/s, <n> requests in <s>s, p50 <D>, p99 <D>, max <D>,
/// non-2xx <n>, socket errors <n>, connections <c>, server CPU per request <D>`, or
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
    })
}

fn render_wrk(stdout: &str, table: &WrkTable) -> String {
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
                    f.cpu.map_or_else(|| "–".to_owned(), fmt_ns),
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
    out.push('\n');
    out.push_str(table.note);
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/bench");

    fn fixture(name: &str) -> String {
        fs::read_to_string(Path::new(FIXTURES).join(name)).unwrap()
    }

    /// Compares with an expected-output fixture; `XTASK_BLESS=1` rewrites it instead.
    fn check(name: &str, actual: &str) {
        let path = Path::new(FIXTURES).join(name);
        if std::env::var_os("XTASK_BLESS").is_some() {
            fs::write(&path, actual).unwrap();
        }
        assert_eq!(actual, fs::read_to_string(&path).unwrap(), "{name}");
    }

    fn results() -> BTreeMap<String, Estimate> {
        criterion_results(&Path::new(FIXTURES).join("criterion"), 0).unwrap()
    }

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

    #[test]
    fn dates_are_civil_utc() {
        let t = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_795_000_000);
        assert_eq!(date_utc(t), "2026-11-18");
        assert_eq!(date_utc(SystemTime::UNIX_EPOCH), "1970-01-01");
    }

    #[test]
    fn http_client_table() {
        let out = render_http_client(&results(), &fixture("client.log"));
        check("client.expected.md", &out);
    }

    #[test]
    fn signing_tables() {
        let out = render_signing(&results(), &fixture("signing.log"));
        check("signing.expected.md", &out);
    }

    #[test]
    fn dispatch_table() {
        check("dispatch.expected.md", &render_dispatch(&results()));
    }

    #[test]
    fn delivery_table_and_chart() {
        let rows = delivery_rows(&results(), &fixture("delivery.log"));
        assert_eq!(rows.len(), 2);
        check("delivery.expected.md", &render_delivery(&rows));
        let svg = delivery_svg(&rows);
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        assert!(svg.contains("postgres two dispatchers") && svg.contains("p99 28.2 ms"));
    }

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
    fn unknown_shapes_leave_a_note_instead_of_numbers() {
        assert!(
            render_wrk("something else\n", &GATEWAY_TABLE).contains("no `wrk rest/gateway` line")
        );
        assert!(render_delivery(&delivery_rows(&BTreeMap::new(), "")).contains("No delivery"));
    }

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
