//! The set-up the child runs between `fork` and `execve`: namespaces (with the PID namespace's two
//! forks, see [`super::pid_namespace`]), rlimits, uid drop, no_new_privs, Landlock and seccomp, in that
//! order.
//!
//! Everything is prepared in the parent: the rlimit values, the Landlock ruleset file descriptor, the
//! compiled BPF programs, the mount options and the code bytes. The child only makes system calls, so
//! it is safe after `fork` in a multi-threaded tokio program. (With a tmpfs work dir the child also adds
//! that one Landlock rule, whose descriptor must name the mounted tmpfs; the crate's `add_rule` does
//! not allocate on success.) A failure is reported through the spawn error as
//! `step * 10_000 + errno`, which [`decode_spawn_error`] turns back into [`ExecuteError::Setup`].

use std::ffi::CString;
use std::io;
use std::sync::Arc;

use landlock::{
    AccessFs, BitFlags, PathBeneath, RulesetCreated, RulesetCreatedAttr, RulesetStatus,
};
use rustix::process::{Resource, Rlimit};
use rustix::thread::UnshareFlags;

use super::error::{ExecuteError, SetupStep};
use super::pid_namespace;
use super::seccomp::SeccompPrograms;

/// Multiplier separating the set-up step from the errno in a spawn error code.
const STEP_FACTOR: i32 = 10_000;

/// One rlimit: resource, soft and hard value.
#[derive(Debug, Clone, Copy)]
pub(super) struct Limit {
    pub(super) resource: Resource,
    pub(super) soft: u64,
    pub(super) hard: u64,
}

/// Everything the child applies, prepared before `fork`.
#[derive(Debug, Default)]
pub(super) struct ChildPlan {
    /// Namespaces to unshare first, if any. With `NEWPID`, the program runs in the new PID namespace
    /// as the grandchild of the spawned process (see [`super::pid_namespace`]).
    pub(super) unshare: Option<UnshareFlags>,
    /// A private tmpfs to mount on the work directory (needs the mount namespace), with the code to write.
    pub(super) tmpfs: Option<TmpfsPlan>,
    /// Rlimits to set.
    pub(super) limits: Vec<Limit>,
    /// Uid and gid to switch to (with no supplementary groups).
    pub(super) ids: Option<(u32, u32)>,
    /// Whether to set no_new_privs.
    pub(super) no_new_privs: bool,
    /// The Landlock ruleset to enforce.
    pub(super) landlock: Option<RulesetCreated>,
    /// Rights on the tmpfs work dir, whose rule the child adds after mounting it.
    pub(super) landlock_workdir: Option<BitFlags<AccessFs>>,
    /// The seccomp programs to load, last.
    pub(super) seccomp: Option<Arc<SeccompPrograms>>,
}

/// The size-limited tmpfs work directory, prepared before `fork`.
#[derive(Debug)]
pub(super) struct TmpfsPlan {
    /// Absolute path of the work directory.
    pub(super) target: CString,
    /// Mount options (`size=…,mode=0700,uid=…,gid=…`).
    pub(super) options: CString,
    /// File name of the code inside the work directory.
    pub(super) file_name: CString,
    /// The code.
    pub(super) code: Vec<u8>,
}

