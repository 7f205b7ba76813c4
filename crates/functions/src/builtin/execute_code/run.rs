//! One sandboxed run: work directory, spawn with the child plan, timeout, group kill, output capture.

use std::ffi::CString;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustix::process::{Pid, Signal};
use tokio::process::Command;

use super::SandboxInner;
use super::args::{ExecuteCodeOutput, Language};
use super::capture::{self, SharedCapture};
use super::child::{self, ChildPlan, TmpfsPlan};
use super::error::{ExecuteError, SetupStep};
use super::interpreter::Interpreter;
use super::landlock_rules;
use super::report::Layer;

/// How long to keep reading output after the process group was killed.
const DRAIN_GRACE: Duration = Duration::from_millis(500);

/// Fixed environment of the code: nothing from the host.
const PATH: &str = "/usr/local/bin:/usr/bin:/bin";

/// Runs `code` with `interp` under every active layer of `sandbox`.
pub(super) async fn run(
    sandbox: &SandboxInner,
    language: Language,
    interp: &Interpreter,
    code: &str,
    wall: Duration,
) -> Result<ExecuteCodeOutput, ExecuteError> {
    let workdir = make_workdir(sandbox, language, code)?;
    let result = run_in(sandbox, language, interp, workdir.path(), code, wall).await;
    let path = workdir.path().to_path_buf();
    if let Err(e) = workdir.close() {
        tracing::warn!(workdir = %path.display(), error = %e, "cannot remove the execute_code work directory");
    }
    result
}

fn make_workdir(
    sandbox: &SandboxInner,
    language: Language,
    code: &str,
) -> Result<tempfile::TempDir, ExecuteError> {
    let parent = sandbox
        .config
        .workdir_parent
        .clone()
        .unwrap_or_else(std::env::temp_dir);
    let dir = tempfile::Builder::new()
        .prefix("switchboard-exec-")
        .tempdir_in(parent)
        .map_err(ExecuteError::WorkDir)?;
    // With a tmpfs work dir the child writes the code after mounting it.
    if !sandbox.workdir_tmpfs {
        std::fs::write(dir.path().join(language.file_name()), code)
            .map_err(ExecuteError::WorkDir)?;
    }
    if let Some((uid, gid)) = sandbox.drop_ids {
        std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid))
            .map_err(ExecuteError::WorkDir)?;
    }
    Ok(dir)
}

async fn run_in(
    sandbox: &SandboxInner,
    language: Language,
    interp: &Interpreter,
    workdir: &Path,
    code: &str,
    wall: Duration,
) -> Result<ExecuteCodeOutput, ExecuteError> {
    let plan = child_plan(sandbox, language, interp, workdir, code)?;
    let mut cmd = Command::new(&interp.executable);
    cmd.args(&interp.args)
        .arg(language.file_name())
        .current_dir(workdir)
        .env_clear()
        .env("PATH", PATH)
        .env("HOME", workdir)
        .env("TMPDIR", workdir)
        .env("LANG", "C.UTF-8")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    plan.install(&mut cmd);

    let started = Instant::now();
    let mut child = cmd
        .spawn()
        .map_err(|e| child::decode_spawn_error(e, language))?;
    // The leader's pid is the process group id (process_group(0)).
    let group = child
        .id()
        .and_then(|id| i32::try_from(id).ok())
        .and_then(Pid::from_raw);
    let guard = GroupKill(group);

    let stdout_sink = SharedCapture::default();
    let stderr_sink = SharedCapture::default();
    let mut drains = Vec::new();
    if let Some(out) = child.stdout.take() {
        drains.push(tokio::spawn(capture::drain(
            out,
            sandbox.config.limits.stdout_max_bytes,
            Arc::clone(&stdout_sink),
        )));
    }
    if let Some(err) = child.stderr.take() {
        drains.push(tokio::spawn(capture::drain(
            err,
            sandbox.config.limits.stderr_max_bytes,
            Arc::clone(&stderr_sink),
        )));
    }

    // Dropping these (on return, timeout or cancellation) aborts any drain still running.
    let _abort_drains: Vec<AbortOnDrop> = drains
        .iter()
        .map(|h| AbortOnDrop(h.abort_handle()))
        .collect();

    let waited = tokio::select! {
        status = child.wait() => Some(status.map_err(ExecuteError::Wait)?),
        () = tokio::time::sleep(wall) => None,
    };
    // Kill whatever is left of the group: the leader on timeout, background children in every case.
    guard.kill();
    let timed_out = waited.is_none();
    let status = match waited {
        Some(status) => status,
        None => child.wait().await.map_err(ExecuteError::Wait)?,
    };
    let duration = started.elapsed();

    let all = futures_join(drains);
    if tokio::time::timeout(DRAIN_GRACE, all).await.is_err() {
        tracing::warn!("execute_code output pipes stayed open after the process group was killed");
    }
    tracing::debug!(
        language = language.as_str(),
        exit_code = ?status.code(),
        signal = ?status.signal(),
        timed_out,
        duration_ms = duration.as_millis(),
        "execute_code run finished"
    );
    let (stdout, stdout_truncated) = capture::take(&stdout_sink);
    let (stderr, stderr_truncated) = capture::take(&stderr_sink);
    Ok(ExecuteCodeOutput {
        stdout,
        stderr,
        exit_code: status.code(),
        signal: status.signal().map(signal_name),
        timed_out,
        stdout_truncated,
        stderr_truncated,
        duration_ms: u64::try_from(duration.as_millis()).unwrap_or(u64::MAX),
        sandbox: sandbox.report.active_layers(),
    })
}

