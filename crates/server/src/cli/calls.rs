//! `switchboard calls list`: the audit trail of tool calls, read from the configured store (the
//! same rows and filters as `GET /admin/tool-calls`), as a table or, with `--json`, as the admin
//! API's page.

use clap::{Args, Subcommand};

use super::{EXIT_RUNTIME, EXIT_USAGE, Failure, fail};
use crate::audit::{AuditStore, CallParams, CallQuery, CallRow, ToolCall, format_time};
use crate::config::Settings;
use crate::http::page::PageOut;

/// `calls …`.
#[derive(Debug, Subcommand)]
pub enum CallsCommand {
    /// List recorded tool calls, newest first.
    List(CallsListArgs),
}

/// `calls list`: the filters of `GET /admin/tool-calls`.
#[derive(Debug, Args)]
pub struct CallsListArgs {
    /// Only calls by this token name, user id or user email.
    #[arg(long)]
    pub caller: Option<String>,
    /// Only calls of this tool.
    #[arg(long)]
    pub tool: Option<String>,
    /// Only calls with this outcome (ok, invalid_arguments, refused_policy, …).
    #[arg(long)]
    pub outcome: Option<String>,
    /// Only calls at or after this RFC 3339 time.
    #[arg(long)]
    pub since: Option<String>,
    /// Only calls before this RFC 3339 time.
    #[arg(long)]
    pub until: Option<String>,
    /// Most rows (1–1000, default 100).
    #[arg(long)]
    pub limit: Option<String>,
    /// Continue from a previous listing: its `iterator` for older calls, its `prev_iterator`
    /// for newer ones.
    #[arg(long)]
    pub iterator: Option<String>,
}

/// Runs `calls …` against the store of `settings`.
pub(super) async fn calls(
    cmd: CallsCommand,
    settings: &Settings,
    json_out: bool,
) -> Result<u8, Failure> {
    let CallsCommand::List(args) = cmd;
    let params = CallParams {
        caller: args.caller,
        tool: args.tool,
        outcome: args.outcome,
        since: args.since,
        until: args.until,
        limit: args.limit,
        iterator: args.iterator,
    };
    let query = CallQuery::parse(&params).map_err(|e| fail(EXIT_USAGE, format!("--{e}")))?;
    let store = AuditStore::open(settings)
        .await
        .map_err(|e| fail(EXIT_RUNTIME, format!("{e:#}")))?;
    let page = store
        .list(&query)
        .await
        .map_err(|e| fail(EXIT_RUNTIME, format!("{e:#}")))?;
    if json_out {
        let answer = PageOut::<ToolCall>::of(&page);
        let text = serde_json::to_string(&answer)
            .map_err(|e| fail(EXIT_RUNTIME, format!("writing the page as JSON: {e}")))?;
        println!("{text}");
    } else {
        print!("{}", table(&page.data));
        if let Some(older) = &page.next {
            eprintln!("older: --iterator {older}");
        }
        if let Some(newer) = &page.prev {
            eprintln!("newer: --iterator {newer}");
        }
    }
    Ok(0)
}

/// The rows as aligned columns under a header.
fn table(rows: &[CallRow]) -> String {
    let header = ["TIME", "CALLER", "TOOL", "VIA", "OUTCOME", "MS", "BYTES"].map(str::to_owned);
    let lines: Vec<[String; 7]> = rows
        .iter()
        .map(|r| {
            [
                format_time(r.at_us),
                r.caller_label().to_owned(),
                r.tool.clone(),
                r.transport.clone(),
                r.outcome.clone(),
                format!("{:.1}", r.duration_us as f64 / 1000.0),
                r.result_bytes.to_string(),
            ]
        })
        .collect();
    let mut widths = header.clone().map(|h| h.chars().count());
    for line in &lines {
        for (w, cell) in widths.iter_mut().zip(line) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for line in std::iter::once(&header).chain(&lines) {
        let cells: Vec<String> = line
            .iter()
            .zip(widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}
