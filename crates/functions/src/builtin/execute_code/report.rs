//! What the sandbox found at start-up: each isolation layer, whether it is active, and why not.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::args::Language;

/// One isolation layer of the process sandbox.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Layer {
    /// CPU, address-space, file-size, open-files, process-count and core-dump rlimits.
    Rlimits,
    /// Running as an unprivileged uid/gid (needed for the process-count limit to bind).
    UidDrop,
    /// `PR_SET_NO_NEW_PRIVS`: no set-uid or file-capability gain through `execve`.
    NoNewPrivs,
    /// seccomp-bpf filters denying network sockets, connect/sendmsg, ptrace, pidfds, mount, namespaces,
    /// bpf, keyctl, io_uring, setsid and more, and limits, priority or scheduling changes to any process
    /// but the caller.
    Seccomp,
    /// A Landlock ruleset: read/execute on interpreter and system files, read-write on the work dir only.
    Landlock,
    /// New network, IPC, UTS and mount namespaces (and a user namespace when not root); as root, the
    /// work directory is a private, size-limited tmpfs.
    Namespaces,
    /// A new PID namespace (needs [`Layer::Namespaces`]): the code runs as PID 2 under a minimal init,
    /// sees no host process, and every process left in the namespace is killed when the program ends.
    PidNamespace,
}

impl Layer {
    /// Every layer, in the order of the report.
    pub const ALL: [Layer; 7] = [
        Layer::Rlimits,
        Layer::UidDrop,
        Layer::NoNewPrivs,
        Layer::Seccomp,
        Layer::Landlock,
        Layer::Namespaces,
        Layer::PidNamespace,
    ];

    /// The snake-case name used in configuration and reports.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Layer::Rlimits => "rlimits",
            Layer::UidDrop => "uid_drop",
            Layer::NoNewPrivs => "no_new_privs",
            Layer::Seccomp => "seccomp",
            Layer::Landlock => "landlock",
            Layer::Namespaces => "namespaces",
            Layer::PidNamespace => "pid_namespace",
        }
    }
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a layer is in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LayerStatus {
    /// The layer is applied to every run.
    Active,
    /// The layer is not needed here (for example no uid drop when the host is not root); it counts as satisfied.
    NotNeeded,
    /// The host cannot provide the layer (the detail says why).
    Unavailable,
    /// Configuration switched the layer off.
    Disabled,
}

impl LayerStatus {
    /// True when the layer protects runs or is not needed on this host.
    #[must_use]
    pub fn is_satisfied(self) -> bool {
        matches!(self, LayerStatus::Active | LayerStatus::NotNeeded)
    }
}

/// The state of one layer, with a human-readable detail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct LayerReport {
    /// Which layer.
    pub layer: Layer,
    /// Whether it is in force.
    pub status: LayerStatus,
    /// What exactly is applied, or why it is not (for example `ABI 7; TCP bind/connect denied`).
    pub detail: String,
}

/// The state of one language's interpreter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct InterpreterReport {
    /// Which language.
    pub language: Language,
    /// The resolved interpreter executable, when one works inside the sandbox.
    pub executable: Option<String>,
    /// Version string reported by the interpreter, or why it is unavailable.
    pub detail: String,
}

/// Everything `Sandbox::detect` found: layers and interpreters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SandboxReport {
    /// Every layer, in application order.
    pub layers: Vec<LayerReport>,
    /// Every language, available or not.
    pub interpreters: Vec<InterpreterReport>,
}

impl SandboxReport {
    /// The status of one layer.
    #[must_use]
    pub fn status(&self, layer: Layer) -> LayerStatus {
        self.layers
            .iter()
            .find(|r| r.layer == layer)
            .map_or(LayerStatus::Unavailable, |r| r.status)
    }

    /// The detail of one layer (empty when unknown).
    #[must_use]
    pub fn detail(&self, layer: Layer) -> &str {
        self.layers
            .iter()
            .find(|r| r.layer == layer)
            .map_or("", |r| r.detail.as_str())
    }

    /// Layers that are applied to every run.
    #[must_use]
    pub fn active_layers(&self) -> Vec<Layer> {
        self.layers
            .iter()
            .filter(|r| r.status == LayerStatus::Active)
            .map(|r| r.layer)
            .collect()
    }

    /// Languages with a working interpreter.
    #[must_use]
    pub fn available_languages(&self) -> Vec<Language> {
        self.interpreters
            .iter()
            .filter(|r| r.executable.is_some())
            .map(|r| r.language)
            .collect()
    }
}
