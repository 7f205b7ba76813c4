//! `cargo xtask console-screenshots`: photographs every console page and rewrites
//! `docs/console.md` around the pictures.
//!
//! The pictures come from the console's browser tests (`crates/server/tests/it/console_browser.rs`),
//! run with `SWITCHBOARD_CONSOLE_SCREENSHOTS` naming `docs/console/`: each test saves the pages
//! it visits, in the state the test put them in (a failing receiver, a replay, a tried tool). A
//! missing browser is an error here, not a skip.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::util::cargo;

/// Each picture the tests take, in the order of the document: file stem, title, what it shows.
const PAGES: &[(&str, &str, &str)] = &[
    (
        "sign-in",
        "Sign in",
        "The admin key is asked once and exchanged for a session cookie (HttpOnly, SameSite=Strict, 8 hours, ended by signing out or a restart). Wrong keys are limited: after 5 from one client address (an IPv6 /64 counts as one), or 50 from all addresses together, within 15 minutes, every sign-in, the right key included, is answered 429 with `Retry-After` and the page says how long to wait. Successful sign-ins are not counted. The address is the TCP peer, so behind a reverse proxy all browsers share one budget. The JSON admin API and the CLI are not affected.",
    ),
    (
        "overview",
        "Overview",
        "The queue by state, the last hour's attempts per minute with the success ratio and latency percentiles, the endpoints failing now and the last dead-lettered deliveries.",
    ),
    (
        "overview-narrow-dark",
        "Narrow window, dark mode",
        "The same overview in a 400-pixel window with the system set to dark: tables scroll inside their frame, the page never sideways.",
    ),
    (
        "endpoints",
        "Endpoints",
        "Every endpoint with its state: enabled, failing since when, or disabled and why.",
    ),
    (
        "endpoint",
        "One endpoint",
        "Its settings, enable/disable, secret rotation, recovery of dead letters since a time, its recent attempts (green delivered, red failed) and its deliveries, 50 a page with Newer/Older links.",
    ),
    (
        "endpoint-edit",
        "Editing an endpoint",
        "Every setting the admin API's PATCH takes: headers are set by `Name: value` lines and removed by name (their values are never shown), metadata is edited whole. Each refused value is shown on its own field, the others kept.",
    ),
    (
        "endpoint-new",
        "New endpoint",
        "Creating an endpoint; a refused setting is shown above the form with the values kept. The signing secret is shown once, on the page that follows.",
    ),
    (
        "messages",
        "Messages",
        "Search by event type, endpoint, delivery status and time, 50 a page with Newer/Older links; every message a search finds can be replayed in one go, and the bulk replays of the last hour are listed below.",
    ),
    (
        "bulk-replay",
        "Bulk replay",
        "A bulk replay runs in the background (at most three at once; kept for an hour after it ends, in this gateway process). Its page counts pages walked, messages replayed, new deliveries and failures, refreshed every second by the console's script until done; without scripts a Refresh link does the same.",
    ),
    (
        "message",
        "One message",
        "The payload as pretty JSON, each delivery with every attempt (time, status, latency, error kind, the receiver's answer) and replay to one endpoint or all.",
    ),
    (
        "ingest",
        "Ingest",
        "The configured sources, their accepted, rejected, duplicate and failed requests since start, and the latest events each published.",
    ),
    (
        "tools",
        "Tools",
        "Every tool the gateway offers, with its description.",
    ),
    (
        "tool",
        "Trying a tool",
        "A form generated from the tool's input schema; the call goes through the gateway's policy, limits and audit. Validation errors appear on their field, the result as JSON.",
    ),
    (
        "tool-error",
        "A refused argument",
        "The registry's validation message, on the field its JSON pointer names.",
    ),
    (
        "tool-calls",
        "Tool-call audit",
        "The audit trail of tool calls with filters, 50 a page, newest first.",
    ),
];

/// Runs the browser tests into `docs/console/` and writes `docs/console.md`.
pub(crate) fn run(root: &Path, args: &[String]) -> Result<()> {
    if !args.is_empty() {
        bail!("usage: cargo xtask console-screenshots");
    }
    let dir = root.join("docs/console");
    if dir.exists() {
        for entry in
            std::fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))?
        {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "png") {
                std::fs::remove_file(&path)
                    .with_context(|| format!("removing {}", path.display()))?;
            }
        }
    }
    let dir_text = dir.to_str().context("the docs path is not UTF-8")?;
    cargo(
        root,
        &[
            "test",
            "-p",
            "switchboard-server",
            "--all-features",
            "--test",
            "it",
            "console_browser",
        ],
        &[
            ("SWITCHBOARD_CONSOLE_SCREENSHOTS", dir_text),
            ("SWITCHBOARD_REQUIRE_BROWSER", "1"),
        ],
    )
    .context("the console's browser tests failed, so the screenshots are incomplete")?;
    for entry in std::fs::read_dir(&dir)? {
        let path = entry?.path();
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        if !PAGES.iter().any(|(name, _, _)| *name == stem) {
            bail!(
                "{} is not listed in xtask/src/console.rs PAGES: add it there",
                path.display()
            );
        }
    }
    let mut doc = String::from(
        "# The web console\n\n\
         <!-- Generated by `cargo xtask console-screenshots` from the console's browser tests; do not edit. -->\n\n\
         The gateway serves an operator console at `/ui` on its own port: sign in with the admin key \
         (see [the gateway guide](gateway.md)). The pages are rendered on the server, work without \
         JavaScript, follow the system's light or dark setting and fit narrow windows.\n",
    );
    for (name, title, about) in PAGES {
        let file = dir.join(format!("{name}.png"));
        if !file.exists() {
            bail!(
                "the browser tests took no picture of {name} ({})",
                file.display()
            );
        }
        write!(
            doc,
            "\n## {title}\n\n{about}\n\n![{title}](console/{name}.png)\n"
        )?;
    }
    std::fs::write(root.join("docs/console.md"), doc).context("writing docs/console.md")?;
    eprintln!(
        "wrote docs/console.md and {} pictures in docs/console/",
        PAGES.len()
    );
    Ok(())
}
