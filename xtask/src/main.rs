//! `cargo xtask`: the workspace's automation, written in Rust so it needs only cargo.
//!
//! Run `cargo xtask help` for the list of commands.

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a command-line program reports to the terminal"
)]

mod ci;
mod tidy;
mod util;

use anyhow::{Result, bail};

const HELP: &str = "\
cargo xtask <command>

Commands:
  ci      fmt check, clippy -D warnings, tests, docs with -D warnings, snapshot check
  help    this text
";

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = util::workspace_root()?;
    match args.first().map(String::as_str) {
        Some("ci") => ci::run(&root, &args[1..]),
        Some("help") | None => {
            print!("{HELP}");
            Ok(())
        }
        Some(other) => bail!("unknown command `{other}`\n\n{HELP}"),
    }
}
