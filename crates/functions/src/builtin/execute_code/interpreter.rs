//! Finding each language's interpreter on the host and the files it needs to read inside the sandbox.
//!
//! Python may be a pyenv shim (a shell script needing the host environment), so the candidate is asked
//! for its real `sys.executable` and prefixes once, outside the sandbox; the sandbox then executes the
//! real binary directly. A candidate the sandbox uid cannot reach (for example under a mode-700 `/root`)
//! is skipped with a reason, and the next candidate is tried.

use std::ffi::OsString;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::process::Command;

use super::args::Language;

/// A resolved interpreter.
#[derive(Debug, Clone)]
pub(super) struct Interpreter {
    /// The real executable (canonical path).
    pub(super) executable: PathBuf,
    /// Arguments placed before the code file name.
    pub(super) args: Vec<OsString>,
    /// Files and directories it must read and execute (its prefix).
    pub(super) read_paths: Vec<PathBuf>,
    /// Version string, for the report.
    pub(super) version: String,
}

/// Who must be able to reach the interpreter: the sandbox uid/gid, or `None` when no uid drop happens.
#[derive(Debug, Clone, Copy)]
pub(super) struct Reach {
    pub(super) uid: u32,
    pub(super) gid: u32,
}

const HOST_PROBE_TIMEOUT: Duration = Duration::from_secs(10);

const PYTHON_PROBE: &str = "import sys; print(sys.executable); print(sys.base_prefix); print(sys.prefix); print(sys.version.split()[0])";

/// Resolves the interpreter for `language`, or says why none works.
pub(super) async fn resolve(
    language: Language,
    configured: Option<&Path>,
    reach: Option<Reach>,
) -> Result<Interpreter, String> {
    let candidates = candidates(language, configured);
    if candidates.is_empty() {
        return Err(format!(
            "no {} interpreter found on PATH or in the usual places",
            program_name(language)
        ));
    }
    let mut reasons = Vec::new();
    for candidate in candidates {
        let resolved = match language {
            Language::Python => resolve_python(&candidate).await,
            Language::Javascript => resolve_node(&candidate).await,
            Language::Shell => resolve_shell(&candidate),
        };
        let interp = match resolved {
            Ok(i) => i,
            Err(e) => {
                reasons.push(format!("{}: {e}", candidate.display()));
                continue;
            }
        };
        if let Some(reach) = reach
            && let Err(e) = reachable(&interp.executable, reach)
        {
            reasons.push(format!("{}: {e}", interp.executable.display()));
            continue;
        }
        let mut interp = interp;
        if !reasons.is_empty() {
            interp.version = format!("{} (skipped {})", interp.version, reasons.join("; "));
        }
        return Ok(interp);
    }
    Err(reasons.join("; "))
}

fn program_name(language: Language) -> &'static str {
    match language {
        Language::Python => "python3",
        Language::Javascript => "node",
        Language::Shell => "sh",
    }
}

fn candidates(language: Language, configured: Option<&Path>) -> Vec<PathBuf> {
    if let Some(path) = configured {
        return vec![path.to_path_buf()];
    }
    let name = program_name(language);
    let mut out = Vec::new();
    if language != Language::Shell
        && let Some(found) = search_path(name)
    {
        out.push(found);
    }
    let fixed: &[&str] = match language {
        Language::Python => &["/usr/bin/python3", "/usr/local/bin/python3"],
        Language::Javascript => &["/usr/bin/node", "/usr/local/bin/node"],
        Language::Shell => &["/bin/sh", "/usr/bin/sh"],
    };
    for path in fixed {
        let path = PathBuf::from(path);
        if is_executable(&path) && !out.contains(&path) {
            out.push(path);
        }
    }
    out
}

fn search_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| is_executable(p))
}

fn is_executable(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

async fn host_output(program: &Path, args: &[&str]) -> Result<String, String> {
    let mut cmd = Command::new(program);
    cmd.args(args)
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    let out = tokio::time::timeout(HOST_PROBE_TIMEOUT, cmd.output())
        .await
        .map_err(|_| format!("did not answer within {} s", HOST_PROBE_TIMEOUT.as_secs()))?
        .map_err(|e| format!("cannot run: {e}"))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        return Err(format!("exited with {}: {}", out.status, stderr.trim()));
    }
    String::from_utf8(out.stdout).map_err(|_| "printed non-UTF-8 output".to_owned())
}

