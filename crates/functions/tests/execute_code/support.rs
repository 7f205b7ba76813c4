//! Shared test fixtures: one detected sandbox per configuration, skip rules, process checks.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use switchboard_functions::builtin::execute_code::{
    ExecuteCodeArgs, ExecuteCodeOutput, Language, Layer, LayerStatus, Sandbox, SandboxConfig,
};
use tokio::sync::OnceCell;

/// Name and value of a secret placed in the test process's environment.
pub(crate) const SECRET_VAR: &str = "SWITCHBOARD_TEST_SECRET";
pub(crate) const SECRET_VALUE: &str = "hunter2-do-not-leak";

static DEFAULT: OnceCell<Sandbox> = OnceCell::const_new();

#[allow(
    unsafe_code,
    reason = "set_var is unsafe in edition 2024; it runs once, before any sandbox exists"
)]
fn set_secret() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: no other thread of this test binary reads or writes the environment concurrently
        // with this single call (the harness threads only reach it through this Once).
        unsafe { std::env::set_var(SECRET_VAR, SECRET_VALUE) };
    });
}

/// The enabled default configuration. Required layers come from `SWITCHBOARD_REQUIRE_SANDBOX`
/// (none when unset, so that tests on a weaker machine skip instead of failing at detection).
///
/// `SWITCHBOARD_TEST_SANDBOX_NAMESPACES=off` switches namespaces off, as on a host that refuses them
/// (Docker's default seccomp profile, Ubuntu's user-namespace restriction); `.ci/sandbox-unprivileged.sh`
/// uses it to run these tests as an unprivileged gateway would. It is read here, in the tests, only.
pub(crate) fn config() -> SandboxConfig {
    SandboxConfig {
        enabled: true,
        required_layers: Layer::ALL.into_iter().filter(|l| required(*l)).collect(),
        namespaces: std::env::var("SWITCHBOARD_TEST_SANDBOX_NAMESPACES").as_deref() != Ok("off"),
        ..SandboxConfig::default()
    }
}

/// The shared sandbox with the default (enabled) configuration, detected once.
pub(crate) async fn sandbox() -> &'static Sandbox {
    set_secret();
    DEFAULT
        .get_or_init(|| async {
            Sandbox::detect(config())
                .await
                .expect("the sandbox must detect")
        })
        .await
}

/// A sandbox with its own configuration (for example its own uid for process-count tests).
pub(crate) async fn sandbox_with(edit: impl FnOnce(&mut SandboxConfig)) -> Sandbox {
    set_secret();
    let mut config = config();
    edit(&mut config);
    Sandbox::detect(config)
        .await
        .expect("the sandbox must detect")
}

fn required(layer: Layer) -> bool {
    match std::env::var("SWITCHBOARD_REQUIRE_SANDBOX") {
        Ok(v) => v
            .split(',')
            .any(|s| s.trim() == "all" || s.trim() == layer.as_str()),
        Err(_) => false,
    }
}

/// True when every listed layer is active; otherwise prints a skip reason (or panics when required).
pub(crate) fn has_layers(sandbox: &Sandbox, test: &str, layers: &[Layer]) -> bool {
    for layer in layers {
        let status = sandbox.report().status(*layer);
        if status != LayerStatus::Active {
            let detail = sandbox.report().detail(*layer);
            if status.is_satisfied() {
                // For example no uid drop on a non-root host: nothing to test, nothing missing.
                eprintln!("SKIP {test}: layer {layer} is {status:?} here ({detail})");
                return false;
            }
            assert!(
                !required(*layer),
                "{test}: layer {layer} is required by SWITCHBOARD_REQUIRE_SANDBOX but is {status:?}: {detail}"
            );
            eprintln!("SKIP {test}: layer {layer} is {status:?} here ({detail})");
            return false;
        }
    }
    true
}

/// True when the language is available; otherwise prints a skip reason.
pub(crate) fn has_language(sandbox: &Sandbox, test: &str, language: Language) -> bool {
    if sandbox.report().available_languages().contains(&language) {
        return true;
    }
    eprintln!("SKIP {test}: {language} is not available here");
    false
}

/// Runs code with an optional timeout.
pub(crate) async fn run(
    sandbox: &Sandbox,
    language: Language,
    code: &str,
    timeout_ms: Option<u64>,
) -> ExecuteCodeOutput {
    sandbox
        .run(ExecuteCodeArgs {
            language,
            code: code.to_owned(),
            timeout_ms,
        })
        .await
        .unwrap()
}

/// Whether a process is running (a zombie or a missing pid counts as gone).
pub(crate) fn alive(pid: u32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    let state = stat
        .rsplit_once(") ")
        .and_then(|(_, rest)| rest.chars().next());
    !matches!(state, Some('Z' | 'X') | None)
}

/// Waits up to two seconds for a process to be gone.
pub(crate) async fn gone(pid: u32) -> bool {
    let deadline = Instant::now() + Duration::from_secs(2);
    while Instant::now() < deadline {
        if !alive(pid) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    !alive(pid)
}

/// A number unique to this test process and `case`, for a `sleep` argument the test can find in
/// `/proc/*/cmdline` (pids printed by the code are pids of its own PID namespace, not host pids).
pub(crate) fn marker(case: u32) -> String {
    format!("{}.{}{case}", 100 + case, std::process::id())
}

/// Running (non-zombie) processes whose command line contains `marker`.
pub(crate) fn processes_with(marker: &str) -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.flatten()
        .filter_map(|e| e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()))
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|c| String::from_utf8_lossy(&c).contains(marker))
        })
        .filter(|pid| alive(*pid))
        .collect()
}

/// Waits up to two seconds for every process with `marker` on its command line to be gone.
pub(crate) async fn all_gone(marker: &str) -> Vec<u32> {
    let deadline = Instant::now() + Duration::from_secs(2);
    while Instant::now() < deadline {
        if processes_with(marker).is_empty() {
            return Vec::new();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    processes_with(marker)
}

/// Running (non-zombie) processes owned by `uid`.
pub(crate) fn processes_of(uid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return out;
    };
    for entry in dir.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else {
            continue;
        };
        let owned = status
            .lines()
            .find_map(|l| l.strip_prefix("Uid:"))
            .and_then(|l| l.split_whitespace().next())
            .and_then(|s| s.parse::<u32>().ok())
            == Some(uid);
        if owned && alive(pid) {
            out.push(pid);
        }
    }
    out
}

/// A root-only (mode 600) file with secret content outside any work directory.
pub(crate) fn host_secret_file(name: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = std::env::temp_dir().join(format!(
        "switchboard-host-secret-{}-{name}",
        std::process::id()
    ));
    std::fs::write(&path, "TOP-SECRET-HOST-DATA").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    path
}
