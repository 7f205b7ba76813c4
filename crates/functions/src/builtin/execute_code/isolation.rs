//! The rule that keeps the code away from the gateway's own processes, decided once at detection.
//!
//! When the code runs as the gateway's own uid (the gateway is not root, or the uid drop is off), the
//! kernel's permission checks let it signal the gateway, lower its rlimits (`prlimit`), renice it or
//! pin it to one CPU. Something else must stand between them:
//! - the PID namespace: the gateway has no pid the code can name, and the "every process of my uid"
//!   forms (`kill(-1)`, `PRIO_USER`, `IOPRIO_WHO_USER`) skip processes outside the namespace; or
//! - Landlock signal scoping (ABI 6) for signals, together with the seccomp layer's argument rules
//!   for everything else (limits, priority, scheduling, I/O priority, pidfds, `kcmp`).
//!
//! Without either, detection fails (fail closed); it is not a layer one can leave out of
//! `required_layers`.

use super::error::SandboxError;
use super::report::{LayerReport, LayerStatus};

/// The first Landlock ABI that scopes signals to the sandbox.
pub(super) const SIGNAL_SCOPING_ABI: u8 = 6;

/// What detection found that bears on the rule.
#[derive(Debug)]
pub(super) struct Facts {
    /// The gateway's effective uid.
    pub(super) host_uid: u32,
    /// Whether the code will run under another uid than the gateway's (the uid drop is in force).
    pub(super) code_has_own_uid: bool,
    /// The uid drop layer, to say why it does not apply.
    pub(super) uid_drop: LayerReport,
    /// The PID namespace layer.
    pub(super) pid_namespace: LayerReport,
    /// The Landlock ABI in force, if any.
    pub(super) landlock_abi: Option<u8>,
    /// The seccomp layer.
    pub(super) seccomp: LayerReport,
}

/// What keeps the code away from the gateway's processes, or the error naming what is missing.
///
/// # Errors
/// [`SandboxError::GatewayUnprotected`] when the code shares the gateway's uid and neither the PID
/// namespace nor Landlock signal scoping with seccomp is in force.
pub(super) fn check(facts: &Facts) -> Result<&'static str, SandboxError> {
    if facts.code_has_own_uid {
        return Ok("the code runs under its own uid");
    }
    if facts.pid_namespace.status == LayerStatus::Active {
        return Ok("the PID namespace hides the gateway");
    }
    let scoping = facts
        .landlock_abi
        .is_some_and(|abi| abi >= SIGNAL_SCOPING_ABI);
    let seccomp = facts.seccomp.status == LayerStatus::Active;
    if scoping && seccomp {
        return Ok("Landlock signal scoping and the seccomp argument rules");
    }
    let why_shared = if facts.uid_drop.status == LayerStatus::NotNeeded {
        "the gateway is not root".to_owned()
    } else {
        format!("the uid drop is not in force: {}", facts.uid_drop.detail)
    };
    let landlock = match facts.landlock_abi {
        Some(abi) if abi >= SIGNAL_SCOPING_ABI => format!("Landlock is ABI {abi}"),
        Some(abi) => format!("Landlock is ABI {abi}, without signal scoping"),
        None => "Landlock is unavailable".to_owned(),
    };
    Err(SandboxError::GatewayUnprotected {
        uid: facts.host_uid,
        why_shared,
        found: format!(
            "pid_namespace is {}: {}; {landlock}; seccomp is {}{}",
            status_word(facts.pid_namespace.status),
            facts.pid_namespace.detail,
            status_word(facts.seccomp.status),
            if seccomp {
                String::new()
            } else {
                format!(": {}", facts.seccomp.detail)
            },
        ),
    })
}

fn status_word(status: LayerStatus) -> &'static str {
    match status {
        LayerStatus::Active => "active",
        LayerStatus::NotNeeded => "not needed",
        LayerStatus::Unavailable => "unavailable",
        LayerStatus::Disabled => "disabled",
    }
}
