//! The escape table: every attempt to get out of the sandbox or exhaust the host must be contained.

use std::time::Duration;

use switchboard_functions::builtin::execute_code::{ExecuteCodeArgs, Language, Layer};
use tokio::net::{TcpListener, UdpSocket};

use super::support::{
    SECRET_VALUE, SECRET_VAR, all_gone, has_language, has_layers, host_secret_file, marker,
    processes_of, processes_with, run, sandbox, sandbox_with,
};

// ---------- time ----------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_infinite_loop_is_killed_at_the_timeout() {
    let sb = sandbox().await;
    let out = run(sb, Language::Python, "while True:\n    pass\n", Some(1000)).await;
    assert!(out.timed_out, "{out:?}");
    assert_eq!(out.signal.as_deref(), Some("SIGKILL"));
    assert_eq!(out.exit_code, None);
    assert!(
        out.duration_ms >= 1000 && out.duration_ms < 3000,
        "{}",
        out.duration_ms
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn javascript_infinite_loop_is_killed_at_the_timeout() {
    let sb = sandbox().await;
    if !has_language(sb, "javascript_infinite_loop", Language::Javascript) {
        return;
    }
    let out = run(sb, Language::Javascript, "for (;;) {}", Some(1000)).await;
    assert!(out.timed_out, "{out:?}");
    assert_eq!(out.signal.as_deref(), Some("SIGKILL"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shell_background_children_are_killed_with_the_group_at_the_timeout() {
    let sb = sandbox().await;
    let m = marker(1);
    let out = run(
        sb,
        Language::Shell,
        &format!("sleep {m} &\necho $!\nsleep 100\n"),
        Some(1000),
    )
    .await;
    assert!(out.timed_out, "{out:?}");
    let _started: u32 = out.stdout.trim().parse().unwrap();
    let left = all_gone(&m).await;
    assert!(
        left.is_empty(),
        "background sleep {left:?} survived the run"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_background_process_does_not_outlive_a_clean_exit() {
    let sb = sandbox().await;
    let m = marker(2);
    let code = format!("import subprocess\np = subprocess.Popen(['sleep', '{m}'])\nprint(p.pid)\n");
    let out = run(sb, Language::Python, &code, Some(5000)).await;
    assert_eq!(out.exit_code, Some(0), "{out:?}");
    assert!(!out.timed_out);
    let _started: u32 = out.stdout.trim().parse().unwrap();
    let left = all_gone(&m).await;
    assert!(
        left.is_empty(),
        "background sleep {left:?} survived the run"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_cannot_leave_the_process_group_with_setsid() {
    let sb = sandbox().await;
    if !has_layers(sb, "python_setsid", &[Layer::Seccomp]) {
        return;
    }
    // In a forked child: the group leader itself could never call setsid anyway.
    let code = "import os, sys\npid = os.fork()\nif pid == 0:\n    for name, call in [('setsid', os.setsid), ('setpgid', lambda: os.setpgid(0, 0))]:\n        try:\n            call()\n            print(name, 'escaped')\n        except OSError as e:\n            print(name, 'denied', e.errno)\n    sys.stdout.flush()\n    os._exit(0)\nos.waitpid(pid, 0)\n";
    let out = run(sb, Language::Python, code, Some(5000)).await;
    assert_eq!(out.stdout, "setsid denied 1\nsetpgid denied 1\n", "{out:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn javascript_detached_child_is_still_killed() {
    let sb = sandbox().await;
    if !has_language(sb, "javascript_detached_child", Language::Javascript) {
        return;
    }
    let m = marker(3);
    let code = format!(
        "const cp = require('child_process');\n\
         const c = cp.spawn('sleep', ['{m}'], {{ detached: true, stdio: 'ignore' }});\n\
         c.unref();\nconsole.log(c.pid);\n"
    );
    let out = run(sb, Language::Javascript, &code, Some(5000)).await;
    assert_eq!(out.exit_code, Some(0), "{out:?}");
    let _started: u32 = out.stdout.trim().parse().unwrap();
    let left = all_gone(&m).await;
    assert!(left.is_empty(), "detached sleep {left:?} survived the run");
}

// ---------- processes and memory ----------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_fork_bomb_is_stopped_by_the_process_limit() {
    // Its own uid, so the bomb does not eat the process budget of concurrent tests.
    let sb = sandbox_with(|c| {
        c.sandbox_uid = 60_001;
        c.sandbox_gid = 60_001;
        c.limits.processes = 24;
    })
    .await;
    if !has_layers(&sb, "python_fork_bomb", &[Layer::Rlimits, Layer::UidDrop]) {
        return;
    }
    let code = "import os, time\nn = 0\nerr = None\nfor i in range(1000):\n    try:\n        pid = os.fork()\n    except OSError as e:\n        err = type(e).__name__\n        break\n    if pid == 0:\n        time.sleep(30)\n        os._exit(0)\n    n += 1\nprint(n, err)\n";
    let out = run(&sb, Language::Python, code, Some(5000)).await;
    let mut parts = out.stdout.split_whitespace();
    let forked: u32 = parts.next().unwrap().parse().unwrap();
    assert!(forked < 24, "{out:?}");
    assert_eq!(parts.next(), Some("BlockingIOError"), "{out:?}");
    let deadline = std::time::Instant::now() + Duration::from_secs(2);
    while !processes_of(60_001).is_empty() && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        processes_of(60_001),
        Vec::<u32>::new(),
        "forked children survived"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shell_fork_bomb_is_contained_and_cleaned_up() {
    let sb = sandbox_with(|c| {
        c.sandbox_uid = 60_002;
        c.sandbox_gid = 60_002;
        c.limits.processes = 32;
    })
    .await;
    if !has_layers(&sb, "shell_fork_bomb", &[Layer::Rlimits, Layer::UidDrop]) {
        return;
    }
    let out = run(
        &sb,
        Language::Shell,
        "b() { b | b & }\nb\nsleep 100\n",
        Some(1500),
    )
    .await;
    assert!(out.timed_out || out.exit_code.is_some(), "{out:?}");
    let deadline = std::time::Instant::now() + Duration::from_secs(2);
    while !processes_of(60_002).is_empty() && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        processes_of(60_002),
        Vec::<u32>::new(),
        "fork-bomb processes survived"
    );
    // The host is still usable afterwards.
    let after = run(&sb, Language::Shell, "echo fine", Some(5000)).await;
    assert_eq!(after.stdout, "fine\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_memory_bomb_fails_at_the_address_space_limit() {
    let sb = sandbox().await;
    let out = run(
        sb,
        Language::Python,
        "b = bytearray(2**33)\nprint('allocated')\n",
        Some(5000),
    )
    .await;
    assert!(out.stderr.contains("MemoryError"), "{out:?}");
    assert_ne!(out.exit_code, Some(0));
    assert!(!out.stdout.contains("allocated"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn javascript_memory_bomb_fails_at_the_address_space_limit() {
    let sb = sandbox().await;
    if !has_language(sb, "javascript_memory_bomb", Language::Javascript) {
        return;
    }
    let code = "try { const b = Buffer.alloc(2 ** 32); console.log('allocated', b.length) } catch (e) { console.log(e.name) }";
    let out = run(sb, Language::Javascript, code, Some(5000)).await;
    assert_eq!(out.stdout, "RangeError\n", "{out:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_huge_file_is_stopped_by_the_file_size_limit() {
    let sb = sandbox().await;
    let code = "import os\ntry:\n    with open('big', 'wb') as f:\n        for _ in range(64):\n            f.write(b'x' * (1 << 20))\n    print('wrote 64 MiB')\nexcept OSError as e:\n    print('stopped', e.errno)\nprint(os.path.getsize('big') <= 16 * (1 << 20))\n";
    let out = run(sb, Language::Python, code, Some(5000)).await;
    // EFBIG: Python ignores SIGXFSZ, so the write fails instead of killing it.
    assert_eq!(
        out.stdout,
        format!("stopped {}\nTrue\n", libc_efbig()),
        "{out:?}"
    );
}

fn libc_efbig() -> i32 {
    27
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_cannot_raise_its_limits_back_up() {
    let sb = sandbox().await;
    let code = "import resource\nfor r in (resource.RLIMIT_NPROC, resource.RLIMIT_AS, resource.RLIMIT_CPU):\n    try:\n        resource.setrlimit(r, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))\n        print('raised')\n    except (ValueError, OSError):\n        print('denied')\n";
    let out = run(sb, Language::Python, code, Some(5000)).await;
    assert_eq!(out.stdout, "denied\ndenied\ndenied\n", "{out:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn giant_output_is_truncated_and_the_child_is_not_blocked() {
    let sb = sandbox().await;
    let code = "import sys\nfor _ in range(160):\n    sys.stdout.write('x' * 65536)\n    sys.stderr.write('y' * 65536)\nprint('done', file=sys.stderr)\n";
    let out = run(sb, Language::Python, code, Some(10_000)).await;
    assert_eq!(out.exit_code, Some(0), "{}", out.stderr.len());
    assert!(!out.timed_out);
    let cap = sb.config().limits.stdout_max_bytes;
    assert_eq!(out.stdout.len(), cap);
    assert!(out.stdout_truncated && out.stderr_truncated);
    assert_eq!(out.stderr.len(), sb.config().limits.stderr_max_bytes);
}

// ---------- filesystem ----------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_cannot_write_outside_the_work_dir() {
    let sb = sandbox().await;
    if !has_layers(
        sb,
        "python_cannot_write_outside_the_work_dir",
        &[Layer::Landlock],
    ) {
        return;
    }
    let target = std::env::temp_dir().join(format!("switchboard-escape-{}", std::process::id()));
    let code = format!(
        "for p in ['{}', '/etc/escape', '{}/escape']:\n    try:\n        open(p, 'w').write('x')\n        print('wrote', p)\n    except OSError as e:\n        print('denied', e.errno)\n",
        target.display(),
        env!("CARGO_MANIFEST_DIR")
    );
    let out = run(sb, Language::Python, &code, Some(5000)).await;
    assert_eq!(out.stdout.matches("denied").count(), 3, "{out:?}");
    assert!(!target.exists());
    assert!(!std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/escape")).exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shell_cannot_write_outside_the_work_dir() {
    let sb = sandbox().await;
    if !has_layers(
        sb,
        "shell_cannot_write_outside_the_work_dir",
        &[Layer::Landlock],
    ) {
        return;
    }
    let target = std::env::temp_dir().join(format!("switchboard-escape-sh-{}", std::process::id()));
    let out = run(
        sb,
        Language::Shell,
        &format!("echo x > {}\n", target.display()),
        Some(5000),
    )
    .await;
    assert_ne!(out.exit_code, Some(0), "{out:?}");
    assert!(out.stderr.contains("ermission denied"), "{out:?}");
    assert!(!target.exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_cannot_read_host_secrets_or_project_files() {
    let sb = sandbox().await;
    if !has_layers(
        sb,
        "python_cannot_read_host_secrets_or_project_files",
        &[Layer::Landlock],
    ) {
        return;
    }
    let secret = host_secret_file("py");
    let code = format!(
        "for p in ['{}', '/etc/shadow', '/etc/passwd', '{}/Cargo.toml', '/root/.bashrc']:\n    try:\n        print('read', p, open(p).read()[:20])\n    except OSError as e:\n        print('denied', e.errno)\n",
        secret.display(),
        env!("CARGO_MANIFEST_DIR")
    );
    let out = run(sb, Language::Python, &code, Some(5000)).await;
    std::fs::remove_file(&secret).unwrap();
    assert_eq!(out.stdout.matches("denied").count(), 5, "{out:?}");
    assert!(!out.stdout.contains("TOP-SECRET"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn javascript_cannot_read_host_secrets_or_project_files() {
    let sb = sandbox().await;
    if !has_layers(
        sb,
        "javascript_cannot_read_host_secrets_or_project_files",
        &[Layer::Landlock],
    ) {
        return;
    }
    if !has_language(sb, "javascript_read", Language::Javascript) {
        return;
    }
    let secret = host_secret_file("js");
    let code = format!(
        "const fs = require('fs');\nfor (const p of ['{}', '/etc/shadow', '{}/Cargo.toml']) {{\n  try {{ console.log('read', fs.readFileSync(p, 'utf8').slice(0, 20)) }} catch (e) {{ console.log('denied', e.code) }}\n}}\n",
        secret.display(),
        env!("CARGO_MANIFEST_DIR")
    );
    let out = run(sb, Language::Javascript, &code, Some(5000)).await;
    std::fs::remove_file(&secret).unwrap();
    assert_eq!(out.stdout.matches("denied").count(), 3, "{out:?}");
    assert!(!out.stdout.contains("TOP-SECRET"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shell_cannot_read_host_secrets_or_project_files() {
    let sb = sandbox().await;
    if !has_layers(
        sb,
        "shell_cannot_read_host_secrets_or_project_files",
        &[Layer::Landlock],
    ) {
        return;
    }
    let secret = host_secret_file("sh");
    let code = format!(
        "cat {} || echo denied\ncat /etc/shadow || echo denied\ncat {}/Cargo.toml || echo denied\nls /root || echo denied\n",
        secret.display(),
        env!("CARGO_MANIFEST_DIR")
    );
    let out = run(sb, Language::Shell, &code, Some(5000)).await;
    std::fs::remove_file(&secret).unwrap();
    assert_eq!(out.stdout, "denied\ndenied\ndenied\ndenied\n", "{out:?}");
}

// ---------- environment ----------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_sees_no_host_environment() {
    let sb = sandbox().await;
    assert_eq!(std::env::var(SECRET_VAR).unwrap(), SECRET_VALUE);
    let code = "import os\nprint(sorted(os.environ))\n";
    let out = run(sb, Language::Python, code, Some(5000)).await;
    assert_eq!(
        out.stdout, "['HOME', 'LANG', 'PATH', 'TMPDIR']\n",
        "{out:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shell_sees_no_host_environment() {
    let sb = sandbox().await;
    let out = run(sb, Language::Shell, "env", Some(5000)).await;
    assert!(!out.stdout.contains(SECRET_VALUE), "{out:?}");
    assert!(!out.stdout.contains(SECRET_VAR));
    assert!(!out.stdout.contains("CARGO"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_cannot_read_the_parents_environ_through_proc() {
    let sb = sandbox().await;
    if !has_layers(
        sb,
        "python_cannot_read_the_parents_environ_through_proc",
        &[Layer::Landlock],
    ) {
        return;
    }
    let code = format!(
        "import os\nfor p in ['/proc/{}/environ', '/proc/%d/environ' % os.getppid(), '/proc/1/environ']:\n    try:\n        print('read', open(p, 'rb').read()[:10])\n    except OSError as e:\n        print('denied', e.errno)\n",
        std::process::id()
    );
    let out = run(sb, Language::Python, &code, Some(5000)).await;
    assert_eq!(out.stdout.matches("denied").count(), 3, "{out:?}");
    assert!(!out.stdout.contains(SECRET_VALUE));
}

// ---------- network ----------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_cannot_connect_to_a_loopback_tcp_server() {
    let sb = sandbox().await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let code = format!(
        "import socket\ntry:\n    socket.create_connection(('127.0.0.1', {port}), timeout=2)\n    print('connected')\nexcept OSError as e:\n    print('denied', type(e).__name__)\n"
    );
    let out = run(sb, Language::Python, &code, Some(5000)).await;
    assert!(out.stdout.starts_with("denied"), "{out:?}");
    let accepted = tokio::time::timeout(Duration::from_millis(100), listener.accept()).await;
    assert!(accepted.is_err(), "the server saw a connection");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn javascript_cannot_connect_to_a_loopback_tcp_server() {
    let sb = sandbox().await;
    if !has_language(sb, "javascript_tcp", Language::Javascript) {
        return;
    }
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let code = format!(
        "const s = require('net').connect({port}, '127.0.0.1');\ns.on('connect', () => {{ console.log('connected'); s.end() }});\ns.on('error', e => console.log('denied', e.code));\n"
    );
    let out = run(sb, Language::Javascript, &code, Some(5000)).await;
    assert!(out.stdout.starts_with("denied"), "{out:?}");
    let accepted = tokio::time::timeout(Duration::from_millis(100), listener.accept()).await;
    assert!(accepted.is_err(), "the server saw a connection");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_cannot_send_udp() {
    let sb = sandbox().await;
    let server = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let port = server.local_addr().unwrap().port();
    let code = format!(
        "import socket\ntry:\n    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n    s.sendto(b'leak', ('127.0.0.1', {port}))\n    print('sent')\nexcept OSError as e:\n    print('denied', e.errno)\n"
    );
    let out = run(sb, Language::Python, &code, Some(5000)).await;
    assert!(out.stdout.starts_with("denied"), "{out:?}");
    let mut buf = [0_u8; 16];
    let got = tokio::time::timeout(Duration::from_millis(100), server.recv_from(&mut buf)).await;
    assert!(got.is_err(), "the server received a datagram");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_cannot_resolve_names() {
    let sb = sandbox().await;
    let code = "import socket\ntry:\n    print(socket.getaddrinfo('localhost', 80))\nexcept OSError as e:\n    print('denied', type(e).__name__)\n";
    let out = run(sb, Language::Python, code, Some(5000)).await;
    assert!(out.stdout.starts_with("denied"), "{out:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_cannot_open_netlink_or_raw_sockets() {
    let sb = sandbox().await;
    if !has_layers(sb, "python_netlink", &[Layer::Seccomp]) {
        return;
    }
    let code = "import socket\nfor fam, ty in [(socket.AF_NETLINK, socket.SOCK_RAW), (socket.AF_INET6, socket.SOCK_STREAM), (socket.AF_PACKET, socket.SOCK_RAW)]:\n    try:\n        socket.socket(fam, ty)\n        print('opened')\n    except OSError as e:\n        print('denied', e.errno)\n";
    let out = run(sb, Language::Python, code, Some(5000)).await;
    assert_eq!(out.stdout, "denied 1\ndenied 1\ndenied 1\n", "{out:?}");
}

// ---------- kernel interfaces ----------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_cannot_ptrace_unshare_or_mount() {
    let sb = sandbox().await;
    if !has_layers(sb, "python_ptrace", &[Layer::Seccomp]) {
        return;
    }
    let code = "import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\n\
                def check(name, r):\n    print(name, r, ctypes.get_errno())\n\
                check('ptrace_attach', libc.ptrace(16, os.getppid(), 0, 0))\n\
                check('ptrace_traceme', libc.ptrace(0, 0, 0, 0))\n\
                check('unshare', libc.unshare(0x10000000))\n\
                check('mount', libc.mount(b'none', b'.', b'tmpfs', 0, None))\n";
    let out = run(sb, Language::Python, code, Some(5000)).await;
    assert_eq!(
        out.stdout, "ptrace_attach -1 1\nptrace_traceme -1 1\nunshare -1 1\nmount -1 1\n",
        "{out:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_cpu_limit_stops_a_busy_loop_before_the_wall_clock() {
    let sb = sandbox_with(|c| c.limits.cpu_seconds = 1).await;
    if !has_layers(&sb, "python_cpu_limit", &[Layer::Rlimits]) {
        return;
    }
    let out = run(
        &sb,
        Language::Python,
        "while True:\n    pass\n",
        Some(10_000),
    )
    .await;
    assert!(!out.timed_out, "{out:?}");
    assert_eq!(out.signal.as_deref(), Some("SIGXCPU"), "{out:?}");
}

/// A world-writable pathname UNIX socket like the host services (D-Bus, X11) expose.
fn host_unix_socket(name: &str) -> (tokio::net::UnixListener, std::path::PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let path = std::env::temp_dir().join(format!(
        "switchboard-host-{}-{name}.sock",
        std::process::id()
    ));
    let _ = std::fs::remove_file(&path);
    let listener = tokio::net::UnixListener::bind(&path).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o777)).unwrap();
    (listener, path)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_cannot_reach_host_unix_sockets() {
    let sb = sandbox().await;
    if !has_layers(sb, "python_unix_socket", &[Layer::Seccomp]) {
        return;
    }
    let (listener, path) = host_unix_socket("py");
    let datagram_path =
        std::env::temp_dir().join(format!("switchboard-host-{}-py.dgram", std::process::id()));
    let _ = std::fs::remove_file(&datagram_path);
    let datagram = tokio::net::UnixDatagram::bind(&datagram_path).unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&datagram_path, std::fs::Permissions::from_mode(0o777)).unwrap();
    }
    let code = format!(
        "import socket\n\
         try:\n    s = socket.socket(socket.AF_UNIX)\n    s.connect('{}')\n    s.send(b'leak')\n    print('connected')\n\
         except OSError as e:\n    print('denied', e.errno)\n\
         d = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)\n\
         for send in (lambda: d.sendto(b'leak', '{dgram}'), lambda: d.sendmsg([b'leak'], [], 0, '{dgram}')):\n\
         \x20   try:\n        send()\n        print('sent')\n    except OSError as e:\n        print('denied', e.errno)\n",
        path.display(),
        dgram = datagram_path.display()
    );
    let out = run(sb, Language::Python, &code, Some(5000)).await;
    assert_eq!(out.stdout, "denied 1\ndenied 1\ndenied 1\n", "{out:?}");
    assert!(
        tokio::time::timeout(Duration::from_millis(100), listener.accept())
            .await
            .is_err(),
        "the host socket saw a connection"
    );
    let mut buf = [0_u8; 16];
    assert!(
        tokio::time::timeout(Duration::from_millis(100), datagram.recv(&mut buf))
            .await
            .is_err(),
        "the host datagram socket received data"
    );
    let _ = std::fs::remove_file(&path);
    let _ = std::fs::remove_file(&datagram_path);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn javascript_cannot_reach_host_unix_sockets() {
    let sb = sandbox().await;
    if !has_layers(sb, "javascript_unix_socket", &[Layer::Seccomp])
        || !has_language(sb, "javascript_unix_socket", Language::Javascript)
    {
        return;
    }
    let (listener, path) = host_unix_socket("js");
    let code = format!(
        "const s = require('net').connect('{}');\ns.on('connect', () => {{ console.log('connected'); s.end() }});\ns.on('error', e => console.log('denied', e.code));\n",
        path.display()
    );
    let out = run(sb, Language::Javascript, &code, Some(5000)).await;
    assert_eq!(out.stdout, "denied EPERM\n", "{out:?}");
    assert!(
        tokio::time::timeout(Duration::from_millis(100), listener.accept())
            .await
            .is_err(),
        "the host socket saw a connection"
    );
    let _ = std::fs::remove_file(&path);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_x32_system_calls_are_denied() {
    let sb = sandbox().await;
    if !has_layers(sb, "python_x32", &[Layer::Seccomp]) || std::env::consts::ARCH != "x86_64" {
        return;
    }
    // getpid through the x32 ABI (0x4000_0000 | 39): EPERM from the filter, not ENOSYS from the kernel.
    let code = "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\nprint(libc.syscall(0x40000000 + 39), ctypes.get_errno())\n";
    let out = run(sb, Language::Python, code, Some(5000)).await;
    assert_eq!(out.stdout, "-1 1\n", "{out:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_work_dir_total_size_is_bounded() {
    let sb = sandbox_with(|c| c.limits.workdir_bytes = 8 << 20).await;
    if !has_layers(&sb, "python_work_dir_size", &[Layer::Namespaces]) {
        return;
    }
    if !sb.report().detail(Layer::Namespaces).contains("tmpfs") {
        eprintln!("SKIP python_work_dir_size: the work dir is not a tmpfs here (needs root)");
        return;
    }
    // Many files, each under the per-file limit, together above the work dir size.
    let code = "import os\ntotal = 0\ntry:\n    for i in range(100):\n        with open(f'f{i}', 'wb') as f:\n            f.write(b'x' * (1 << 20))\n        total += 1 << 20\n    print('wrote', total)\nexcept OSError as e:\n    print('stopped', e.errno, total <= 8 << 20)\n";
    let out = run(&sb, Language::Python, code, Some(5000)).await;
    assert_eq!(out.stdout, "stopped 28 True\n", "{out:?}");
}

// ---------- PID namespace ----------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shell_runs_as_pid_2_under_its_own_init() {
    let sb = sandbox().await;
    if !has_layers(sb, "shell_pid_namespace", &[Layer::PidNamespace]) {
        return;
    }
    let out = run(sb, Language::Shell, "echo $$ $PPID", Some(5000)).await;
    assert_eq!(out.stdout, "2 1\n", "{out:?}");
    assert_eq!(out.exit_code, Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_cannot_see_host_processes() {
    let sb = sandbox().await;
    if !has_layers(sb, "python_pid_namespace", &[Layer::PidNamespace]) {
        return;
    }
    // ESRCH, not EPERM: the test process does not exist in the program's PID namespace (Landlock's
    // signal scoping or the uid would give EPERM).
    let code = format!(
        "import os\nprint(os.getpid(), os.getppid())\n\
         try:\n    os.kill({}, 0)\n    print('visible')\n\
         except ProcessLookupError:\n    print('no such process')\n\
         except PermissionError:\n    print('permission denied')\n",
        std::process::id()
    );
    let out = run(sb, Language::Python, &code, Some(5000)).await;
    assert_eq!(out.stdout, "2 1\nno such process\n", "{out:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_codes_and_signals_pass_through_the_pid_namespace_exactly() {
    let sb = sandbox().await;
    if !has_layers(sb, "pid_namespace_status", &[Layer::PidNamespace]) {
        return;
    }
    let cases: [(&str, Option<i32>, Option<&str>); 5] = [
        ("exit 201", Some(201), None),
        ("exit 0", Some(0), None),
        ("kill -USR1 $$", None, Some("SIGUSR1")),
        ("kill -TERM $$; echo survived", None, Some("SIGTERM")),
        // Core-dumping signal: the relay re-raises it without writing a core file.
        ("kill -SEGV $$", None, Some("SIGSEGV")),
    ];
    for (code, exit_code, signal) in cases {
        let out = run(sb, Language::Shell, code, Some(5000)).await;
        assert_eq!(out.exit_code, exit_code, "{code}: {out:?}");
        assert_eq!(out.signal.as_deref(), signal, "{code}: {out:?}");
        assert!(!out.timed_out, "{code}: {out:?}");
        assert_eq!(out.stdout, "", "{code}: {out:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shell_background_process_is_gone_when_the_program_ends() {
    let sb = sandbox().await;
    if !has_layers(sb, "pid_namespace_background", &[Layer::PidNamespace]) {
        return;
    }
    let m = marker(4);
    let code = format!("sleep {m} &\nsleep 0.5\necho $!\n");
    let run = tokio::spawn({
        let sb = sb.clone();
        async move {
            sb.run(ExecuteCodeArgs {
                language: Language::Shell,
                code,
                timeout_ms: Some(5000),
            })
            .await
            .unwrap()
        }
    });
    // The background sleep is visible on the host while the program runs ...
    let deadline = std::time::Instant::now() + Duration::from_secs(2);
    while processes_with(&m).is_empty() && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(
        !processes_with(&m).is_empty(),
        "the background sleep never started"
    );
    // ... and gone once it ended normally (exit 0, not a timeout).
    let out = run.await.unwrap();
    assert_eq!(out.exit_code, Some(0), "{out:?}");
    assert!(!out.timed_out, "{out:?}");
    assert_eq!(out.stdout, "3\n", "{out:?}");
    assert_eq!(
        processes_with(&m),
        Vec::<u32>::new(),
        "the background sleep outlived the run"
    );
}