async fn resolve_python(candidate: &Path) -> Result<Interpreter, String> {
    let out = host_output(candidate, &["-I", "-c", PYTHON_PROBE]).await?;
    let lines: Vec<&str> = out.lines().collect();
    let [exe, base_prefix, prefix, version] = lines.as_slice() else {
        return Err(format!("unexpected probe output {out:?}"));
    };
    let executable = canonical(Path::new(exe))?;
    let mut read_paths = vec![executable.clone()];
    for p in [base_prefix, prefix] {
        let p = canonical(Path::new(p))?;
        if !read_paths.contains(&p) {
            read_paths.push(p);
        }
    }
    Ok(Interpreter {
        executable,
        args: vec!["-I".into(), "-B".into(), "-u".into()],
        read_paths,
        version: format!("Python {version}"),
    })
}

async fn resolve_node(candidate: &Path) -> Result<Interpreter, String> {
    let executable = canonical(candidate)?;
    let version = host_output(&executable, &["--version"])
        .await?
        .trim()
        .to_owned();
    // Only the binary: its built-in modules, ICU data and the code's `require` of the standard library
    // are inside it, and its shared libraries are in the system paths. Its install prefix is not
    // granted: for a `node` in `~/bin` that would be the whole home directory. A build that needs files
    // beside it (shared libraries in its own prefix) fails the sandboxed start at detection, with the
    // reason in the report, and `extra_read_paths` grants them.
    Ok(Interpreter {
        read_paths: vec![executable.clone()],
        executable,
        args: Vec::new(),
        version: format!("Node.js {version}"),
    })
}

fn resolve_shell(candidate: &Path) -> Result<Interpreter, String> {
    let executable = canonical(candidate)?;
    if !is_executable(&executable) {
        return Err("not an executable file".to_owned());
    }
    Ok(Interpreter {
        read_paths: vec![executable.clone()],
        executable,
        args: Vec::new(),
        version: format!("POSIX shell ({})", candidate.display()),
    })
}

fn canonical(path: &Path) -> Result<PathBuf, String> {
    std::fs::canonicalize(path).map_err(|e| format!("cannot resolve {}: {e}", path.display()))
}

/// Checks with the mode bits that `reach` can traverse every ancestor and read and execute the file.
fn reachable(path: &Path, reach: Reach) -> Result<(), String> {
    let allowed = |meta: &std::fs::Metadata, bits: u32| -> bool {
        let mode = meta.mode();
        let shift = if meta.uid() == reach.uid {
            6
        } else if meta.gid() == reach.gid {
            3
        } else {
            0
        };
        (mode >> shift) & bits == bits
    };
    for dir in path.ancestors().skip(1) {
        let meta =
            std::fs::metadata(dir).map_err(|e| format!("cannot stat {}: {e}", dir.display()))?;
        if !allowed(&meta, 0o1) {
            return Err(format!(
                "uid {} cannot enter {} (mode {:o}); configure an interpreter outside it",
                reach.uid,
                dir.display(),
                meta.mode() & 0o7777
            ));
        }
    }
    let meta =
        std::fs::metadata(path).map_err(|e| format!("cannot stat {}: {e}", path.display()))?;
    if !allowed(&meta, 0o5) {
        return Err(format!("uid {} cannot read and execute it", reach.uid));
    }
    Ok(())
}

/// System paths every interpreter needs to read: libraries, the loader cache and time zones.
pub(super) fn system_read_paths() -> Vec<PathBuf> {
    [
        "/usr",
        "/lib",
        "/lib64",
        "/lib32",
        "/libx32",
        "/bin",
        "/sbin",
        "/etc/ld.so.cache",
        "/etc/ld.so.conf",
        "/etc/ld.so.conf.d",
        "/etc/localtime",
        // OpenSSL configuration and public CA certificates (Node.js reads openssl.cnf at start-up).
        "/etc/ssl",
    ]
    .into_iter()
    .map(PathBuf::from)
    .filter(|p| p.exists())
    .collect()
}
