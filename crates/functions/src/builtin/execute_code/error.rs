//! Errors of sandbox detection (start-up) and of a single run.

use std::io;

use super::args::Language;
use super::report::Layer;

/// Why the sandbox could not be set up at start-up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SandboxError {
    /// A configuration value is unusable.
    #[error("invalid execute_code configuration at `{field}`: {reason}")]
    InvalidConfig {
        /// Dotted path of the field, for example `limits.cpu_seconds`.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A layer listed in `required_layers` is not available on this host (fail closed).
    #[error("required sandbox layer `{layer}` is not available: {reason}")]
    RequiredLayerUnavailable {
        /// The missing layer.
        layer: Layer,
        /// Why it is not available.
        reason: String,
    },
    /// The code would run as the gateway's own uid with nothing keeping it from the gateway's
    /// processes (fail closed; see `docs/execute-code.md`).
    #[error(
        "execute_code cannot protect the gateway process: the code would run as the gateway's own uid {uid} \
         ({why_shared}), so it could signal the gateway or lower its limits and priority. That needs the \
         PID namespace, or Landlock signal scoping (ABI 6, Linux 6.12 or later) together with the seccomp \
         layer; here {found}. Fix one of: allow namespaces (`namespaces = true`, and let the gateway create \
         user namespaces: under Docker a seccomp profile that permits them, on Ubuntu \
         `sysctl kernel.apparmor_restrict_unprivileged_userns=0` or an AppArmor profile for the gateway), \
         start the gateway as root so the code runs as `sandbox_uid`, or use a kernel with Landlock ABI 6"
    )]
    GatewayUnprotected {
        /// The gateway's uid, which the code would share.
        uid: u32,
        /// Why the code would share it.
        why_shared: String,
        /// The state of the PID namespace, Landlock and seccomp layers.
        found: String,
    },
    /// Building the seccomp filter failed.
    #[error("cannot build the seccomp filter: {0}")]
    Seccomp(String),
    /// An I/O error while probing the host.
    #[error("cannot probe the host for `{what}`: {source}")]
    Probe {
        /// What was being probed.
        what: String,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
}

/// Where inside the child the sandbox set-up failed (before the interpreter started).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SetupStep {
    /// Creating the new namespaces.
    Namespaces,
    /// Forking the init and the program into the new PID namespace.
    PidNamespace,
    /// Mounting the private tmpfs work directory and writing the code into it.
    WorkdirMount,
    /// Setting an rlimit.
    Rlimits,
    /// Dropping supplementary groups, gid and uid.
    UidDrop,
    /// Setting no_new_privs.
    NoNewPrivs,
    /// Applying the Landlock ruleset.
    Landlock,
    /// The Landlock ruleset was not fully enforced.
    LandlockNotEnforced,
    /// Loading the seccomp filter.
    Seccomp,
}

impl SetupStep {
    pub(super) const fn code(self) -> i32 {
        match self {
            SetupStep::Namespaces => 1,
            SetupStep::Rlimits => 2,
            SetupStep::UidDrop => 3,
            SetupStep::NoNewPrivs => 4,
            SetupStep::Landlock => 5,
            SetupStep::LandlockNotEnforced => 6,
            SetupStep::Seccomp => 7,
            SetupStep::WorkdirMount => 8,
            SetupStep::PidNamespace => 9,
        }
    }

    pub(super) fn from_code(code: i32) -> Option<SetupStep> {
        [
            SetupStep::Namespaces,
            SetupStep::Rlimits,
            SetupStep::UidDrop,
            SetupStep::NoNewPrivs,
            SetupStep::Landlock,
            SetupStep::LandlockNotEnforced,
            SetupStep::Seccomp,
            SetupStep::WorkdirMount,
            SetupStep::PidNamespace,
        ]
        .into_iter()
        .find(|s| s.code() == code)
    }
}

impl std::fmt::Display for SetupStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SetupStep::Namespaces => "creating namespaces",
            SetupStep::PidNamespace => "forking into the new PID namespace",
            SetupStep::WorkdirMount => "mounting the tmpfs work directory",
            SetupStep::Rlimits => "setting rlimits",
            SetupStep::UidDrop => "dropping to the sandbox uid/gid",
            SetupStep::NoNewPrivs => "setting no_new_privs",
            SetupStep::Landlock => "applying the Landlock ruleset",
            SetupStep::LandlockNotEnforced => "checking the Landlock ruleset is fully enforced",
            SetupStep::Seccomp => "loading the seccomp filter",
        })
    }
}

/// Why one run failed before producing an output (a program failing is not an error: see `exit_code`).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExecuteError {
    /// Code execution is switched off in configuration.
    #[error("code execution is disabled (set `enabled = true` in the execute_code configuration)")]
    Disabled,
    /// No working interpreter for the language.
    #[error(
        "language `{language}` is not available here; available: {}",
        list_languages(available)
    )]
    LanguageUnavailable {
        /// The requested language.
        language: Language,
        /// Languages that are available.
        available: Vec<Language>,
    },
    /// `timeout_ms` is zero or above the configured maximum.
    #[error("timeout_ms {requested} is out of range: must be between 1 and {max}")]
    InvalidTimeout {
        /// The requested timeout.
        requested: u64,
        /// The configured maximum.
        max: u64,
    },
    /// The code is larger than the configured cap.
    #[error("code is {len} bytes, above the limit of {max} bytes")]
    CodeTooLarge {
        /// Size of the code in bytes.
        len: usize,
        /// The configured cap.
        max: usize,
    },
    /// The code contains a NUL byte.
    #[error("code contains a NUL byte at byte offset {offset}")]
    NulInCode {
        /// Offset of the first NUL byte.
        offset: usize,
    },
    /// Creating or preparing the work directory failed.
    #[error("cannot prepare the work directory: {0}")]
    WorkDir(#[source] io::Error),
    /// The sandbox set-up failed inside the child before the interpreter started (fail closed).
    #[error("sandbox set-up failed while {step}: {source}")]
    Setup {
        /// The failed step.
        step: SetupStep,
        /// The system error.
        #[source]
        source: io::Error,
    },
    /// Starting the interpreter failed.
    #[error("cannot start the {language} interpreter: {source}")]
    Spawn {
        /// The language whose interpreter failed.
        language: Language,
        /// The system error.
        #[source]
        source: io::Error,
    },
    /// Waiting for the program failed.
    #[error("cannot wait for the program: {0}")]
    Wait(#[source] io::Error),
}

fn list_languages(languages: &[Language]) -> String {
    if languages.is_empty() {
        return "none".to_owned();
    }
    languages
        .iter()
        .map(|l| l.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}
