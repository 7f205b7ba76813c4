//! Builds the tool registry the gateway serves from its settings.

use switchboard::functions::builtin::calculate::Calculate;
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
    /// A tool refused registration.
    #[error("registering tool {tool}: {message}")]
    Register {
        /// The tool.
        tool: String,
        /// What went wrong.
        message: String,
    },
}

/// The registry with every enabled tool (history off: the gateway logs calls instead).
///
/// # Errors
/// See [`ToolSetupError`].
pub fn build_registry(settings: &Settings) -> Result<ToolRegistry, ToolSetupError> {
    let registry = ToolRegistry::with_config(
        RegistryConfig::default()
            .with_default_timeout(settings.tool_timeout)
            .with_history_capacity(0),
    );
    let register_err = |tool: &str, e: &dyn std::fmt::Display| ToolSetupError::Register {
        tool: tool.to_owned(),
        message: e.to_string(),
    };
    for name in &settings.tools {
        match name.as_str() {
            "calculate" => registry
                .register(Calculate::default())
                .map_err(|e| register_err("calculate", &e))?,
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
                    .map_err(|e| register_err("read_file", &e))?;
                registry
                    .register(ListDir::new(roots, limits))
                    .map_err(|e| register_err("list_dir", &e))?;
            }
            other => {
                return Err(ToolSetupError::Register {
                    tool: other.to_owned(),
                    message: "this build does not include it".into(),
                });
            }
        }
    }
    Ok(registry)
}
