//! The seccomp-bpf filters, compiled once at start-up and loaded in each child just before `execve`.
//!
//! Two filters are stacked. The first returns `EPERM` for network sockets (any family but `AF_UNIX`),
//! connecting or sending to an address (which would reach host services on pathname UNIX sockets),
//! debugging or inspecting other processes, acting on another process's limits, priority, scheduling,
//! I/O priority or memory (only the caller itself, named by 0, may be targeted), `kill(-1, …)`,
//! mounting, namespaces, kernel keyrings, bpf, perf, io_uring, module and kexec calls, and leaving the
//! process group (`setsid`, `setpgid`) so the timeout's `killpg` reaches every descendant. The second
//! returns `ENOSYS` for `clone3`, whose flags live in memory a filter cannot inspect; the C library then
//! falls back to `clone`, whose namespace flags the first filter checks.
//!
//! It is a deny-list with argument rules, not an allow-list: the interpreters and every program the
//! shell may start use a large, kernel- and libc-version-dependent set of system calls, while the ones
//! that reach beyond the calling process can be enumerated. `docs/execute-code.md` gives the reasoning.

use std::collections::BTreeMap;

use seccompiler::{
    BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter,
    SeccompRule, TargetArch,
};

use super::error::SandboxError;

/// The compiled filters, in the order they are loaded.
#[derive(Debug)]
pub(super) struct SeccompPrograms {
    pub(super) deny: BpfProgram,
    pub(super) clone3: BpfProgram,
    /// On x86_64: `EPERM` for every x32 system call, whose numbers the other filters do not match.
    pub(super) x32: Option<BpfProgram>,
}

/// Syscalls denied unconditionally with `EPERM`.
const DENIED: &[(&str, libc::c_long)] = &[
    // Host services listen on pathname UNIX sockets (D-Bus, X11, container runtimes); Landlock only
    // controls reaching them from ABI 9 on, so client connections and addressed sends are denied.
    ("connect", libc::SYS_connect),
    ("sendmsg", libc::SYS_sendmsg),
    ("sendmmsg", libc::SYS_sendmmsg),
    // Reaching into other processes. A pidfd names a process without a pid, so nothing can restrict
    // it to the caller: every pidfd call is denied (Python's asyncio falls back to a thread watcher).
    ("ptrace", libc::SYS_ptrace),
    ("process_vm_readv", libc::SYS_process_vm_readv),
    ("process_vm_writev", libc::SYS_process_vm_writev),
    ("kcmp", libc::SYS_kcmp),
    ("pidfd_open", libc::SYS_pidfd_open),
    ("pidfd_getfd", libc::SYS_pidfd_getfd),
    ("pidfd_send_signal", libc::SYS_pidfd_send_signal),
    ("process_madvise", libc::SYS_process_madvise),
    ("process_mrelease", libc::SYS_process_mrelease),
    ("mount", libc::SYS_mount),
    ("umount2", libc::SYS_umount2),
    ("pivot_root", libc::SYS_pivot_root),
    ("chroot", libc::SYS_chroot),
    ("fsopen", libc::SYS_fsopen),
    ("fsconfig", libc::SYS_fsconfig),
    ("fsmount", libc::SYS_fsmount),
    ("fspick", libc::SYS_fspick),
    ("move_mount", libc::SYS_move_mount),
    ("open_tree", libc::SYS_open_tree),
    ("mount_setattr", libc::SYS_mount_setattr),
    ("unshare", libc::SYS_unshare),
    ("setns", libc::SYS_setns),
    ("bpf", libc::SYS_bpf),
    ("keyctl", libc::SYS_keyctl),
    ("add_key", libc::SYS_add_key),
    ("request_key", libc::SYS_request_key),
    ("perf_event_open", libc::SYS_perf_event_open),
    ("io_uring_setup", libc::SYS_io_uring_setup),
    ("io_uring_enter", libc::SYS_io_uring_enter),
    ("io_uring_register", libc::SYS_io_uring_register),
    ("userfaultfd", libc::SYS_userfaultfd),
    ("kexec_load", libc::SYS_kexec_load),
    ("kexec_file_load", libc::SYS_kexec_file_load),
    ("init_module", libc::SYS_init_module),
    ("finit_module", libc::SYS_finit_module),
    ("delete_module", libc::SYS_delete_module),
    ("reboot", libc::SYS_reboot),
    ("swapon", libc::SYS_swapon),
    ("swapoff", libc::SYS_swapoff),
    ("acct", libc::SYS_acct),
    ("quotactl", libc::SYS_quotactl),
    ("open_by_handle_at", libc::SYS_open_by_handle_at),
    ("name_to_handle_at", libc::SYS_name_to_handle_at),
    ("syslog", libc::SYS_syslog),
    ("settimeofday", libc::SYS_settimeofday),
    ("clock_settime", libc::SYS_clock_settime),
    ("clock_adjtime", libc::SYS_clock_adjtime),
    ("adjtimex", libc::SYS_adjtimex),
    ("setsid", libc::SYS_setsid),
    ("setpgid", libc::SYS_setpgid),
    ("vhangup", libc::SYS_vhangup),
    #[cfg(target_arch = "x86_64")]
    ("iopl", libc::SYS_iopl),
    #[cfg(target_arch = "x86_64")]
    ("ioperm", libc::SYS_ioperm),
];

