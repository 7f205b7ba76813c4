//! The command line: `serve`, `tools`, `webhooks`, `deliveries`, `calls`, `config`, and the
//! exit codes.
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success |
//! | 1 | the operation ran and failed (a tool error, a signature that does not verify) |
//! | 2 | bad command line (unknown flag, malformed `--args`) |
//! | 3 | invalid configuration |
//! | 4 | runtime failure (cannot bind, cannot read a file) |

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a command-line program prints its output"
)]

mod calls;
mod config;
mod deliveries;
mod tools;
mod webhooks;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use serde_json::{Value, json};

use crate::config::{ConfigError, Settings};

pub use calls::{CallsCommand, CallsListArgs};
pub use config::ConfigCommand;
pub use deliveries::DeliveriesCommand;
pub use tools::{ToolFormat, ToolsCommand};
pub use webhooks::{SignArgs, VerifyArgs, VerifyKind, WebhooksCommand};

/// Exit code: the operation ran and failed.
pub const EXIT_FAILED: u8 = 1;
/// Exit code: bad command line.
pub const EXIT_USAGE: u8 = 2;
/// Exit code: invalid configuration.
pub const EXIT_CONFIG: u8 = 3;
/// Exit code: runtime failure.
pub const EXIT_RUNTIME: u8 = 4;

/// Switchboard gateway: serves tools to Open WebUI (OpenAPI) and MCP clients.
#[derive(Debug, Parser)]
#[command(name = "switchboard", version, about)]
pub struct Cli {
    /// TOML config file (without it, embedded defaults are used).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Machine-readable JSON output.
    #[arg(long, global = true)]
    pub json: bool,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the gateway (default 127.0.0.1:8080).
    Serve {
        /// Listen address, overriding the config (`127.0.0.1:0` picks a free port).
        #[arg(long, value_name = "ADDR")]
        listen: Option<std::net::SocketAddr>,
    },
    /// List or call the configured tools.
    #[command(subcommand)]
    Tools(ToolsCommand),
    /// Sign or verify webhook payloads.
    #[command(subcommand)]
    Webhooks(WebhooksCommand),
    /// List or replay outgoing webhook deliveries in the configured store.
    #[command(subcommand)]
    Deliveries(DeliveriesCommand),
    /// List the audit trail of tool calls in the configured store.
    #[command(subcommand)]
    Calls(CallsCommand),
    /// Check a configuration file.
    #[command(subcommand)]
    Config(ConfigCommand),
}

/// Runs a parsed command line and returns the process exit code.
pub fn run(cli: Cli) -> ExitCode {
    let json_out = cli.json;
    match dispatch(cli) {
        Ok(code) => ExitCode::from(code),
        Err(Failure { code, message }) => {
            if json_out {
                println!("{}", json!({"error": message}));
            } else {
                eprintln!("error: {message}");
            }
            ExitCode::from(code)
        }
    }
}

struct Failure {
    code: u8,
    message: String,
}

fn fail(code: u8, message: impl std::fmt::Display) -> Failure {
    Failure {
        code,
        message: message.to_string(),
    }
}

fn load_settings(path: Option<&Path>) -> Result<Settings, Failure> {
    match path {
        Some(p) => Settings::load(p),
        None => Settings::defaults(),
    }
    .map_err(|e| fail(EXIT_CONFIG, e))
}

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| fail(EXIT_RUNTIME, format!("cannot start the runtime: {e}")))
}

fn dispatch(cli: Cli) -> Result<u8, Failure> {
    match cli.command {
        Command::Serve { listen } => {
            let mut settings = load_settings(cli.config.as_deref())?;
            if let Some(addr) = listen {
                settings.listen = addr;
            }
            crate::serve::init_logging(&settings);
            runtime()?
                .block_on(crate::serve::serve(settings))
                .map_err(|e| {
                    // `serve` refuses an unsafe or inconsistent configuration with a ConfigError.
                    let code = if e.downcast_ref::<ConfigError>().is_some() {
                        EXIT_CONFIG
                    } else {
                        EXIT_RUNTIME
                    };
                    fail(code, format!("{e:#}"))
                })?;
            Ok(0)
        }
        Command::Tools(cmd) => tools::tools(cmd, cli.config.as_deref(), cli.json),
        Command::Webhooks(cmd) => webhooks::webhooks(cmd, cli.json),
        Command::Deliveries(cmd) => {
            let settings = load_settings(cli.config.as_deref())?;
            runtime()?.block_on(deliveries::deliveries(cmd, &settings, cli.json))
        }
        Command::Calls(cmd) => {
            let settings = load_settings(cli.config.as_deref())?;
            runtime()?.block_on(calls::calls(cmd, &settings, cli.json))
        }
        Command::Config(cmd) => config::config(cmd, cli.config, cli.json),
    }
}

fn print_json(value: &Value, compact: bool) {
    if compact {
        println!("{value}");
    } else {
        println!(
            "{}",
            serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
        );
    }
}
