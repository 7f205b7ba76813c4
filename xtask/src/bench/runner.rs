//! Running one group's `cargo bench`, and the Python interpreter its peers need.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

use super::Group;

/// Runs one bench, echoing its output, and returns its stdout.
pub(super) fn run_bench(root: &Path, target: &Path, group: &Group, quick: bool) -> Result<String> {
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
