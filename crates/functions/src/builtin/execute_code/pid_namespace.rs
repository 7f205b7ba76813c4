//! The PID-namespace step of the child set-up: two more forks, so the program runs inside the new
//! PID namespace while the parent still waits for, and kills, the process it spawned.
//!
//! After `unshare(CLONE_NEWPID)` only the caller's next child enters the new namespace. So:
//! - the *relay* (the process the parent spawned, still in the host's PID namespace and the leader of
//!   the run's process group) forks the init, waits for it, and then ends exactly as the program did:
//!   `_exit` with the same code, or the same fatal signal re-raised on itself (default disposition,
//!   unblocked, no core file), so the parent's report of exit code or signal stays exact;
//! - the *init* (PID 1 of the new namespace) forks the program, reaps every orphan reparented to it,
//!   and when the program ends sends its raw wait status to the relay through a pipe and exits. The
//!   kernel then kills every process left in the namespace before the relay's `waitpid` returns, so
//!   nothing the program started outlives the run, even outside the process group;
//! - the *program* (PID 2) returns to the rest of the set-up (rlimits, uid drop, no_new_privs,
//!   Landlock, seccomp) and `execve`s the interpreter.
//!
//! The program is not PID 1 on purpose: the kernel drops every signal sent to a namespace's PID 1
//! from inside the namespace when its action is the default, so `os.kill(os.getpid(), SIGTERM)`,
//! `kill -TERM $$` or the `SIGXCPU` of `RLIMIT_CPU` would not end it and the report would be wrong.
//!
//! Relay and init block every signal (`SIGKILL` from the parent still ends them), keep no descriptor
//! but the status pipe (not the output pipes, and not the standard library's exec-error pipe, whose
//! end-of-file tells the parent that `execve` succeeded), and only make system calls: the forks are raw
//! `clone(SIGCHLD)` calls, which run no `atfork` handlers. Both are forked before the uid drop, so as
//! root they do not count against the sandbox uid's `RLIMIT_NPROC`; without root the limit is raised
//! by [`HELPER_PROCESSES`].

use std::io;

use libc::c_int;

/// Processes a run has besides the program's own: the relay and the init.
pub(super) const HELPER_PROCESSES: u64 = 2;

/// Exit code of the relay when waiting for the init fails, which cannot happen for a live child.
const HELPER_FAILURE: c_int = 125;

/// Forks the init and the program. Returns `Ok` only in the program, with an empty signal mask.
///
/// An `Err` (an errno) is returned in the relay when creating the pipe or forking the init fails, and
/// in the init when forking the program fails; the standard library reports either to the parent
/// through its exec-error pipe, and the relay then exits like the init.
pub(super) fn enter() -> Result<(), c_int> {
    set_signal_mask(true)?;
    default_sigchld()?;
    let (status_read, status_write) = status_pipe()?;
    let init = fork()?;
    if init != 0 {
        close(status_write);
        relay(init, status_read);
    }
    close(status_read);
    let program = fork()?;
    if program != 0 {
        init_loop(program, status_write);
    }
    close(status_write);
    set_signal_mask(false)
}

/// The relay: waits for the init and ends like the program.
fn relay(init: libc::pid_t, status_read: c_int) -> ! {
    close_all_except(status_read);
    let Some(init_status) = wait_for(init) else {
        exit(HELPER_FAILURE)
    };
    let mut bytes = [0_u8; 4];
    let status = if read_full(status_read, &mut bytes) {
        c_int::from_ne_bytes(bytes)
    } else {
        // The init ended without reporting (it was killed): end like the init.
        init_status
    };
    end_like(status)
}

/// The init: reaps every child until the program ends, then reports its status and exits.
fn init_loop(program: libc::pid_t, status_write: c_int) -> ! {
    close_all_except(status_write);
    loop {
        let mut status: c_int = 0;
        let pid = waitpid(-1, &mut status);
        if pid == program {
            write_all(status_write, &status.to_ne_bytes());
            exit(0);
        }
        if pid < 0 && last_errno() != libc::EINTR {
            exit(HELPER_FAILURE);
        }
    }
}

