//! The tool's typed arguments and output, as the model sees them (serde + JSON Schema).

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::report::Layer;

/// A language the sandbox can run.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    /// Python 3, run by the host's `python3` in isolated mode (`-I`), unbuffered (`-u`), without bytecode files (`-B`).
    Python,
    /// JavaScript, run by the host's `node`.
    Javascript,
    /// POSIX shell, run by the host's `sh`.
    Shell,
}

impl Language {
    /// Every language, in a stable order.
    pub const ALL: [Language; 3] = [Language::Python, Language::Javascript, Language::Shell];

    /// The lower-case name used on the wire (`python`, `javascript`, `shell`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Language::Python => "python",
            Language::Javascript => "javascript",
            Language::Shell => "shell",
        }
    }

    /// The file name the code is written to inside the work directory.
    pub(super) fn file_name(self) -> &'static str {
        match self {
            Language::Python => "main.py",
            Language::Javascript => "main.js",
            Language::Shell => "main.sh",
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Arguments of the `execute_code` tool.
///
/// The program gets no standard input (it reads end-of-file), an empty work directory and no network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExecuteCodeArgs {
    /// Language of the code: `python`, `javascript` or `shell`.
    pub language: Language,
    /// Source code to run. It is saved as `main.py`, `main.js` or `main.sh` in an empty work directory.
    pub code: String,
    /// Wall-clock limit in milliseconds; defaults to the configured limit and may not exceed the configured maximum.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub timeout_ms: Option<u64>,
}

/// Result of one sandboxed run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ExecuteCodeOutput {
    /// Standard output (lossily decoded as UTF-8), cut at the configured byte cap.
    pub stdout: String,
    /// Standard error (lossily decoded as UTF-8), cut at the configured byte cap.
    pub stderr: String,
    /// Exit code when the program exited normally.
    pub exit_code: Option<i32>,
    /// Name of the signal that ended the program (for example `SIGKILL`), when it was killed.
    pub signal: Option<String>,
    /// True when the wall-clock limit was reached and the whole process group was killed.
    pub timed_out: bool,
    /// True when standard output was longer than the cap and was cut.
    pub stdout_truncated: bool,
    /// True when standard error was longer than the cap and was cut.
    pub stderr_truncated: bool,
    /// Wall-clock duration of the run in milliseconds.
    pub duration_ms: u64,
    /// Isolation layers that were active for this run.
    pub sandbox: Vec<Layer>,
}