/// Waits for every drain task to reach end-of-file.
async fn futures_join(handles: Vec<tokio::task::JoinHandle<()>>) {
    for handle in handles {
        // A drain task does not panic; an aborted one has nothing more to give.
        let _ = handle.await;
    }
}

/// Aborts a task when dropped.
struct AbortOnDrop(tokio::task::AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Kills the process group when dropped (also on cancellation) or when asked.
struct GroupKill(Option<Pid>);

impl GroupKill {
    fn kill(&self) {
        if let Some(pid) = self.0 {
            // ESRCH (the group is already gone) is the normal case after a clean exit.
            let _ = rustix::process::kill_process_group(pid, Signal::KILL);
        }
    }
}

impl Drop for GroupKill {
    fn drop(&mut self) {
        self.kill();
    }
}

fn child_plan(
    sandbox: &SandboxInner,
    language: Language,
    interp: &Interpreter,
    workdir: &Path,
    code: &str,
) -> Result<ChildPlan, ExecuteError> {
    let landlock =
        match sandbox.landlock_abi {
            Some(abi) => {
                let mut read_paths = interp.read_paths.clone();
                read_paths.extend(sandbox.system_paths.iter().cloned());
                read_paths.extend(sandbox.config.extra_read_paths.iter().cloned());
                // A tmpfs work dir gets its rule in the child, after it is mounted.
                let own_workdir = (!sandbox.workdir_tmpfs).then_some(workdir);
                let ruleset = landlock_rules::build_ruleset(abi, &read_paths, own_workdir)
                    .map_err(|reason| ExecuteError::Setup {
                        step: SetupStep::Landlock,
                        source: std::io::Error::other(reason),
                    })?;
                Some(ruleset)
            }
            None => None,
        };
    let tmpfs = if sandbox.workdir_tmpfs {
        let (uid, gid) = sandbox.drop_ids.unwrap_or_else(|| {
            (
                rustix::process::geteuid().as_raw(),
                rustix::process::getegid().as_raw(),
            )
        });
        Some(tmpfs_plan(
            workdir,
            sandbox.config.limits.workdir_bytes,
            (uid, gid),
            language.file_name(),
            code,
        )?)
    } else {
        None
    };
    Ok(ChildPlan {
        unshare: sandbox.unshare,
        tmpfs,
        limits: sandbox.limits.clone(),
        ids: sandbox.drop_ids,
        no_new_privs: sandbox.report.status(Layer::NoNewPrivs).is_satisfied(),
        landlock_workdir: sandbox
            .landlock_abi
            .filter(|_| sandbox.workdir_tmpfs)
            .map(landlock_rules::workdir_access),
        landlock,
        seccomp: sandbox.seccomp.clone(),
    })
}

/// Prepares the tmpfs mount of `workdir` owned by `ids`, holding `code` as `file_name`.
pub(super) fn tmpfs_plan(
    workdir: &Path,
    bytes: u64,
    (uid, gid): (u32, u32),
    file_name: &str,
    code: &str,
) -> Result<TmpfsPlan, ExecuteError> {
    use std::os::unix::ffi::OsStrExt;
    let nul = |what: &str| {
        ExecuteError::WorkDir(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("{what} contains a NUL byte"),
        ))
    };
    Ok(TmpfsPlan {
        target: CString::new(workdir.as_os_str().as_bytes())
            .map_err(|_| nul("the work directory path"))?,
        options: CString::new(format!("size={bytes},mode=0700,uid={uid},gid={gid}"))
            .map_err(|_| nul("the tmpfs options"))?,
        file_name: CString::new(file_name).map_err(|_| nul("the file name"))?,
        code: code.as_bytes().to_vec(),
    })
}

/// The conventional name of a signal number.
pub(super) fn signal_name(signal: i32) -> String {
    let name = match signal {
        libc::SIGHUP => "SIGHUP",
        libc::SIGINT => "SIGINT",
        libc::SIGQUIT => "SIGQUIT",
        libc::SIGILL => "SIGILL",
        libc::SIGTRAP => "SIGTRAP",
        libc::SIGABRT => "SIGABRT",
        libc::SIGBUS => "SIGBUS",
        libc::SIGFPE => "SIGFPE",
        libc::SIGKILL => "SIGKILL",
        libc::SIGUSR1 => "SIGUSR1",
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGUSR2 => "SIGUSR2",
        libc::SIGPIPE => "SIGPIPE",
        libc::SIGALRM => "SIGALRM",
        libc::SIGTERM => "SIGTERM",
        libc::SIGXCPU => "SIGXCPU",
        libc::SIGXFSZ => "SIGXFSZ",
        libc::SIGSYS => "SIGSYS",
        _ => return format!("signal {signal}"),
    };
    name.to_owned()
}
