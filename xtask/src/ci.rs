//! `cargo xtask ci`: every check CI runs, in the order that fails fastest.

use std::path::Path;

use anyhow::Result;

use crate::util::cargo;

/// Runs fmt, clippy, feature sets, the generated-files check, tests and docs; `--no-test` skips the test step.
pub(crate) fn run(root: &Path, args: &[String]) -> Result<()> {
    let skip_tests = args.iter().any(|a| a == "--no-test");
    cargo(root, &["fmt", "--all", "--check"], &[])?;
    cargo(
        root,
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--all-features",
            "--",
            "-D",
            "warnings",
        ],
        &[],
    )?;
    crate::features::run(root)?;
    // Also part of `cargo test` (the generators are tests); run first so a stale file is named
    // before the long test run.
    crate::codegen::run(root, &["--check".to_owned()])?;
    if !skip_tests {
        let refs =
            std::env::temp_dir().join(format!("switchboard-snap-refs-{}", std::process::id()));
        let _ = std::fs::remove_file(&refs);
        let refs_str = refs.to_string_lossy().into_owned();
        cargo(
            root,
            &["test", "--workspace", "--all-features"],
            &[
                ("INSTA_UPDATE", "no"),
                ("INSTA_SNAPSHOT_REFERENCES_FILE", &refs_str),
            ],
        )?;
        crate::snapshots::check(root, &refs)?;
    }
    cargo(
        root,
        &["doc", "--workspace", "--all-features", "--no-deps"],
        &[("RUSTDOCFLAGS", "-D warnings")],
    )?;
    Ok(())
}
