//! Sandbox configuration: the on/off switch, resource limits, required layers and interpreter paths.

use std::collections::BTreeSet;
use std::path::PathBuf;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::error::SandboxError;
use super::report::Layer;

/// Configuration of the `execute_code` sandbox.
///
/// The tool is off unless `enabled` is true; `Sandbox::run` checks it on every call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct SandboxConfig {
    /// Whether code execution is allowed at all (default `false`).
    pub enabled: bool,
    /// Per-run resource limits.
    pub limits: Limits,
    /// Layers that must be active; `Sandbox::detect` fails when one is missing (fail closed).
    ///
    /// Default: rlimits, uid_drop, no_new_privs, seccomp and landlock.
    pub required_layers: BTreeSet<Layer>,
    /// Whether to try new namespaces (network, IPC, UTS, mount and PID; user when not root). Default `true`.
    pub namespaces: bool,
    /// Uid the code runs as when the host runs as root (default 65534, `nobody`).
    pub sandbox_uid: u32,
    /// Gid the code runs as when the host runs as root (default 65534, `nogroup`).
    pub sandbox_gid: u32,
    /// Directory in which each run's temporary work directory is created (default: the system temp dir).
    pub workdir_parent: Option<PathBuf>,
    /// Interpreter executables to use instead of searching `PATH` and the usual locations.
    pub interpreters: InterpreterPaths,
    /// Extra directories or files the code may read and execute (for example a shared package dir).
    pub extra_read_paths: Vec<PathBuf>,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            enabled: false,
            limits: Limits::default(),
            required_layers: [
                Layer::Rlimits,
                Layer::UidDrop,
                Layer::NoNewPrivs,
                Layer::Seccomp,
                Layer::Landlock,
            ]
            .into_iter()
            .collect(),
            namespaces: true,
            sandbox_uid: 65534,
            sandbox_gid: 65534,
            workdir_parent: None,
            interpreters: InterpreterPaths::default(),
            extra_read_paths: Vec::new(),
        }
    }
}

/// Explicit interpreter executables; `None` means search.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct InterpreterPaths {
    /// Python 3 executable (default: `python3` on `PATH`, then `/usr/bin/python3`, `/usr/local/bin/python3`).
    pub python: Option<PathBuf>,
    /// Node.js executable (default: `node` on `PATH`, then `/usr/bin/node`, `/usr/local/bin/node`).
    pub node: Option<PathBuf>,
    /// POSIX shell (default: `/bin/sh`).
    pub shell: Option<PathBuf>,
}

/// Per-run resource limits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Wall-clock limit when the call gives none, in milliseconds (default 10 000).
    pub default_wall_time_ms: u64,
    /// Largest wall-clock limit a call may ask for, in milliseconds (default 60 000).
    pub max_wall_time_ms: u64,
    /// CPU seconds (`RLIMIT_CPU`, soft; SIGKILL one second later) (default 10).
    pub cpu_seconds: u64,
    /// Address-space bytes (`RLIMIT_AS`) (default 1 GiB; Node.js does not start below about 1 GiB).
    pub address_space_bytes: u64,
    /// Largest file the code may write (`RLIMIT_FSIZE`) (default 16 MiB).
    pub file_size_bytes: u64,
    /// Open file descriptors (`RLIMIT_NOFILE`) (default 64).
    pub open_files: u64,
    /// Processes of the sandbox uid (`RLIMIT_NPROC`; shared by concurrent runs) (default 64).
    pub processes: u64,
    /// Total bytes of the work directory when it is a private tmpfs (root with the mount namespace)
    /// (default 64 MiB). The tmpfs is memory, not counted by the address-space limit.
    pub workdir_bytes: u64,
    /// Bytes of standard output kept (default 64 KiB); the rest is drained and dropped.
    pub stdout_max_bytes: usize,
    /// Bytes of standard error kept (default 64 KiB); the rest is drained and dropped.
    pub stderr_max_bytes: usize,
    /// Largest accepted source code in bytes (default 1 MiB).
    pub code_max_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            default_wall_time_ms: 10_000,
            max_wall_time_ms: 60_000,
            cpu_seconds: 10,
            address_space_bytes: 1 << 30,
            file_size_bytes: 16 << 20,
            workdir_bytes: 64 << 20,
            open_files: 64,
            processes: 64,
            stdout_max_bytes: 64 << 10,
            stderr_max_bytes: 64 << 10,
            code_max_bytes: 1 << 20,
        }
    }
}

impl Limits {
    /// Checks that every limit is usable (non-zero, default within maximum).
    ///
    /// # Errors
    /// [`SandboxError::InvalidConfig`] naming the field.
    pub fn validate(&self) -> Result<(), SandboxError> {
        let fields: [(&'static str, u64); 10] = [
            ("limits.default_wall_time_ms", self.default_wall_time_ms),
            ("limits.max_wall_time_ms", self.max_wall_time_ms),
            ("limits.cpu_seconds", self.cpu_seconds),
            ("limits.address_space_bytes", self.address_space_bytes),
            ("limits.file_size_bytes", self.file_size_bytes),
            ("limits.workdir_bytes", self.workdir_bytes),
            ("limits.open_files", self.open_files),
            ("limits.processes", self.processes),
            ("limits.stdout_max_bytes", self.stdout_max_bytes as u64),
            ("limits.stderr_max_bytes", self.stderr_max_bytes as u64),
        ];
        for (field, value) in fields {
            if value == 0 {
                return Err(SandboxError::InvalidConfig {
                    field,
                    reason: "must be greater than zero".to_owned(),
                });
            }
        }
        if self.code_max_bytes == 0 {
            return Err(SandboxError::InvalidConfig {
                field: "limits.code_max_bytes",
                reason: "must be greater than zero".to_owned(),
            });
        }
        if self.default_wall_time_ms > self.max_wall_time_ms {
            return Err(SandboxError::InvalidConfig {
                field: "limits.default_wall_time_ms",
                reason: format!(
                    "{} exceeds limits.max_wall_time_ms {}",
                    self.default_wall_time_ms, self.max_wall_time_ms
                ),
            });
        }
        if self.open_files < 16 {
            return Err(SandboxError::InvalidConfig {
                field: "limits.open_files",
                reason: format!(
                    "{} is too low for any interpreter to start (minimum 16)",
                    self.open_files
                ),
            });
        }
        Ok(())
    }
}
