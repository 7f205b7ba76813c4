//! `cargo xtask features`: each crate builds with each of its features alone, and the facade
//! with every combination of its top-level feature families.

use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::util::{cargo, cargo_output};

/// Top-level features of the facade whose every combination must build.
const FACADE_FAMILIES: &[&str] = &["webhooks", "functions", "connectors", "sqlite", "postgres"];

/// Runs `cargo check` for every feature of every library crate alone, then the facade powerset.
pub(crate) fn run(root: &Path) -> Result<()> {
    let metadata = cargo_output(root, &["metadata", "--format-version", "1", "--no-deps"])?;
    let metadata: serde_json::Value =
        serde_json::from_str(&metadata).context("cargo metadata printed invalid JSON")?;
    let packages = metadata["packages"]
        .as_array()
        .context("cargo metadata has no packages")?;
    let mut checks = 0;
    for package in packages {
        let name = package["name"].as_str().unwrap_or_default();
        if name == "xtask" || name == "switchboard-server" {
            continue;
        }
        let features: Vec<&str> = package["features"]
            .as_object()
            .map(|f| {
                f.keys()
                    .map(String::as_str)
                    .filter(|f| *f != "default")
                    .collect()
            })
            .unwrap_or_default();
        cargo(root, &["check", "-p", name, "--no-default-features"], &[])?;
        checks += 1;
        for feature in &features {
            cargo(
                root,
                &[
                    "check",
                    "-p",
                    name,
                    "--no-default-features",
                    "--features",
                    feature,
                ],
                &[],
            )?;
            checks += 1;
        }
        if name == "switchboard" {
            let present: Vec<&str> = FACADE_FAMILIES
                .iter()
                .copied()
                .filter(|f| features.contains(f))
                .collect();
            // Singles are done above; check every combination of two or more.
            for mask in 1u32..(1 << present.len()) {
                if mask.count_ones() < 2 {
                    continue;
                }
                let set: Vec<&str> = (0..present.len())
                    .filter(|i| mask & (1 << i) != 0)
                    .map(|i| present[i])
                    .collect();
                let joined = set.join(",");
                cargo(
                    root,
                    &[
                        "check",
                        "-p",
                        name,
                        "--no-default-features",
                        "--features",
                        &joined,
                    ],
                    &[],
                )?;
                checks += 1;
            }
        }
    }
    if checks == 0 {
        bail!("no packages were checked: is this the Switchboard workspace?");
    }
    eprintln!("features: {checks} feature sets build");
    Ok(())
}
