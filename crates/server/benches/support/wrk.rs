//! Drives `wrk` (the load generator the numbers in docs/benchmarks.md come from) and reads its
//! result from a Lua `done` hook, so no human-oriented output is parsed.

use std::fmt;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// One load run: what to post, how hard, for how long.
pub(crate) struct Load<'a> {
    pub(crate) url: &'a str,
    /// The JSON body; `{id}` is replaced by a request counter when `unique_ids` is set.
    pub(crate) body: &'a str,
    /// Extra request headers (`Content-Type: application/json` is always sent).
    pub(crate) headers: &'a [(&'a str, String)],
    /// Gives every request its own JSON-RPC id (MCP servers track ids per session).
    pub(crate) unique_ids: bool,
    pub(crate) connections: usize,
    pub(crate) duration: Duration,
}

/// What wrk measured.
pub(crate) struct Outcome {
    pub(crate) requests: u64,
    pub(crate) seconds: f64,
    pub(crate) p50: Duration,
    pub(crate) p99: Duration,
    pub(crate) max: Duration,
    pub(crate) non_2xx: u64,
    pub(crate) socket_errors: u64,
}

impl Outcome {
    pub(crate) fn rate(&self) -> f64 {
        self.requests as f64 / self.seconds
    }
}

impl fmt::Display for Outcome {
    /// The summary shape `cargo xtask bench` reads (xtask/src/bench.rs).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:.0} requests/s, {} requests in {:.2}s, p50 {:?}, p99 {:?}, max {:?}, non-2xx {}, socket errors {}",
            self.rate(),
            self.requests,
            self.seconds,
            self.p50,
            self.p99,
            self.max,
            self.non_2xx,
            self.socket_errors
        )
    }
}

/// Whether `wrk` can be run.
pub(crate) fn available() -> bool {
    Command::new("wrk")
        .arg("--version")
        .output()
        .is_ok_and(|o| !o.stdout.is_empty() || !o.stderr.is_empty())
}

fn lua_string(s: &str) -> String {
    format!("{s:?}")
}

fn script(load: &Load<'_>) -> String {
    let mut s = String::from(
        "wrk.method = \"POST\"\nwrk.headers[\"Content-Type\"] = \"application/json\"\n",
    );
    for (name, value) in load.headers {
        s.push_str(&format!(
            "wrk.headers[{}] = {}\n",
            lua_string(name),
            lua_string(value)
        ));
    }
    if load.unique_ids {
        let (before, after) = load.body.split_once("{id}").expect("the body has an {id}");
        s.push_str(&format!(
            "local n = 0\nrequest = function()\n  n = n + 1\n  return wrk.format(nil, nil, nil, {} .. n .. {})\nend\n",
            lua_string(before),
            lua_string(after)
        ));
    } else {
        s.push_str(&format!("wrk.body = {}\n", lua_string(load.body)));
    }
    s.push_str(
        "done = function(summary, latency, requests)\n  local e = summary.errors\n  \
         io.write(string.format(\"wrk-result %d %d %d %d %d %d %d\\n\", summary.requests, \
         summary.duration, latency:percentile(50), latency:percentile(99), latency.max, \
         e.status, e.connect + e.read + e.write + e.timeout))\nend\n",
    );
    s
}

/// Runs wrk with one thread (the server gets the other cores) and returns its result.
pub(crate) fn run(load: &Load<'_>, scratch: &Path) -> Result<Outcome, String> {
    let path = scratch.join(format!("wrk-{}.lua", std::process::id()));
    std::fs::write(&path, script(load)).map_err(|e| format!("writing {}: {e}", path.display()))?;
    let out = Command::new("wrk")
        .args(["-t1", &format!("-c{}", load.connections)])
        .arg(format!("-d{}s", load.duration.as_secs().max(1)))
        .args(["--timeout", "5s", "-s"])
        .arg(&path)
        .arg(load.url)
        .output()
        .map_err(|e| format!("cannot run wrk: {e}"))?;
    let _ = std::fs::remove_file(&path);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("wrk-result "))
        .ok_or_else(|| {
            format!(
                "wrk printed no result ({}): {stdout}{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            )
        })?;
    let n: Vec<u64> = line
        .split_whitespace()
        .map(|v| v.parse().unwrap_or(0))
        .collect();
    let [requests, micros, p50, p99, max, non_2xx, socket_errors] = n[..] else {
        return Err(format!("unexpected wrk result line: {line}"));
    };
    Ok(Outcome {
        requests,
        seconds: micros as f64 / 1e6,
        p50: Duration::from_micros(p50),
        p99: Duration::from_micros(p99),
        max: Duration::from_micros(max),
        non_2xx,
        socket_errors,
    })
}