impl TmpfsPlan {
    /// An `O_PATH` descriptor of the mounted work dir, for its Landlock rule.
    fn open_path(&self) -> rustix::io::Result<rustix::fd::OwnedFd> {
        use rustix::fs::{CWD, Mode, OFlags};
        rustix::fs::openat(
            CWD,
            self.target.as_c_str(),
            OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
    }

    /// Mounts the tmpfs privately, enters it and writes the code file.
    fn apply(&self) -> rustix::io::Result<()> {
        use rustix::fs::{CWD, Mode, OFlags};
        use rustix::mount::{MountFlags, MountPropagationFlags};

        // Nothing mounted here may propagate back to the host's mount namespace.
        rustix::mount::mount_change(
            c"/",
            MountPropagationFlags::REC | MountPropagationFlags::PRIVATE,
        )?;
        rustix::mount::mount(
            c"tmpfs",
            self.target.as_c_str(),
            c"tmpfs",
            MountFlags::NOSUID | MountFlags::NODEV,
            Some(self.options.as_c_str()),
        )?;
        // The current directory still points at the directory under the mount.
        rustix::process::chdir(self.target.as_c_str())?;
        let fd = rustix::fs::openat(
            CWD,
            self.file_name.as_c_str(),
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::CLOEXEC,
            Mode::from_raw_mode(0o644),
        )?;
        let mut rest: &[u8] = &self.code;
        while !rest.is_empty() {
            let n = rustix::io::write(&fd, rest)?;
            rest = rest.get(n..).unwrap_or_default();
        }
        Ok(())
    }
}

impl ChildPlan {
    /// Installs the plan as the command's `pre_exec` hook.
    #[allow(
        unsafe_code,
        reason = "pre_exec is unsafe; the hook only makes async-signal-safe system calls"
    )]
    pub(super) fn install(self, cmd: &mut tokio::process::Command) {
        let mut plan = self;
        // The vector is read, never resized, in the child.
        let limits: Vec<Limit> = std::mem::take(&mut plan.limits);
        let hook = move || plan.apply(&limits);
        // SAFETY: the hook runs in the forked child before execve. It only makes system calls
        // (unshare, mount, chdir, openat, write, close, setrlimit, setgroups, setresgid, setresuid, prctl, landlock_restrict_self, seccomp,
        // close_range; for the PID namespace also sigprocmask, sigaction, pipe2, clone, waitpid, read, kill, _exit)
        // on data prepared before fork; it does not allocate, lock or touch other threads' state. The
        // PID namespace's relay and init never return from it. Errors are built with
        // `io::Error::from_raw_os_error`, which does not allocate.
        unsafe {
            cmd.pre_exec(hook);
        }
    }

    fn apply(&mut self, limits: &[Limit]) -> io::Result<()> {
        mark_fds_cloexec();
        if let Some(flags) = self.unshare {
            unshare(flags).map_err(|e| encode(SetupStep::Namespaces, e.raw_os_error()))?;
        }
        if let Some(tmpfs) = &self.tmpfs {
            tmpfs
                .apply()
                .map_err(|e| encode(SetupStep::WorkdirMount, e.raw_os_error()))?;
        }
        if self
            .unshare
            .is_some_and(|flags| flags.contains(UnshareFlags::NEWPID))
        {
            // Returns only in the program's process (PID 2 of the new namespace).
            pid_namespace::enter().map_err(|errno| encode(SetupStep::PidNamespace, errno))?;
        }
        for limit in limits {
            let value = Rlimit {
                current: Some(limit.soft),
                maximum: Some(limit.hard),
            };
            rustix::process::setrlimit(limit.resource, value)
                .map_err(|e| encode(SetupStep::Rlimits, e.raw_os_error()))?;
        }
        if let Some((uid, gid)) = self.ids {
            drop_ids(uid, gid).map_err(|e| encode(SetupStep::UidDrop, e.raw_os_error()))?;
        }
        if self.no_new_privs {
            rustix::thread::set_no_new_privs(true)
                .map_err(|e| encode(SetupStep::NoNewPrivs, e.raw_os_error()))?;
        }
        if let Some(mut ruleset) = self.landlock.take() {
            if let (Some(access), Some(tmpfs)) = (self.landlock_workdir, &self.tmpfs) {
                let fd = tmpfs
                    .open_path()
                    .map_err(|e| encode(SetupStep::Landlock, e.raw_os_error()))?;
                ruleset = ruleset
                    .add_rule(PathBeneath::new(fd, access))
                    .map_err(|_| encode(SetupStep::Landlock, libc::EINVAL))?;
            }
            let status = ruleset
                .restrict_self()
                .map_err(|_| encode(SetupStep::Landlock, libc::EPERM))?;
            if status.ruleset != RulesetStatus::FullyEnforced {
                return Err(encode(SetupStep::LandlockNotEnforced, libc::EOPNOTSUPP));
            }
        }
        if let Some(programs) = &self.seccomp {
            seccompiler::apply_filter(&programs.deny)
                .map_err(|e| encode(SetupStep::Seccomp, seccomp_errno(&e)))?;
            seccompiler::apply_filter(&programs.clone3)
                .map_err(|e| encode(SetupStep::Seccomp, seccomp_errno(&e)))?;
            if let Some(x32) = &programs.x32 {
                seccompiler::apply_filter(x32)
                    .map_err(|e| encode(SetupStep::Seccomp, seccomp_errno(&e)))?;
            }
        }
        Ok(())
    }
}

#[allow(
    unsafe_code,
    reason = "unshare is unsafe in rustix only for CLONE_FILES, which is never passed"
)]
fn unshare(flags: UnshareFlags) -> rustix::io::Result<()> {
    // SAFETY: the flags never include CLONE_FILES (only namespace flags), and the child is single-threaded.
    unsafe { rustix::thread::unshare_unsafe(flags) }
}

fn drop_ids(uid: u32, gid: u32) -> rustix::io::Result<()> {
    let gid = rustix::process::Gid::from_raw(gid);
    let uid = rustix::process::Uid::from_raw(uid);
    rustix::thread::set_thread_groups(&[])?;
    rustix::thread::set_thread_res_gid(gid, gid, gid)?;
    rustix::thread::set_thread_res_uid(uid, uid, uid)
}

/// Marks every inherited descriptor above stderr close-on-exec, so none leaks from the host into the code.
#[allow(
    unsafe_code,
    reason = "close_range has no safe wrapper in rustix or std"
)]
fn mark_fds_cloexec() {
    // SAFETY: close_range with CLOSE_RANGE_CLOEXEC only sets a flag on descriptors of this process; it
    // closes nothing now. It fails harmlessly (ENOSYS) on kernels before 5.11, where std's own
    // descriptors are close-on-exec already.
    unsafe {
        libc::syscall(
            libc::SYS_close_range,
            3_u32,
            u32::MAX,
            libc::CLOSE_RANGE_CLOEXEC,
        );
    }
}

fn seccomp_errno(e: &seccompiler::Error) -> i32 {
    match e {
        seccompiler::Error::Prctl(io) | seccompiler::Error::Seccomp(io) => {
            io.raw_os_error().unwrap_or(0)
        }
        _ => 0,
    }
}

fn encode(step: SetupStep, errno: i32) -> io::Error {
    io::Error::from_raw_os_error(step.code() * STEP_FACTOR + errno)
}

/// Turns a spawn error back into the set-up step and errno it encodes, or a plain spawn error.
pub(super) fn decode_spawn_error(err: io::Error, language: super::args::Language) -> ExecuteError {
    if let Some(code) = err.raw_os_error()
        && code >= STEP_FACTOR
        && let Some(step) = SetupStep::from_code(code / STEP_FACTOR)
    {
        return ExecuteError::Setup {
            step,
            source: io::Error::from_raw_os_error(code % STEP_FACTOR),
        };
    }
    ExecuteError::Spawn {
        language,
        source: err,
    }
}
