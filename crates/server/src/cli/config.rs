//! `switchboard config check`: a configuration file validated as `serve` would, without
//! starting.

use std::path::PathBuf;

use clap::Subcommand;
use serde_json::json;

use super::{EXIT_CONFIG, EXIT_USAGE, Failure, fail, runtime};
use crate::config::Settings;
use crate::tools::build_registry;
use crate::verifiers::verifier_for;

/// `config …`.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Validate a config file without starting (the file argument or `--config`).
    Check {
        /// The file (default: `--config`).
        file: Option<PathBuf>,
    },
}

/// Runs `config check`; `config` is the global `--config`, used when no file is given.
pub(super) fn config(
    cmd: ConfigCommand,
    config: Option<PathBuf>,
    json_out: bool,
) -> Result<u8, Failure> {
    let ConfigCommand::Check { file } = cmd;
    let Some(path) = file.or(config) else {
        return Err(fail(
            EXIT_USAGE,
            "give the file: `switchboard config check FILE` or `--config FILE`",
        ));
    };
    let settings = Settings::load(&path).map_err(|e| fail(EXIT_CONFIG, e))?;
    for deprecation in &settings.deprecations {
        eprintln!("warning: {deprecation}");
    }
    settings
        .check_exposure()
        .map_err(|e| fail(EXIT_CONFIG, e))?;
    let registry = runtime()?
        .block_on(build_registry(&settings))
        .map_err(|e| fail(EXIT_CONFIG, e))?;
    settings
        .check_against_tools(&registry.definitions())
        .map_err(|e| fail(EXIT_CONFIG, e))?;
    for source in &settings.ingest {
        verifier_for(source.kind, source.secret.get_ref().expose()).map_err(|e| {
            fail(
                EXIT_CONFIG,
                format!("ingest source {:?}: secret: {e}", source.name.get_ref()),
            )
        })?;
    }
    if json_out {
        println!(
            "{}",
            json!({"ok": true, "listen": settings.listen.to_string(), "tools": settings.tools})
        );
    } else {
        println!(
            "{}: ok (listen {}, tools: {})",
            path.display(),
            settings.listen,
            settings.tools.join(", ")
        );
    }
    Ok(0)
}
