//! The sandbox as a registrable [`Tool`]: one detected [`Sandbox`] shared by every call.

use std::time::Duration;

use crate::{Tool, ToolAnnotations};

use super::{ExecuteCodeArgs, ExecuteCodeOutput, ExecuteError, Sandbox};

/// The `execute_code` tool over a detected [`Sandbox`].
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use switchboard_functions::ToolRegistry;
/// use switchboard_functions::builtin::execute_code::{ExecuteCode, Sandbox, SandboxConfig};
///
/// let config = SandboxConfig { enabled: true, ..SandboxConfig::default() };
/// let registry = ToolRegistry::new();
/// registry.register(ExecuteCode::new(Sandbox::detect(config).await?))?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ExecuteCode {
    sandbox: Sandbox,
}

impl ExecuteCode {
    /// An `execute_code` tool running in `sandbox`.
    pub fn new(sandbox: Sandbox) -> Self {
        ExecuteCode { sandbox }
    }

    /// The sandbox, for its [`report`](Sandbox::report).
    pub fn sandbox(&self) -> &Sandbox {
        &self.sandbox
    }
}

impl Tool for ExecuteCode {
    type Args = ExecuteCodeArgs;
    type Output = ExecuteCodeOutput;
    type Error = ExecuteError;

    fn name(&self) -> &str {
        "execute_code"
    }

    fn description(&self) -> &str {
        "Runs a short Python, JavaScript or shell program in a sandbox with no network and no \
         access to host files, and returns its stdout, stderr and exit status. Each run starts \
         in a fresh empty directory; nothing persists between runs."
    }

    fn output_schema(&self) -> Option<serde_json::Value> {
        Some(crate::schema::schema_for::<ExecuteCodeOutput>())
    }

    /// Not read-only: it runs whatever program the model wrote, which clients should confirm.
    /// Yet nothing outside the run's fresh, throwaway directory is changed (no host files, no
    /// network, nothing persists), so it is neither destructive nor leaves anything for a repeat
    /// to add to (idempotent), and its world is closed.
    fn annotations(&self) -> ToolAnnotations {
        ToolAnnotations {
            title: Some("Run code".to_owned()),
            read_only: false,
            destructive: false,
            idempotent: true,
            open_world: false,
        }
    }

    /// The registry's timeout must not cut a run short: the sandbox enforces its own wall clock.
    fn timeout(&self) -> Option<Duration> {
        let max = self.sandbox.config().limits.max_wall_time_ms;
        Some(Duration::from_millis(max) + Duration::from_secs(2))
    }

    async fn call(&self, args: ExecuteCodeArgs) -> Result<ExecuteCodeOutput, ExecuteError> {
        self.sandbox.run(args).await
    }
}
