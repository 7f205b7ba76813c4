//! `switchboard tools list` and `tools call`: the configured tools, as the gateway builds them.

use std::path::Path;

use clap::{Subcommand, ValueEnum};
use serde_json::{Value, json};
use switchboard::functions::providers::{
    anthropic, gemini, mcp, ollama, openai_chat, openai_responses,
};
use switchboard::functions::{Arguments, ToolCall, ToolRegistry, ToolResult};

use super::{
    EXIT_CONFIG, EXIT_FAILED, EXIT_USAGE, Failure, fail, load_settings, print_json, runtime,
};
use crate::tools::build_registry;

/// `tools …`.
#[derive(Debug, Subcommand)]
pub enum ToolsCommand {
    /// Print the tool definitions.
    List {
        /// Output format: names and descriptions, or a provider's tool definitions.
        #[arg(long, value_enum)]
        format: Option<ToolFormat>,
    },
    /// Call one tool.
    Call {
        /// Tool name.
        name: String,
        /// Arguments as a JSON object.
        #[arg(long, default_value = "{}")]
        args: String,
    },
}

/// Definition formats of `tools list --format`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ToolFormat {
    /// OpenAI Chat Completions `tools`.
    Openai,
    /// OpenAI Responses `tools`.
    Responses,
    /// Anthropic Messages `tools`.
    Anthropic,
    /// Google Gemini `tools`.
    Gemini,
    /// Ollama `tools`.
    Ollama,
    /// MCP `tools/list` result.
    Mcp,
    /// Name, description and parameters.
    Json,
}

/// Runs `tools …` against the tools of the config at `config`.
pub(super) fn tools(
    cmd: ToolsCommand,
    config: Option<&Path>,
    json_out: bool,
) -> Result<u8, Failure> {
    let settings = load_settings(config)?;
    let rt = runtime()?;
    let registry = rt
        .block_on(build_registry(&settings))
        .map_err(|e| fail(EXIT_CONFIG, e))?;
    match cmd {
        ToolsCommand::List { format } => list(&registry, format, json_out),
        ToolsCommand::Call { name, args } => {
            let parsed: Value = serde_json::from_str(&args)
                .map_err(|e| fail(EXIT_USAGE, format!("--args is not JSON: {e}")))?;
            let result = rt.block_on(registry.call(ToolCall::new(name, Arguments::Value(parsed))));
            Ok(print_outcome(&result, json_out))
        }
    }
}

/// `tools list`: names and descriptions, or the definitions in `format`.
fn list(
    registry: &ToolRegistry,
    format: Option<ToolFormat>,
    json_out: bool,
) -> Result<u8, Failure> {
    let defs = registry.definitions();
    let value = match format {
        None if !json_out => {
            for d in &defs {
                println!("{}\t{}", d.name(), d.description());
            }
            return Ok(0);
        }
        None | Some(ToolFormat::Json) => Value::Array(
            defs.iter()
                .map(|d| json!({"name": d.name(), "description": d.description(), "parameters": d.parameters()}))
                .collect(),
        ),
        Some(ToolFormat::Openai) => Value::Array(openai_chat::tools(&defs)),
        Some(ToolFormat::Responses) => Value::Array(openai_responses::tools(&defs)),
        Some(ToolFormat::Anthropic) => Value::Array(anthropic::tools(&defs)),
        Some(ToolFormat::Gemini) => gemini::tools(&defs).map_err(|e| fail(EXIT_FAILED, e))?,
        Some(ToolFormat::Ollama) => Value::Array(ollama::tools(&defs)),
        Some(ToolFormat::Mcp) => mcp::tools_list(&defs),
    };
    print_json(&value, json_out);
    Ok(0)
}

/// Prints a call's output, or its error (with the violations' JSON pointers under `--json`);
/// returns the exit code.
fn print_outcome(result: &ToolResult, json_out: bool) -> u8 {
    match result.outcome() {
        Ok(v) => {
            print_json(v, json_out);
            0
        }
        Err(e) => {
            if json_out {
                let violations: Vec<Value> = e
                    .violations()
                    .iter()
                    .map(|v| json!({"pointer": v.pointer(), "message": v.message()}))
                    .collect();
                println!(
                    "{}",
                    json!({"error": {"kind": e.kind(), "message": e.model_message(), "violations": violations}})
                );
            } else {
                eprintln!("{}", e.model_message());
            }
            EXIT_FAILED
        }
    }
}
