//! `cargo xtask snapshots`: fails on `.snap` files that no test referenced (stale snapshots).
//!
//! Run the tests with `INSTA_SNAPSHOT_REFERENCES_FILE=<file>` (insta appends every snapshot it
//! reads), then `cargo xtask snapshots <file>` compares that list with the files on disk.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// Compares the snapshot files under `crates/` with the references recorded in `references`.
pub(crate) fn check(root: &Path, references: &Path) -> Result<()> {
    let text = fs::read_to_string(references)
        .with_context(|| format!("cannot read the references file {}", references.display()))?;
    let referenced: BTreeSet<PathBuf> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| fs::canonicalize(l).unwrap_or_else(|_| PathBuf::from(l)))
        .collect();
    let mut on_disk = Vec::new();
    collect(&root.join("crates"), &mut on_disk);
    let stale: Vec<String> = on_disk
        .iter()
        .filter(|p| !referenced.contains(&fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())))
        .map(|p| p.strip_prefix(root).unwrap_or(p).display().to_string())
        .collect();
    if !stale.is_empty() {
        bail!(
            "{} snapshot file(s) are not used by any test; delete them:\n  {}",
            stale.len(),
            stale.join("\n  ")
        );
    }
    eprintln!(
        "snapshots: all {} snapshot files are referenced",
        on_disk.len()
    );
    Ok(())
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if name == "target" || name == "fuzz" {
            continue;
        }
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "snap") {
            out.push(path);
        }
    }
}
