//! Builds the tool registry the gateway serves from its settings.

pub(crate) mod connectors;
mod selection;

use switchboard::connectors::fetch_url::register_fetch_url;
use switchboard::functions::builtin::calculate::Calculate;
use switchboard::functions::builtin::execute_code::{ExecuteCode, Sandbox};
use switchboard::functions::builtin::query_database::{Databases, QueryDatabase};
use switchboard::functions::builtin::read_file::{FileRoots, ListDir, ReadFile, ReadLimits};
use switchboard::functions::{RegistryConfig, ToolRegistry};

use crate::config::Settings;

/// Why the registry could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ToolSetupError {
    /// A read_file root could not be opened.
    #[error("tools.read_file.roots.{root}: {message}")]
    Root {
        /// The root's name.
        root: String,
        /// What went wrong.
        message: String,
    },
    /// The `execute_code` sandbox is not usable on this host (fail closed: the gateway does not
    /// start). The message names the missing layer.
    #[error("tools.execute_code: {0}")]
    Sandbox(String),
    /// A tool's settings were refused.
    #[error("{key}: {message}")]
    Setting {
        /// The config key.
        key: &'static str,
        /// What was wrong.
        message: String,
    },
    /// A tool refused registration.
    #[error("registering tool {tool}: {message}")]
    Register {
        /// The tool.
        tool: String,
        /// What went wrong.
        message: String,
    },
}

impl ToolSetupError {
    /// The value under config `key` was refused with `e`.
    fn setting(key: &'static str, e: impl std::fmt::Display) -> Self {
        Self::Setting {
            key,
            message: e.to_string(),
        }
    }

    /// `tool` (or a service's tools) could not be registered.
    fn register(tool: &str, e: impl std::fmt::Display) -> Self {
        Self::Register {
            tool: tool.to_owned(),
            message: e.to_string(),
        }
    }
}

/// The registry with every enabled tool (history off: the gateway logs calls instead), each
/// tool under its `tools.max_concurrent` cap.
///
/// Detects the `execute_code` sandbox when that tool is enabled; no database is connected.
///
/// # Errors
/// See [`ToolSetupError`].
pub async fn build_registry(settings: &Settings) -> Result<ToolRegistry, ToolSetupError> {
    let mut config = RegistryConfig::default()
        .with_default_timeout(settings.tool_timeout)
        .with_history_capacity(0);
    for (tool, limit) in &settings.tool_concurrency {
        config = config.with_tool_concurrency(tool, *limit);
    }
    let registry = ToolRegistry::with_config(config);
    for name in &settings.tools {
        match name.as_str() {
            "calculate" => registry
                .register(Calculate::default())
                .map_err(|e| ToolSetupError::register("calculate", e))?,
            "read_file" => {
                let mut roots = FileRoots::new();
                for (root, path) in &settings.read_roots {
                    roots = roots
                        .with_root(root, path)
                        .map_err(|e| ToolSetupError::Root {
                            root: root.clone(),
                            message: e.to_string(),
                        })?;
                }
                let mut limits = ReadLimits::default();
                if let Some(max) = settings.read_max_bytes {
                    limits.max_bytes = max;
                }
                registry
                    .register(ReadFile::new(roots.clone(), limits.clone()))
                    .map_err(|e| ToolSetupError::register("read_file", e))?;
                registry
                    .register(ListDir::new(roots, limits))
                    .map_err(|e| ToolSetupError::register("list_dir", e))?;
            }
            "query_database" => {
                let databases = Databases::new(settings.databases.clone())
                    .map_err(|e| ToolSetupError::setting("tools.query_database.databases", e))?;
                registry
                    .register(QueryDatabase::new(databases))
                    .map_err(|e| ToolSetupError::register("query_database", e))?;
            }
            "execute_code" => {
                let Some(config) = settings.sandbox.clone() else {
                    return Err(ToolSetupError::Setting {
                        key: "tools.execute_code",
                        message: "enabled without a sandbox configuration".into(),
                    });
                };
                let sandbox = Sandbox::detect(config).await.map_err(|e| {
                    ToolSetupError::Sandbox(format!(
                        "{e} (remove the layer from `required_layers` only if you accept running code without it)"
                    ))
                })?;
                tracing::info!(
                    layers = ?sandbox.report().active_layers(),
                    languages = ?sandbox.report().available_languages(),
                    "execute_code sandbox ready"
                );
                registry
                    .register(ExecuteCode::new(sandbox))
                    .map_err(|e| ToolSetupError::register("execute_code", e))?;
            }
            "fetch_url" => {
                let Some(config) = &settings.fetch_url else {
                    return Err(ToolSetupError::Setting {
                        key: "tools.fetch_url",
                        message: "enabled without its settings".into(),
                    });
                };
                let tool = config.build().map_err(|e| {
                    ToolSetupError::setting("tools.fetch_url", format!("HTTP client: {e}"))
                })?;
                register_fetch_url(&registry, tool)
                    .map_err(|e| ToolSetupError::register("fetch_url", e))?;
            }
            other => {
                return Err(ToolSetupError::Register {
                    tool: other.to_owned(),
                    message: "this build does not include it".into(),
                });
            }
        }
    }
    connectors::register(&registry, &settings.connectors)?;
    Ok(registry)
}
