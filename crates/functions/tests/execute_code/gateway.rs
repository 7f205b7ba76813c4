//! The code must not be able to cripple the process that runs it (the gateway; here, the test process):
//! no lowering its limits, renicing it, pinning it to a CPU, changing its I/O priority, signalling
//! it, or reaching it through pidfds and `kcmp`. These tests matter most when the code shares the
//! gateway's uid, which `.ci/sandbox-unprivileged.sh` arranges by running this binary as `nobody`
//! with namespaces off.

use rustix::process::{Pid, Resource};
use switchboard_functions::builtin::execute_code::{Language, Layer, Sandbox, SandboxError};

use super::support::{config, has_language, has_layers, run, sandbox, sandbox_with};

/// What the attacks would change in this process: the open-files limit (per process), and the main
/// thread's nice value, CPU affinity and I/O priority (per thread; the attacks name the main thread's
/// id, which is the process id).
#[derive(Debug, PartialEq, Eq)]
struct OwnState {
    nofile: (Option<u64>, Option<u64>),
    nice: i32,
    cpus: Vec<usize>,
    ioprio: libc::c_long,
}

fn own_state() -> OwnState {
    let pid = Pid::from_raw(i32::try_from(std::process::id()).unwrap());
    let nofile = rustix::process::getrlimit(Resource::Nofile);
    let set = rustix::thread::sched_getaffinity(pid).unwrap();
    OwnState {
        nofile: (nofile.current, nofile.maximum),
        nice: rustix::process::getpriority_process(pid).unwrap(),
        cpus: (0..rustix::thread::CpuSet::MAX_CPU)
            .filter(|c| set.is_set(*c))
            .collect(),
        ioprio: ioprio_of(std::process::id()),
    }
}

#[allow(unsafe_code, reason = "ioprio_get has no wrapper in rustix or std")]
fn ioprio_of(pid: u32) -> libc::c_long {
    const IOPRIO_WHO_PROCESS: libc::c_long = 1;
    // SAFETY: ioprio_get takes two integers and only reads kernel state.
    unsafe {
        libc::syscall(
            libc::SYS_ioprio_get,
            IOPRIO_WHO_PROCESS,
            libc::c_long::from(pid),
        )
    }
}

/// Python that tries `attempt(name, call)` and prints `name denied <errno>` or `name escaped`.
const ATTEMPT: &str = "import ctypes, os, resource, signal\n\
libc = ctypes.CDLL(None, use_errno=True)\n\
def sys(nr, *args):\n    if libc.syscall(nr, *[ctypes.c_long(a) for a in args]) == -1:\n        e = ctypes.get_errno()\n        raise OSError(e, os.strerror(e))\n\
def attempt(name, call):\n    try:\n        call()\n        print(name, 'escaped')\n    except OSError as e:\n        print(name, 'denied', e.errno)\n";