/// Ends this process the way `status` says the program ended.
#[allow(
    unsafe_code,
    reason = "sigaction, sigprocmask and kill have no safe wrapper in the crates used"
)]
fn end_like(status: c_int) -> ! {
    if libc::WIFEXITED(status) {
        exit(libc::WEXITSTATUS(status));
    }
    if libc::WIFSIGNALED(status) {
        let signal = libc::WTERMSIG(status);
        // No core file of the relay for a core-dumping signal (the program had RLIMIT_CORE 0 too).
        let _ = rustix::process::setrlimit(
            rustix::process::Resource::Core,
            rustix::process::Rlimit {
                current: Some(0),
                maximum: Some(0),
            },
        );
        // SAFETY: a zeroed sigaction with SIG_DFL is a valid argument; the sigset is initialised by
        // sigemptyset before use; kill on our own pid only signals this single-threaded process.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = libc::SIG_DFL;
            libc::sigaction(signal, &action, std::ptr::null_mut());
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut set);
            libc::sigaddset(&mut set, signal);
            libc::sigprocmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
            libc::kill(libc::getpid(), signal);
        }
        // Only reached if the signal did not end this process.
        exit(128 + signal);
    }
    exit(HELPER_FAILURE)
}

/// Blocks every signal (`block`) or unblocks every signal.
#[allow(
    unsafe_code,
    reason = "sigprocmask has no safe wrapper in the crates used"
)]
fn set_signal_mask(block: bool) -> Result<(), c_int> {
    // SAFETY: the sigset is initialised by sigfillset/sigemptyset before sigprocmask reads it.
    let rc = unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        if block {
            libc::sigfillset(&mut set);
        } else {
            libc::sigemptyset(&mut set);
        }
        libc::sigprocmask(libc::SIG_SETMASK, &set, std::ptr::null_mut())
    };
    if rc == 0 { Ok(()) } else { Err(last_errno()) }
}

/// Resets `SIGCHLD` to its default action: a handler inherited from the parent (tokio's) must not run
/// here, and an ignored `SIGCHLD` would make the kernel reap children before `waitpid` sees them.
#[allow(
    unsafe_code,
    reason = "sigaction has no safe wrapper in the crates used"
)]
fn default_sigchld() -> Result<(), c_int> {
    // SAFETY: a zeroed sigaction with SIG_DFL is a valid argument.
    let rc = unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = libc::SIG_DFL;
        libc::sigaction(libc::SIGCHLD, &action, std::ptr::null_mut())
    };
    if rc == 0 { Ok(()) } else { Err(last_errno()) }
}

/// A close-on-exec pipe: (read end, write end).
#[allow(
    unsafe_code,
    reason = "pipe2 has no safe wrapper in the rustix features used"
)]
fn status_pipe() -> Result<(c_int, c_int), c_int> {
    let mut fds: [c_int; 2] = [-1, -1];
    // SAFETY: pipe2 writes two descriptors into the two-element array.
    let rc = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) };
    if rc == 0 {
        Ok((fds[0], fds[1]))
    } else {
        Err(last_errno())
    }
}

/// `fork` as a raw `clone(SIGCHLD)`: no `atfork` handlers, no C library locks.
#[allow(unsafe_code, reason = "clone has no safe wrapper")]
fn fork() -> Result<libc::pid_t, c_int> {
    // SAFETY: clone without CLONE_VM and with a null stack duplicates this single-threaded process
    // like fork(); both copies continue here with their own memory. The child only makes system calls
    // before execve or _exit.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_clone,
            libc::c_long::from(libc::SIGCHLD),
            0_usize,
            0_usize,
            0_usize,
            0_usize,
        )
    };
    if rc < 0 {
        return Err(last_errno());
    }
    libc::pid_t::try_from(rc).map_err(|_| libc::EOVERFLOW)
}

