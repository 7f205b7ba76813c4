//! The `execute_code` built-in tool: runs Python, JavaScript or shell code in a process sandbox.
//!
//! Each run gets a fresh temporary work directory (deleted afterwards), a fixed environment with
//! nothing from the host, `/dev/null` as standard input and its own process group, which is killed
//! as a whole at the wall-clock limit and again when the program ends. Around it, as many kernel
//! layers as the host allows, each detected at start-up by [`Sandbox::detect`] and listed in its
//! [`SandboxReport`]:
//!
//! | layer | what it does |
//! |---|---|
//! | [`Layer::Rlimits`] | CPU time, address space, file size, open files, processes, no core dumps |
//! | [`Layer::UidDrop`] | runs as an unprivileged uid (65534) when the host is root, so the process limit binds |
//! | [`Layer::NoNewPrivs`] | no privilege gain through set-uid binaries |
//! | [`Layer::Seccomp`] | no network sockets, no connecting to host UNIX sockets, no ptrace, pidfds, mount, namespaces, bpf, keyctl, io_uring, `setsid`; limits, priority and scheduling of the caller only |
//! | [`Layer::Landlock`] | read/execute only the interpreter and system files, write only the work dir, no TCP |
//! | [`Layer::Namespaces`] | private network (no interfaces), IPC, UTS and mount namespaces; as root, a size-limited tmpfs work dir |
//! | [`Layer::PidNamespace`] | a private PID namespace: the code is PID 2 under a minimal init, sees no host process, and nothing it starts outlives it |
//!
//! [`SandboxConfig::required_layers`] is the minimum: when a required layer is missing, `detect`
//! fails and nothing runs (fail closed). When the code would share the gateway's uid (no root), `detect`
//! also requires the PID namespace, or Landlock signal scoping with seccomp, and otherwise fails with
//! [`SandboxError::GatewayUnprotected`]. The tool is off unless [`SandboxConfig::enabled`] is true,
//! and [`Sandbox::run`] checks that on every call.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use switchboard_functions::builtin::execute_code::{ExecuteCodeArgs, Language, Sandbox, SandboxConfig};
//!
//! let config = SandboxConfig { enabled: true, ..SandboxConfig::default() };
//! let sandbox = Sandbox::detect(config).await?;
//! let out = sandbox
//!     .run(ExecuteCodeArgs { language: Language::Python, code: "print(6 * 7)".into(), timeout_ms: None })
//!     .await?;
//! assert_eq!(out.stdout, "42\n");
//! # Ok(())
//! # }
//! ```

mod args;
mod capture;
mod child;
mod config;
mod detect;
mod error;
mod interpreter;
mod isolation;
mod landlock_rules;
mod pid_namespace;
mod report;
mod run;
mod seccomp;
#[cfg(test)]
mod tests;
mod tool;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use rustix::thread::UnshareFlags;

pub use self::args::{ExecuteCodeArgs, ExecuteCodeOutput, Language};
pub use self::config::{InterpreterPaths, Limits, SandboxConfig};
pub use self::error::{ExecuteError, SandboxError, SetupStep};
pub use self::report::{InterpreterReport, Layer, LayerReport, LayerStatus, SandboxReport};
pub use self::tool::ExecuteCode;

use self::child::Limit;
use self::interpreter::Interpreter;
use self::seccomp::SeccompPrograms;

/// A detected, ready-to-use process sandbox. Cheap to clone; safe to share between tasks.
#[derive(Debug, Clone)]
pub struct Sandbox {
    inner: Arc<SandboxInner>,
}

/// What detection decided, used by every run.
#[derive(Debug)]
struct SandboxInner {
    config: SandboxConfig,
    report: SandboxReport,
    interpreters: BTreeMap<Language, Interpreter>,
    limits: Vec<Limit>,
    drop_ids: Option<(u32, u32)>,
    unshare: Option<UnshareFlags>,
    /// Whether each work directory is a private, size-limited tmpfs (root with the mount namespace).
    workdir_tmpfs: bool,
    landlock_abi: Option<landlock::ABI>,
    seccomp: Option<Arc<SeccompPrograms>>,
    system_paths: Vec<PathBuf>,
}

impl Sandbox {
    /// Detects which layers and interpreters work on this host, checks them against
    /// `config.required_layers`, and returns the sandbox.
    ///
    /// Detection runs each available interpreter once inside the full sandbox (a `print`), so an
    /// interpreter the sandbox cannot start is reported unavailable instead of failing later.
    ///
    /// # Errors
    /// [`SandboxError::InvalidConfig`] for unusable limits or a root sandbox uid,
    /// [`SandboxError::RequiredLayerUnavailable`] when a required layer is missing.
    pub async fn detect(config: SandboxConfig) -> Result<Sandbox, SandboxError> {
        let inner = detect::detect(config).await?;
        Ok(Sandbox {
            inner: Arc::new(inner),
        })
    }

    /// What detection found: every layer and interpreter with its status.
    #[must_use]
    pub fn report(&self) -> &SandboxReport {
        &self.inner.report
    }

    /// The configuration the sandbox was detected with.
    #[must_use]
    pub fn config(&self) -> &SandboxConfig {
        &self.inner.config
    }

    /// Runs the code and returns its output. A program that fails, crashes or times out is not an
    /// error: see [`ExecuteCodeOutput::exit_code`], [`ExecuteCodeOutput::signal`] and
    /// [`ExecuteCodeOutput::timed_out`].
    ///
    /// Cancelling the returned future kills the program's process group.
    ///
    /// # Errors
    /// [`ExecuteError::Disabled`] unless enabled in configuration; [`ExecuteError::LanguageUnavailable`],
    /// [`ExecuteError::InvalidTimeout`], [`ExecuteError::CodeTooLarge`], [`ExecuteError::NulInCode`] for
    /// bad arguments; [`ExecuteError::Setup`] when a layer fails to apply (the code does not run).
    pub async fn run(&self, args: ExecuteCodeArgs) -> Result<ExecuteCodeOutput, ExecuteError> {
        let inner = &*self.inner;
        if !inner.config.enabled {
            return Err(ExecuteError::Disabled);
        }
        let limits = &inner.config.limits;
        let wall_ms = match args.timeout_ms {
            None => limits.default_wall_time_ms,
            Some(ms) if ms == 0 || ms > limits.max_wall_time_ms => {
                return Err(ExecuteError::InvalidTimeout {
                    requested: ms,
                    max: limits.max_wall_time_ms,
                });
            }
            Some(ms) => ms,
        };
        if args.code.len() > limits.code_max_bytes {
            return Err(ExecuteError::CodeTooLarge {
                len: args.code.len(),
                max: limits.code_max_bytes,
            });
        }
        if let Some(offset) = args.code.bytes().position(|b| b == 0) {
            return Err(ExecuteError::NulInCode { offset });
        }
        let Some(interp) = inner.interpreters.get(&args.language) else {
            return Err(ExecuteError::LanguageUnavailable {
                language: args.language,
                available: inner.interpreters.keys().copied().collect(),
            });
        };
        run::run(
            inner,
            args.language,
            interp,
            &args.code,
            Duration::from_millis(wall_ms),
        )
        .await
    }
}