/// Every printed line must be `denied` with one of the accepted errnos.
fn assert_all_denied(stdout: &str, accepted: &[i32]) {
    assert!(!stdout.is_empty(), "no output");
    for line in stdout.lines() {
        let mut parts = line.split_whitespace();
        let name = parts.next().unwrap_or_default();
        assert_eq!(
            parts.next(),
            Some("denied"),
            "{name} was not refused: {stdout}"
        );
        let errno: i32 = parts.next().unwrap().parse().unwrap();
        assert!(
            accepted.contains(&errno),
            "{name} refused with errno {errno}, expected one of {accepted:?}: {stdout}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_cannot_lower_the_limits_or_priority_of_the_process_that_runs_it() {
    let sb = sandbox().await;
    if !has_layers(sb, "gateway_limits_and_priority", &[Layer::Seccomp]) {
        return;
    }
    let before = own_state();
    // The test process by its host pid, and the program's parent (the test process without a PID
    // namespace, the namespace's init with one).
    let code = format!(
        "{ATTEMPT}\
targets = sorted({{{host}, os.getppid()}})\n\
for t in targets: attempt(f'prlimit({{t}})', lambda: resource.prlimit(t, resource.RLIMIT_NOFILE, (8, 8)))\n\
for t in targets: attempt(f'prlimit_read({{t}})', lambda: resource.prlimit(t, resource.RLIMIT_NOFILE))\n\
for t in targets: attempt(f'setpriority({{t}})', lambda: os.setpriority(os.PRIO_PROCESS, t, 19))\n\
for t in targets: attempt(f'sched_setaffinity({{t}})', lambda: os.sched_setaffinity(t, {{0}}))\n\
for t in targets: attempt(f'sched_setscheduler({{t}})', lambda: os.sched_setscheduler(t, os.SCHED_IDLE, os.sched_param(0)))\n\
for t in targets: attempt(f'sched_setparam({{t}})', lambda: os.sched_setparam(t, os.sched_param(0)))\n\
for t in targets: attempt(f'ioprio_set({{t}})', lambda: sys({ioprio_set}, 1, t, (3 << 13) | 7))\n\
attempt('setpriority(PRIO_USER)', lambda: os.setpriority(os.PRIO_USER, 0, 19))\n\
attempt('setpriority(PRIO_PGRP)', lambda: os.setpriority(os.PRIO_PGRP, 0, 19))\n\
attempt('ioprio_set(WHO_USER)', lambda: sys({ioprio_set}, 3, 0, (3 << 13) | 7))\n",
        host = std::process::id(),
        ioprio_set = libc::SYS_ioprio_set,
    );
    let out = run(sb, Language::Python, &code, Some(10_000)).await;
    assert_eq!(out.exit_code, Some(0), "{out:?}");
    assert_all_denied(&out.stdout, &[libc::EPERM]);
    assert_eq!(
        own_state(),
        before,
        "the sandboxed code changed the test process"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_cannot_signal_the_process_that_runs_it_or_every_process_of_its_uid() {
    let sb = sandbox().await;
    if !has_layers(sb, "gateway_signals", &[Layer::Seccomp]) {
        return;
    }
    // Signal 0 checks the permission without delivering anything, so a failed guard shows as
    // `escaped` instead of killing the test binary. kill(-1) is refused by seccomp outright; the test
    // process is refused by the uid (root), hidden by the PID namespace (ESRCH) or out of Landlock's
    // signal scope.
    let code = format!(
        "{ATTEMPT}\
attempt('kill({host})', lambda: os.kill({host}, 0))\n\
attempt('kill(-1)', lambda: os.kill(-1, 0))\n\
attempt('killpg({host})', lambda: os.killpg(os.getpgid({host}), 0))\n",
        host = std::process::id(),
    );
    let out = run(sb, Language::Python, &code, Some(10_000)).await;
    assert_eq!(out.exit_code, Some(0), "{out:?}");
    assert_all_denied(&out.stdout, &[libc::EPERM, libc::ESRCH]);
    assert!(
        out.stdout
            .contains(&format!("kill(-1) denied {}", libc::EPERM)),
        "{out:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_cannot_reach_other_processes_through_pidfds_kcmp_or_memory_calls() {
    let sb = sandbox().await;
    if !has_layers(sb, "gateway_pidfds", &[Layer::Seccomp]) {
        return;
    }
    let code = format!(
        "{ATTEMPT}\
t = {host}\n\
attempt('pidfd_open', lambda: os.pidfd_open(t))\n\
attempt('pidfd_send_signal', lambda: sys({pidfd_send_signal}, 0, 0, 0, 0))\n\
attempt('pidfd_getfd', lambda: sys({pidfd_getfd}, 0, 0, 0))\n\
attempt('process_madvise', lambda: sys({process_madvise}, 0, 0, 0, 0, 0))\n\
attempt('process_mrelease', lambda: sys({process_mrelease}, 0, 0))\n\
attempt('kcmp', lambda: sys({kcmp}, os.getpid(), t, 0, 0, 0))\n\
attempt('get_robust_list', lambda: sys({get_robust_list}, t, 0, 0))\n\
attempt('move_pages', lambda: sys({move_pages}, t, 0, 0, 0, 0, 0))\n\
attempt('migrate_pages', lambda: sys({migrate_pages}, t, 0, 0, 0))\n\
attempt('process_vm_readv', lambda: sys({process_vm_readv}, t, 0, 0, 0, 0, 0))\n",
        host = std::process::id(),
        pidfd_send_signal = libc::SYS_pidfd_send_signal,
        pidfd_getfd = libc::SYS_pidfd_getfd,
        process_madvise = libc::SYS_process_madvise,
        process_mrelease = libc::SYS_process_mrelease,
        kcmp = libc::SYS_kcmp,
        get_robust_list = libc::SYS_get_robust_list,
        move_pages = libc::SYS_move_pages,
        migrate_pages = libc::SYS_migrate_pages,
        process_vm_readv = libc::SYS_process_vm_readv,
    );
    let out = run(sb, Language::Python, &code, Some(10_000)).await;
    assert_eq!(out.exit_code, Some(0), "{out:?}");
    assert_all_denied(&out.stdout, &[libc::EPERM]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_and_shell_can_still_change_their_own_limits_and_priority() {
    let sb = sandbox().await;
    let code = format!(
        "import ctypes, os, resource\n\
libc = ctypes.CDLL(None, use_errno=True)\n\
resource.setrlimit(resource.RLIMIT_NOFILE, (32, 32))\n\
print(resource.prlimit(0, resource.RLIMIT_NOFILE))\n\
n = os.getpriority(os.PRIO_PROCESS, 0)\n\
os.setpriority(os.PRIO_PROCESS, 0, n + 1)\n\
print(os.nice(1) - n)\n\
os.sched_setaffinity(0, os.sched_getaffinity(0))\n\
print(libc.syscall({ioprio_set}, 1, 0, (2 << 13) | 4), libc.syscall({ioprio_get}, 1, 0))\n",
        ioprio_set = libc::SYS_ioprio_set,
        ioprio_get = libc::SYS_ioprio_get,
    );
    let out = run(sb, Language::Python, &code, Some(10_000)).await;
    assert_eq!(out.stdout, "(32, 32)\n2\n0 16388\n", "{out:?}");
    let code = "ulimit -n 20; ulimit -n; n=$(nice); m=$(nice -n 3 nice); echo $((m - n))";
    let out = run(sb, Language::Shell, code, None).await;
    assert_eq!(out.stdout, "20\n3\n", "{out:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn javascript_in_a_home_directory_cannot_read_that_home() {
    use std::os::unix::fs::PermissionsExt;

    let sb = sandbox().await;
    if !has_language(sb, "javascript_home", Language::Javascript)
        || !has_layers(sb, "javascript_home", &[Layer::Landlock])
    {
        return;
    }
    let node = sb
        .report()
        .interpreters
        .iter()
        .find(|r| r.language == Language::Javascript)
        .and_then(|r| r.executable.clone())
        .unwrap();
    // A home-like directory readable by everyone, with `bin/node` and a world-readable secret: only
    // Landlock stands between the code and the secret.
    let home = tempfile::Builder::new()
        .prefix("switchboard-node-home-")
        .tempdir()
        .unwrap();
    let bin = home.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let own_node = bin.join("node");
    if std::fs::hard_link(&node, &own_node).is_err() {
        std::fs::copy(&node, &own_node).unwrap();
    }
    let secret = home.path().join("secret.txt");
    std::fs::write(&secret, "HOME-SECRET").unwrap();
    for (path, mode) in [
        (home.path(), 0o755),
        (bin.as_path(), 0o755),
        (secret.as_path(), 0o644),
    ] {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    let sb = sandbox_with(|c| c.interpreters.node = Some(own_node.clone())).await;
    let used = sb
        .report()
        .interpreters
        .iter()
        .find(|r| r.language == Language::Javascript)
        .unwrap();
    assert_eq!(
        used.executable.as_deref(),
        Some(own_node.to_str().unwrap()),
        "{used:?}"
    );
    let code = format!(
        "const fs = require('fs');\n\
         for (const f of [() => fs.readFileSync({secret:?}, 'utf8'), () => fs.readdirSync({home:?})]) {{\n\
           try {{ console.log('read', f()); }} catch (e) {{ console.log(e.code); }}\n\
         }}\n",
        secret = secret.to_str().unwrap(),
        home = home.path().to_str().unwrap(),
    );
    let out = run(&sb, Language::Javascript, &code, Some(10_000)).await;
    assert_eq!(out.stdout, "EACCES\nEACCES\n", "{out:?}");
}

/// Non-root, namespaces off and no Landlock: nothing would keep the code from the gateway, so
/// detection must refuse. Landlock is taken away from this test's thread only (a seccomp filter
/// answering its system calls with `ENOSYS`, as a kernel without Landlock does), and detection runs on
/// that thread, so the probes it forks inherit the filter.
#[test]
fn a_gateway_that_cannot_be_protected_fails_closed() {
    if rustix::process::geteuid().is_root() {
        eprintln!(
            "SKIP a_gateway_that_cannot_be_protected_fails_closed: as root the code runs as sandbox_uid; \
             .ci/sandbox-unprivileged.sh runs this test as nobody"
        );
        return;
    }
    without_landlock_on_this_thread();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut config = config();
    config.namespaces = false;
    config.required_layers.clear();
    let err = runtime.block_on(Sandbox::detect(config)).unwrap_err();
    let SandboxError::GatewayUnprotected { uid, .. } = &err else {
        panic!("expected GatewayUnprotected, got {err}");
    };
    assert_eq!(*uid, rustix::process::geteuid().as_raw());
    let text = err.to_string();
    for needle in [
        "the gateway is not root",
        "pid_namespace is disabled",
        "Landlock is unavailable",
        "namespaces = true",
    ] {
        assert!(text.contains(needle), "{needle:?} missing from: {text}");
    }
}

fn without_landlock_on_this_thread() {
    use seccompiler::{BpfProgram, SeccompAction, SeccompFilter, TargetArch};

    let rules = [
        libc::SYS_landlock_create_ruleset,
        libc::SYS_landlock_add_rule,
        libc::SYS_landlock_restrict_self,
    ]
    .into_iter()
    .map(|nr| (nr, Vec::new()))
    .collect();
    let filter = SeccompFilter::new(
        rules,
        SeccompAction::Allow,
        SeccompAction::Errno(libc::ENOSYS.cast_unsigned()),
        TargetArch::try_from(std::env::consts::ARCH).unwrap(),
    )
    .unwrap();
    let program = BpfProgram::try_from(filter).unwrap();
    // Without TSYNC the filter binds this thread (and what it forks) only.
    seccompiler::apply_filter(&program).unwrap();
}
