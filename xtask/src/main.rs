//! `cargo xtask`: the workspace's automation, written in Rust so it needs only cargo.
//!
//! Run `cargo xtask help` for the list of commands.

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a command-line program reports to the terminal"
)]

mod bench;
mod ci;
mod codegen;
mod console;
mod features;
mod release;
mod snapshots;
mod tidy;
mod util;

use anyhow::{Result, bail};

const HELP: &str = "\
cargo xtask <command>

Commands:
  bench [--quick] [--only GROUP] [--collect-only]
                          run the end-to-end benchmarks (http-client, signing, dispatch,
                          delivery, gateway) and rewrite their tables in docs/benchmarks.md
                          and docs/benchmarks-delivery.svg
  ci                      fmt check, clippy -D warnings, feature sets, tests, stale
                          snapshots, docs with -D warnings
  console-screenshots     run the console's browser tests (needs chromium and
                          chromium-driver) saving each page into docs/console/, and
                          rewrite docs/console.md around them
  codegen [--check]       regenerate docs/tools.md, docs/openapi.json and
                          docs/config-reference.md; --check fails if one is stale
  features                every crate with each feature alone; the facade's feature powerset
  snapshots <refs-file>   fail on .snap files no test referenced (refs from
                          INSTA_SNAPSHOT_REFERENCES_FILE)
  release <version> [--dry-run] [--skip-ci]
                          bump versions, update CHANGELOG.md, run ci, package every crate,
                          commit and tag locally (never pushes)
  help                    this text
";

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = util::workspace_root()?;
    match args.first().map(String::as_str) {
        Some("bench") => bench::run(&root, &args[1..]),
        Some("ci") => ci::run(&root, &args[1..]),
        Some("codegen") => codegen::run(&root, &args[1..]),
        Some("console-screenshots") => console::run(&root, &args[1..]),
        Some("features") => features::run(&root),
        Some("snapshots") => match args.get(1) {
            Some(file) => snapshots::check(&root, std::path::Path::new(file)),
            None => bail!("usage: cargo xtask snapshots <references-file>"),
        },
        Some("release") => release::run(&root, &args[1..]),
        Some("help") | None => {
            print!("{HELP}");
            Ok(())
        }
        Some(other) => bail!("unknown command `{other}`\n\n{HELP}"),
    }
}
