//! `cargo xtask codegen [--check]`: regenerates the checked-in generated files.
//!
//! The generators live beside the data they render, as tests of the crate that owns it
//! (`crates/server/tests/codegen.rs`: `docs/tools.md`, `docs/openapi.json`,
//! `docs/admin-openapi.json`,
//! `docs/config-reference.md` and the tool tables in `docs/connectors.md`), so plain `cargo test` fails on a stale file and xtask does not
//! have to build the server. This command runs those tests with `UPDATE_CODEGEN=1` (rewrite)
//! or, with `--check`, without it (fail, naming the stale file and showing a short diff).

use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::util::cargo;

/// The test target that generates files; every crate that generates something names its
/// test this. Built with the same flags as the workspace test run, so nothing is rebuilt.
const TEST_TARGET: &str = "codegen";

/// The files the generators write, for the report after a rewrite.
const GENERATED: &[&str] = &[
    "docs/tools.md",
    "docs/openapi.json",
    "docs/admin-openapi.json",
    "docs/config-reference.md",
    "docs/connectors.md",
];

/// Runs every generator; `--check` only compares.
pub(crate) fn run(root: &Path, args: &[String]) -> Result<()> {
    let check = match args {
        [] => false,
        [flag] if flag == "--check" => true,
        _ => bail!("usage: cargo xtask codegen [--check]"),
    };
    // An empty value means "check" to the tests, whatever the caller's environment holds.
    let update = if check { "" } else { "1" };
    cargo(
        root,
        &[
            "test",
            "--workspace",
            "--all-features",
            "--test",
            TEST_TARGET,
            "--quiet",
        ],
        // No backtrace: the failing test's message (file name and diff) is what matters.
        &[("UPDATE_CODEGEN", update), ("RUST_BACKTRACE", "0")],
    )
    .with_context(|| {
        if check {
            "generated files are stale: run `cargo xtask codegen` and commit the result \
             (the failing test above names the file and shows the difference)"
        } else {
            "a generator failed"
        }
    })?;
    if !check {
        let mut args = vec!["status", "--porcelain", "--"];
        args.extend(GENERATED);
        let changed = crate::util::git(root, &args)?;
        if changed.trim().is_empty() {
            eprintln!("codegen: every generated file was already up to date");
        } else {
            eprintln!("codegen: generated files changed (commit them):\n{changed}");
        }
    }
    Ok(())
}