/// `waitpid(pid, status, 0)`.
#[allow(
    unsafe_code,
    reason = "waitpid through libc keeps the raw status to relay"
)]
fn waitpid(pid: libc::pid_t, status: &mut c_int) -> libc::pid_t {
    // SAFETY: status is a valid, writable c_int.
    unsafe { libc::waitpid(pid, status, 0) }
}

/// Waits for `pid`, retrying on `EINTR`; `None` when waiting fails otherwise.
fn wait_for(pid: libc::pid_t) -> Option<c_int> {
    loop {
        let mut status: c_int = 0;
        let got = waitpid(pid, &mut status);
        if got == pid {
            return Some(status);
        }
        if got < 0 && last_errno() != libc::EINTR {
            return None;
        }
    }
}

/// Reads exactly `buf.len()` bytes; false on end-of-file or error first.
#[allow(unsafe_code, reason = "read on a raw descriptor")]
fn read_full(fd: c_int, buf: &mut [u8]) -> bool {
    let mut done = 0;
    while let Some(rest) = buf.get_mut(done..) {
        if rest.is_empty() {
            return true;
        }
        // SAFETY: rest is a valid writable buffer of rest.len() bytes.
        let n = unsafe { libc::read(fd, rest.as_mut_ptr().cast(), rest.len()) };
        match usize::try_from(n) {
            Ok(0) => return false,
            Ok(n) => done += n,
            Err(_) if last_errno() == libc::EINTR => {}
            Err(_) => return false,
        }
    }
    false
}

/// Writes all of `buf`; gives up silently on error (the relay then ends like the init).
#[allow(unsafe_code, reason = "write on a raw descriptor")]
fn write_all(fd: c_int, buf: &[u8]) {
    let mut done = 0;
    while let Some(rest) = buf.get(done..) {
        if rest.is_empty() {
            return;
        }
        // SAFETY: rest is a valid readable buffer of rest.len() bytes.
        let n = unsafe { libc::write(fd, rest.as_ptr().cast(), rest.len()) };
        match usize::try_from(n) {
            Ok(0) => return,
            Ok(n) => done += n,
            Err(_) if last_errno() == libc::EINTR => {}
            Err(_) => return,
        }
    }
}

/// Closes every descriptor but `keep`.
#[allow(unsafe_code, reason = "close_range and close on raw descriptors")]
fn close_all_except(keep: c_int) {
    let Ok(keep) = u32::try_from(keep) else {
        return;
    };
    let close_range = |first: u32, last: u32| {
        // SAFETY: closing descriptors of this process that nothing in it uses any more.
        unsafe { libc::syscall(libc::SYS_close_range, first, last, 0_u32) }
    };
    let below = if keep > 0 {
        close_range(0, keep - 1)
    } else {
        0
    };
    let above = close_range(keep.saturating_add(1), u32::MAX);
    if below == 0 && above == 0 {
        return;
    }
    // Kernels before 5.9 have no close_range: close one by one up to the descriptor limit.
    let limit = rustix::process::getrlimit(rustix::process::Resource::Nofile)
        .current
        .unwrap_or(1 << 16)
        .min(1 << 16);
    let limit = c_int::try_from(limit).unwrap_or(1 << 16);
    for fd in (0..limit).filter(|fd| u32::try_from(*fd).ok() != Some(keep)) {
        // SAFETY: as above; EBADF for descriptors that are not open is harmless.
        unsafe { libc::close(fd) };
    }
}

#[allow(unsafe_code, reason = "close on a raw descriptor")]
fn close(fd: c_int) {
    // SAFETY: fd is a pipe end created by status_pipe that this process no longer uses.
    unsafe { libc::close(fd) };
}

#[allow(unsafe_code, reason = "_exit has no safe wrapper")]
fn exit(code: c_int) -> ! {
    // SAFETY: _exit ends the process without running atexit handlers or unwinding, as a forked
    // helper must.
    unsafe { libc::_exit(code) }
}

/// The calling thread's errno (reading it does not allocate).
fn last_errno() -> c_int {
    io::Error::last_os_error()
        .raw_os_error()
        .unwrap_or(libc::EIO)
}