/// Calls whose first argument is the pid of the process they act on, 0 meaning the caller: any other
/// value gets `EPERM`. Without this, code running as the gateway's own uid could shrink the gateway's
/// open-file limit, renice it or pin it to one CPU (`prlimit64` also serves `setrlimit`/`getrlimit`
/// with pid 0, which keep working).
const SELF_ONLY: &[(&str, libc::c_long)] = &[
    ("prlimit64", libc::SYS_prlimit64),
    ("sched_setaffinity", libc::SYS_sched_setaffinity),
    ("sched_setscheduler", libc::SYS_sched_setscheduler),
    ("sched_setparam", libc::SYS_sched_setparam),
    ("sched_setattr", libc::SYS_sched_setattr),
    ("migrate_pages", libc::SYS_migrate_pages),
    ("move_pages", libc::SYS_move_pages),
    ("get_robust_list", libc::SYS_get_robust_list),
];

/// `(which, who)` calls: only `which` = the given "one process" value with `who` = 0 (the caller) is
/// allowed. The group and user forms would reach every process of the uid, the gateway included.
const SELF_ONLY_WHICH_WHO: &[(&str, libc::c_long, u64)] = &[
    ("setpriority", libc::SYS_setpriority, PRIO_PROCESS),
    ("ioprio_set", libc::SYS_ioprio_set, IOPRIO_WHO_PROCESS),
];

/// `PRIO_PROCESS` from `linux/resource.h` (its type differs between the libc crate's targets).
const PRIO_PROCESS: u64 = 0;
/// `IOPRIO_WHO_PROCESS` from `linux/ioprio.h` (not in the libc crate).
const IOPRIO_WHO_PROCESS: u64 = 1;

/// Namespace flags `clone` may not carry.
const CLONE_NAMESPACE_FLAGS: [libc::c_int; 7] = [
    libc::CLONE_NEWUSER,
    libc::CLONE_NEWNS,
    libc::CLONE_NEWNET,
    libc::CLONE_NEWPID,
    libc::CLONE_NEWIPC,
    libc::CLONE_NEWUTS,
    libc::CLONE_NEWCGROUP,
];

