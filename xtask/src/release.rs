//! `cargo xtask release <version> [--dry-run] [--skip-ci]`: bump, changelog, regenerated docs,
//! checks, package, tag.
//!
//! Refuses a dirty tree and a version that does not increase. With `--dry-run` every step runs
//! and the tree is restored at the end; without it the bump is committed and an annotated tag
//! `v<version>` is created locally (never pushed).

use std::fs;
use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::util::{cargo, git};

/// A `major.minor.patch` version; pre-release suffixes are refused to keep ordering simple.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Version(u64, u64, u64);

impl Version {
    pub(crate) fn parse(s: &str) -> Result<Version> {
        let parts: Vec<&str> = s.trim().trim_start_matches('v').split('.').collect();
        let [a, b, c] = parts.as_slice() else {
            bail!("`{s}` is not a version of the form MAJOR.MINOR.PATCH");
        };
        let n = |p: &str| {
            p.parse::<u64>()
                .with_context(|| format!("`{s}`: `{p}` is not a number"))
        };
        Ok(Version(n(a)?, n(b)?, n(c)?))
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

/// The version in `[workspace.package]` of the root manifest.
fn current_version(manifest: &str) -> Result<Version> {
    let section = manifest
        .split("\n[")
        .find(|s| s.starts_with("workspace.package]"))
        .context("the root Cargo.toml has no [workspace.package] section")?;
    let line = section
        .lines()
        .find(|l| l.starts_with("version = "))
        .context("[workspace.package] has no version")?;
    Version::parse(line.trim_start_matches("version = ").trim_matches('"'))
}

/// The manifest with the workspace version and every internal dependency's version set to `new`.
pub(crate) fn bump_manifest(manifest: &str, old: Version, new: Version) -> String {
    let (old, new) = (format!("\"{old}\""), format!("\"{new}\""));
    let mut in_package = false;
    let mut out = String::with_capacity(manifest.len());
    for line in manifest.lines() {
        if line.starts_with('[') {
            in_package = line == "[workspace.package]";
        }
        let bumped = if (in_package && line.starts_with("version = "))
            || (line.starts_with("switchboard") && line.contains("path ="))
        {
            line.replace(&old, &new)
        } else {
            line.to_owned()
        };
        out.push_str(&bumped);
        out.push('\n');
    }
    out
}

/// Moves the `## [Unreleased]` notes under a new `## [version] - date` heading.
pub(crate) fn release_changelog(changelog: &str, version: Version, date: &str) -> Result<String> {
    const UNRELEASED: &str = "## [Unreleased]";
    let start = changelog
        .find(UNRELEASED)
        .context("CHANGELOG.md has no `## [Unreleased]` section")?;
    let body_start = start + UNRELEASED.len();
    let body_end = changelog[body_start..]
        .find("\n## [")
        .map_or(changelog.len(), |i| body_start + i);
    let notes = changelog[body_start..body_end].trim();
    if notes.is_empty() {
        bail!("nothing to release: the `## [Unreleased]` section of CHANGELOG.md is empty");
    }
    Ok(format!(
        "{}{UNRELEASED}\n\n## [{version}] - {date}\n\n{notes}\n{}",
        &changelog[..start],
        &changelog[body_end..]
    ))
}

fn today() -> Result<String> {
    let out = std::process::Command::new("date")
        .arg("+%F")
        .output()
        .context("could not run `date`")?;
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// Runs the release.
pub(crate) fn run(root: &Path, args: &[String]) -> Result<()> {
    let dry_run = args.iter().any(|a| a == "--dry-run");
    let skip_ci = args.iter().any(|a| a == "--skip-ci");
    let Some(requested) = args.iter().find(|a| !a.starts_with("--")) else {
        bail!("usage: cargo xtask release <version> [--dry-run] [--skip-ci]");
    };
    let new = Version::parse(requested)?;

    if !git(root, &["status", "--porcelain"])?.trim().is_empty() {
        bail!("the work tree has uncommitted changes; commit or stash them first");
    }
    let manifest_path = root.join("Cargo.toml");
    let changelog_path = root.join("CHANGELOG.md");
    let manifest = fs::read_to_string(&manifest_path).context("reading Cargo.toml")?;
    let changelog = fs::read_to_string(&changelog_path).context("reading CHANGELOG.md")?;
    let old = current_version(&manifest)?;
    let last_tag = git(root, &["tag", "--list", "v*", "--sort=-v:refname"])?
        .lines()
        .find_map(|t| Version::parse(t).ok());
    match last_tag {
        Some(tag) if new <= tag => bail!("{new} does not increase on the last release v{tag}"),
        None if new < old => bail!("{new} is lower than the current version {old}"),
        _ => {}
    }
    if git(root, &["tag", "--list", &format!("v{new}")])?.trim() == format!("v{new}") {
        bail!("the tag v{new} exists already");
    }

    eprintln!(
        "release: {old} -> {new}{}",
        if dry_run { " (dry run)" } else { "" }
    );
    fs::write(&manifest_path, bump_manifest(&manifest, old, new))?;
    fs::write(
        &changelog_path,
        release_changelog(&changelog, new, &today()?)?,
    )?;
    let restore = || -> Result<()> {
        fs::write(&manifest_path, &manifest)?;
        fs::write(&changelog_path, &changelog)?;
        git(root, &["checkout", "--", "Cargo.lock", "docs"]).map(|_| ())
    };
    let checks = (|| -> Result<()> {
        // Generated docs carry the version (the OpenAPI document's `info.version`).
        crate::codegen::run(root, &[])?;
        if !skip_ci {
            crate::ci::run(root, &[])?;
        }
        // Packages every publishable crate in dependency order against a local registry overlay,
        // and verifies each one builds from its packaged sources.
        cargo(
            root,
            &[
                "publish",
                "--dry-run",
                "--workspace",
                "--exclude",
                "xtask",
                "--allow-dirty",
            ],
            &[],
        )
    })();
    if dry_run || checks.is_err() {
        restore()?;
        checks?;
        eprintln!("release: dry run passed; the tree is unchanged");
        return Ok(());
    }
    git(root, &["commit", "-am", &format!("Release {new}")])?;
    git(
        root,
        &[
            "tag",
            "-a",
            &format!("v{new}"),
            "-m",
            &format!("Switchboard {new}"),
        ],
    )?;
    eprintln!(
        "release: committed and tagged v{new}; push with `git push && git push origin v{new}`"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_and_order() {
        assert!(Version::parse("0.2.0").unwrap() > Version::parse("v0.1.9").unwrap());
        assert!(Version::parse("1.0").is_err());
        assert!(Version::parse("1.0.x").is_err());
    }

    #[test]
    fn bump_touches_the_workspace_version_and_internal_dependencies_only() {
        let manifest = "[workspace.package]\nversion = \"0.1.0\"\n\n[workspace.dependencies]\nswitchboard-core = { path = \"crates/core\", version = \"0.1.0\" }\nserde = { version = \"0.1.0\" }\n";
        let out = bump_manifest(manifest, Version(0, 1, 0), Version(0, 2, 0));
        assert_eq!(
            out,
            "[workspace.package]\nversion = \"0.2.0\"\n\n[workspace.dependencies]\nswitchboard-core = { path = \"crates/core\", version = \"0.2.0\" }\nserde = { version = \"0.1.0\" }\n"
        );
    }

    #[test]
    fn changelog_moves_unreleased_notes() {
        let log = "# Changelog\n\n## [Unreleased]\n\n- Added a thing.\n\n## [0.0.1] - 2026-01-01\n\n- First.\n";
        let out = release_changelog(log, Version(0, 1, 0), "2026-11-27").unwrap();
        assert_eq!(
            out,
            "# Changelog\n\n## [Unreleased]\n\n## [0.1.0] - 2026-11-27\n\n- Added a thing.\n\n## [0.0.1] - 2026-01-01\n\n- First.\n"
        );
        assert!(release_changelog("## [Unreleased]\n\n", Version(1, 0, 0), "d").is_err());
    }
}
