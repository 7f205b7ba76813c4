//! The Python peers (FastAPI, and the official MCP SDK's own server), run as child processes
//! from the venv `cargo xtask bench` prepares (`SB_BENCH_PYTHON`).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A child process that is killed when dropped.
pub(crate) struct Peer {
    child: Child,
    pub(crate) port: u16,
}

impl Peer {
    /// The process id of the peer's main process.
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        // uvicorn's worker processes follow their parent (its supervisor stops them on SIGTERM).
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The interpreter with the peers' packages, or why there is none.
pub(crate) fn python() -> Result<PathBuf, String> {
    if let Ok(why) = std::env::var("SB_BENCH_PEERS_SKIPPED") {
        return Err(why);
    }
    let Some(path) = std::env::var_os("SB_BENCH_PYTHON") else {
        return Err(
            "SB_BENCH_PYTHON is not set (cargo xtask bench sets it when python3 is available)"
                .to_owned(),
        );
    };
    let path = PathBuf::from(path);
    if !path.exists() {
        return Err(format!("SB_BENCH_PYTHON={} does not exist", path.display()));
    }
    Ok(path)
}

/// A free loopback port (released again, for the child to bind).
pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// The folder of the peer apps.
pub(crate) fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/peers")
}

/// Starts `python args…` in the peers folder with `PORT` set, and waits until the port accepts.
pub(crate) fn start(python: &Path, args: &[&str]) -> Result<Peer, String> {
    let port = free_port();
    let child = Command::new(python)
        .args(args)
        .env("PORT", port.to_string())
        .current_dir(dir())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {} {args:?}: {e}", python.display()))?;
    let mut peer = Peer { child, port };
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(Some(status)) = peer.child.try_wait() {
            return Err(format!("{args:?} exited with {status} before listening"));
        }
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            // uvicorn binds before its workers are ready; give them a moment.
            std::thread::sleep(Duration::from_millis(500));
            return Ok(peer);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(format!(
        "{args:?} did not listen on port {port} within 30 s"
    ))
}

/// Clock ticks per second of `/proc/*/stat` times (`USER_HZ`, 100 on Linux).
pub(crate) const TICKS_PER_SECOND: f64 = 100.0;

/// CPU time (user + system, in clock ticks) used so far by the threads of this process named
/// `name` (threads that have exited no longer count); 0 when `/proc` cannot tell.
pub(crate) fn thread_cpu_ticks(name: &str) -> u64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    tasks
        .flatten()
        .filter(|task| {
            std::fs::read_to_string(task.path().join("comm")).is_ok_and(|comm| comm.trim() == name)
        })
        .filter_map(|task| std::fs::read_to_string(task.path().join("stat")).ok())
        .filter_map(|stat| stat_ticks(&stat))
        .sum()
}

/// utime + stime of a `/proc/…/stat` line.
fn stat_ticks(stat: &str) -> Option<u64> {
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(") ")?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after `comm`.
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

/// CPU time (user + system, in clock ticks) used so far by process `pid`, plus its descendants
/// when `with_children` (uvicorn's workers); 0 when `/proc` cannot tell.
pub(crate) fn cpu_ticks(pid: u32, with_children: bool) -> u64 {
    let own = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| stat_ticks(&stat))
        .unwrap_or(0);
    if !with_children {
        return own;
    }
    let children =
        std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap_or_default();
    own + children
        .split_whitespace()
        .filter_map(|c| c.parse().ok())
        .map(|c| cpu_ticks(c, true))
        .sum::<u64>()
}