/// Compiles both filters for the running architecture.
pub(super) fn build() -> Result<SeccompPrograms, SandboxError> {
    let arch = TargetArch::try_from(std::env::consts::ARCH)
        .map_err(|e| SandboxError::Seccomp(e.to_string()))?;
    let err = |e: seccompiler::BackendError| SandboxError::Seccomp(e.to_string());

    let mut rules: BTreeMap<i64, Vec<SeccompRule>> = BTreeMap::new();
    for (_, nr) in DENIED {
        rules.insert(*nr, Vec::new());
    }
    // socket(domain, ...) and socketpair(domain, ...): only AF_UNIX.
    for nr in [libc::SYS_socket, libc::SYS_socketpair] {
        let not_unix = SeccompCondition::new(
            0,
            SeccompCmpArgLen::Dword,
            SeccompCmpOp::Ne,
            libc::AF_UNIX as u64,
        )
        .map_err(err)?;
        rules.insert(nr, vec![SeccompRule::new(vec![not_unix]).map_err(err)?]);
    }
    // sendto(fd, buf, len, flags, dest_addr, addrlen): only without an address (connected sockets).
    let addressed =
        SeccompCondition::new(4, SeccompCmpArgLen::Qword, SeccompCmpOp::Ne, 0).map_err(err)?;
    rules.insert(
        libc::SYS_sendto,
        vec![SeccompRule::new(vec![addressed]).map_err(err)?],
    );
    for (_, nr) in SELF_ONLY {
        // pid_t is an int: the kernel reads the low 32 bits, and so does a Dword comparison.
        let other =
            SeccompCondition::new(0, SeccompCmpArgLen::Dword, SeccompCmpOp::Ne, 0).map_err(err)?;
        rules.insert(*nr, vec![SeccompRule::new(vec![other]).map_err(err)?]);
    }
    for (_, nr, one_process) in SELF_ONLY_WHICH_WHO {
        let other_kind =
            SeccompCondition::new(0, SeccompCmpArgLen::Dword, SeccompCmpOp::Ne, *one_process)
                .map_err(err)?;
        let other_who =
            SeccompCondition::new(1, SeccompCmpArgLen::Dword, SeccompCmpOp::Ne, 0).map_err(err)?;
        rules.insert(
            *nr,
            vec![
                SeccompRule::new(vec![other_kind]).map_err(err)?,
                SeccompRule::new(vec![other_who]).map_err(err)?,
            ],
        );
    }
    // kill(-1, sig) signals every process the caller may signal: with the gateway's uid, the gateway.
    // Other targets are left to the uid, the PID namespace and Landlock's signal scoping, because the
    // code legitimately signals its own children by pid.
    let everyone = SeccompCondition::new(
        0,
        SeccompCmpArgLen::Dword,
        SeccompCmpOp::Eq,
        u64::from((-1_i32).cast_unsigned()),
    )
    .map_err(err)?;
    rules.insert(
        libc::SYS_kill,
        vec![SeccompRule::new(vec![everyone]).map_err(err)?],
    );
    // clone(flags, ...): no namespace flag (any one of them set matches).
    let mut clone_rules = Vec::new();
    for flag in CLONE_NAMESPACE_FLAGS {
        let flag = u64::from(flag.cast_unsigned());
        let cond = SeccompCondition::new(
            0,
            SeccompCmpArgLen::Qword,
            SeccompCmpOp::MaskedEq(flag),
            flag,
        )
        .map_err(err)?;
        clone_rules.push(SeccompRule::new(vec![cond]).map_err(err)?);
    }
    rules.insert(libc::SYS_clone, clone_rules);

    let deny = SeccompFilter::new(
        rules,
        SeccompAction::Allow,
        SeccompAction::Errno(libc::EPERM.cast_unsigned()),
        arch,
    )
    .map_err(err)?;

    let clone3 = SeccompFilter::new(
        [(libc::SYS_clone3, Vec::new())].into_iter().collect(),
        SeccompAction::Allow,
        SeccompAction::Errno(libc::ENOSYS.cast_unsigned()),
        arch,
    )
    .map_err(err)?;

    Ok(SeccompPrograms {
        deny: BpfProgram::try_from(deny).map_err(|e| SandboxError::Seccomp(e.to_string()))?,
        clone3: BpfProgram::try_from(clone3).map_err(|e| SandboxError::Seccomp(e.to_string()))?,
        x32: x32_filter(),
    })
}

/// A hand-written filter: on x86_64, any system call number with the x32 bit set gets `EPERM`.
///
/// seccompiler matches exact numbers only, and on a kernel built with `CONFIG_X86_X32_ABI` the x32
/// variants (`nr | 0x4000_0000`) of denied calls would otherwise pass. Other architectures need none.
fn x32_filter() -> Option<BpfProgram> {
    if std::env::consts::ARCH != "x86_64" {
        return None;
    }
    const LD_W_ABS: u16 = 0x20; // BPF_LD (0) | BPF_W (0) | BPF_ABS (0x20)
    const JEQ_K: u16 = 0x05 | 0x10; // BPF_JMP | BPF_JEQ | BPF_K
    const JGE_K: u16 = 0x05 | 0x30; // BPF_JMP | BPF_JGE | BPF_K
    const RET_K: u16 = 0x06; // BPF_RET | BPF_K
    const AUDIT_ARCH_X86_64: u32 = 62 | 0x8000_0000 | 0x4000_0000;
    const X32_SYSCALL_BIT: u32 = 0x4000_0000;
    // struct seccomp_data { int nr; __u32 arch; ... }
    const OFFSET_NR: u32 = 0;
    const OFFSET_ARCH: u32 = 4;
    let insn = |code, jt, jf, k| seccompiler::sock_filter { code, jt, jf, k };
    Some(vec![
        insn(LD_W_ABS, 0, 0, OFFSET_ARCH),
        insn(JEQ_K, 0, 3, AUDIT_ARCH_X86_64),
        insn(LD_W_ABS, 0, 0, OFFSET_NR),
        insn(JGE_K, 0, 1, X32_SYSCALL_BIT),
        insn(
            RET_K,
            0,
            0,
            libc::SECCOMP_RET_ERRNO | libc::EPERM.cast_unsigned(),
        ),
        insn(RET_K, 0, 0, libc::SECCOMP_RET_ALLOW),
    ])
}

/// A short description of what the filters deny, for the report.
pub(super) fn describe() -> String {
    let names: Vec<&str> = DENIED.iter().map(|(name, _)| *name).collect();
    let self_only: Vec<&str> = SELF_ONLY
        .iter()
        .map(|(name, _)| *name)
        .chain(SELF_ONLY_WHICH_WHO.iter().map(|(name, _, _)| *name))
        .collect();
    format!(
        "EPERM for sockets other than AF_UNIX, sendto with an address, clone with namespace flags, x32 system calls, \
         kill(-1), {} on any process but the caller, {}; ENOSYS for clone3",
        self_only.join(", "),
        names.join(", ")
    )
}
