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

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clap::{Args, Parser, Subcommand, ValueEnum};
use serde_json::{Value, json};
use switchboard::functions::providers::{
    anthropic, gemini, mcp, ollama, openai_chat, openai_responses,
};
use switchboard::functions::{Arguments, ToolCall};
use switchboard::webhooks::sign::{StandardSigner, WebhookSecret};

use crate::config::{ConfigError, IngestKind, Settings};
use crate::tools::build_registry;
use crate::verifiers::verifier_for;

pub use calls::{CallsCommand, CallsListArgs};

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

/// `deliveries …`.
#[derive(Debug, Subcommand)]
pub enum DeliveriesCommand {
    /// List deliveries, newest first.
    List {
        /// Only in this status (pending, in_flight, delivered, dead_letter).
        #[arg(long)]
        status: Option<String>,
        /// Only to this endpoint id.
        #[arg(long)]
        endpoint: Option<String>,
        /// Only of this message id.
        #[arg(long)]
        message: Option<String>,
        /// Most rows (1–1000).
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
    /// Send messages again (same `webhook-id`); a running gateway picks them up within its poll
    /// interval.
    Replay {
        /// Message ids to replay.
        messages: Vec<String>,
        /// Replay every message with a dead-lettered delivery.
        #[arg(long)]
        dead_letter: bool,
        /// Only to this endpoint id.
        #[arg(long)]
        endpoint: Option<String>,
    },
}

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

/// `webhooks …`.
#[derive(Debug, Subcommand)]
pub enum WebhooksCommand {
    /// Sign a payload with Standard Webhooks and print the headers.
    Sign(SignArgs),
    /// Verify a signed payload.
    Verify(VerifyArgs),
}

/// `webhooks sign`.
#[derive(Debug, Args)]
pub struct SignArgs {
    /// The `whsec_…` secret (or set SWITCHBOARD_WEBHOOK_SECRET).
    #[arg(long, env = "SWITCHBOARD_WEBHOOK_SECRET", hide_env_values = true)]
    pub secret: String,
    /// Message id (`webhook-id`); generated when absent.
    #[arg(long)]
    pub id: Option<String>,
    /// Unix timestamp to sign with (default: now).
    #[arg(long)]
    pub timestamp: Option<u64>,
    /// Payload file; `-` or absent reads stdin.
    pub file: Option<PathBuf>,
}

/// `webhooks verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Signature scheme.
    #[arg(long, value_enum, default_value = "standard")]
    pub kind: VerifyKind,
    /// The secret or key (or set SWITCHBOARD_WEBHOOK_SECRET).
    #[arg(long, env = "SWITCHBOARD_WEBHOOK_SECRET", hide_env_values = true)]
    pub secret: String,
    /// A received header, `name: value` (repeat for each).
    #[arg(long = "header", short = 'H', value_name = "NAME: VALUE")]
    pub headers: Vec<String>,
    /// Time to verify at, Unix seconds (default: now).
    #[arg(long)]
    pub now: Option<u64>,
    /// Payload file (the exact bytes received); `-` or absent reads stdin.
    pub file: Option<PathBuf>,
}

/// Schemes of `webhooks verify --kind`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum VerifyKind {
    /// Standard Webhooks.
    Standard,
    /// GitHub.
    Github,
    /// Slack.
    Slack,
    /// Stripe.
    Stripe,
    /// Discord.
    Discord,
    /// Shopify.
    Shopify,
}

/// `config …`.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Validate a config file without starting (the file argument or `--config`).
    Check {
        /// The file (default: `--config`).
        file: Option<PathBuf>,
    },
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
        Command::Tools(cmd) => {
            let settings = load_settings(cli.config.as_deref())?;
            let rt = runtime()?;
            let registry = rt
                .block_on(build_registry(&settings))
                .map_err(|e| fail(EXIT_CONFIG, e))?;
            match cmd {
                ToolsCommand::List { format } => {
                    let defs = registry.definitions();
                    let value = match format {
                        None if !cli.json => {
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
                        Some(ToolFormat::Responses) => {
                            Value::Array(openai_responses::tools(&defs))
                        }
                        Some(ToolFormat::Anthropic) => Value::Array(anthropic::tools(&defs)),
                        Some(ToolFormat::Gemini) => {
                            gemini::tools(&defs).map_err(|e| fail(EXIT_FAILED, e))?
                        }
                        Some(ToolFormat::Ollama) => Value::Array(ollama::tools(&defs)),
                        Some(ToolFormat::Mcp) => mcp::tools_list(&defs),
                    };
                    print_json(&value, cli.json);
                    Ok(0)
                }
                ToolsCommand::Call { name, args } => {
                    let parsed: Value = serde_json::from_str(&args)
                        .map_err(|e| fail(EXIT_USAGE, format!("--args is not JSON: {e}")))?;
                    let result =
                        rt.block_on(registry.call(ToolCall::new(name, Arguments::Value(parsed))));
                    match result.outcome() {
                        Ok(v) => {
                            print_json(v, cli.json);
                            Ok(0)
                        }
                        Err(e) => {
                            if cli.json {
                                let violations: Vec<Value> = e
                                    .violations()
                                    .iter()
                                    .map(
                                        |v| json!({"pointer": v.pointer(), "message": v.message()}),
                                    )
                                    .collect();
                                println!(
                                    "{}",
                                    json!({"error": {"kind": e.kind(), "message": e.model_message(), "violations": violations}})
                                );
                            } else {
                                eprintln!("{}", e.model_message());
                            }
                            Ok(EXIT_FAILED)
                        }
                    }
                }
            }
        }
        Command::Webhooks(WebhooksCommand::Sign(args)) => sign(args, cli.json),
        Command::Webhooks(WebhooksCommand::Verify(args)) => verify(args, cli.json),
        Command::Deliveries(cmd) => {
            let settings = load_settings(cli.config.as_deref())?;
            runtime()?.block_on(deliveries(cmd, &settings, cli.json))
        }
        Command::Calls(cmd) => {
            let settings = load_settings(cli.config.as_deref())?;
            runtime()?.block_on(calls::calls(cmd, &settings, cli.json))
        }
        Command::Config(ConfigCommand::Check { file }) => {
            let Some(path) = file.or(cli.config) else {
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
            if cli.json {
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

fn read_input(file: Option<&Path>) -> Result<Vec<u8>, Failure> {
    match file {
        Some(p) if p != Path::new("-") => std::fs::read(p)
            .map_err(|e| fail(EXIT_RUNTIME, format!("cannot read {}: {e}", p.display()))),
        _ => {
            let mut buf = Vec::new();
            std::io::stdin()
                .read_to_end(&mut buf)
                .map_err(|e| fail(EXIT_RUNTIME, format!("cannot read stdin: {e}")))?;
            Ok(buf)
        }
    }
}

fn time_or_now(secs: Option<u64>) -> SystemTime {
    secs.map_or_else(SystemTime::now, |s| UNIX_EPOCH + Duration::from_secs(s))
}

fn sign(args: SignArgs, json_out: bool) -> Result<u8, Failure> {
    let secret = WebhookSecret::parse(&args.secret)
        .map_err(|e| fail(EXIT_USAGE, format!("--secret: {e}")))?;
    let body = read_input(args.file.as_deref())?;
    let id = args.id.unwrap_or_else(|| {
        switchboard::webhooks::delivery::MessageId::generate()
            .as_str()
            .to_owned()
    });
    let signed = StandardSigner::new(secret)
        .sign(&id, time_or_now(args.timestamp), &body)
        .map_err(|e| fail(EXIT_USAGE, e))?;
    let headers = signed.to_header_map();
    if json_out {
        let map: serde_json::Map<String, Value> = headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    Value::String(v.to_str().unwrap_or_default().to_owned()),
                )
            })
            .collect();
        println!("{}", Value::Object(map));
    } else {
        for (k, v) in &headers {
            println!("{}: {}", k, v.to_str().unwrap_or_default());
        }
    }
    Ok(0)
}

fn verify(args: VerifyArgs, json_out: bool) -> Result<u8, Failure> {
    let kind = match args.kind {
        VerifyKind::Standard => IngestKind::Standard,
        VerifyKind::Github => IngestKind::Github,
        VerifyKind::Slack => IngestKind::Slack,
        VerifyKind::Stripe => IngestKind::Stripe,
        VerifyKind::Discord => IngestKind::Discord,
        VerifyKind::Shopify => IngestKind::Shopify,
    };
    let verifier = verifier_for(kind, &args.secret)
        .map_err(|e| fail(EXIT_USAGE, format!("--secret: {e}")))?
        .ok_or_else(|| fail(EXIT_USAGE, "this kind has no signature to verify"))?;
    let mut headers = http::HeaderMap::new();
    for h in &args.headers {
        let Some((name, value)) = h.split_once(':') else {
            return Err(fail(
                EXIT_USAGE,
                format!("--header {h:?}: expected `name: value`"),
            ));
        };
        let name = http::HeaderName::from_bytes(name.trim().as_bytes())
            .map_err(|e| fail(EXIT_USAGE, format!("--header {h:?}: {e}")))?;
        let value = http::HeaderValue::from_str(value.trim())
            .map_err(|e| fail(EXIT_USAGE, format!("--header {h:?}: {e}")))?;
        headers.append(name, value);
    }
    let body = read_input(args.file.as_deref())?;
    match verifier.verify(&headers, &body, time_or_now(args.now)) {
        Ok(v) => {
            if json_out {
                println!(
                    "{}",
                    json!({"valid": true, "message_id": v.message_id, "timestamp": v.timestamp, "key_index": v.key_index})
                );
            } else {
                println!("valid");
            }
            Ok(0)
        }
        Err(e) => {
            if json_out {
                println!("{}", json!({"valid": false, "error": e.to_string()}));
            } else {
                println!("invalid: {e}");
            }
            Ok(EXIT_FAILED)
        }
    }
}

async fn deliveries(
    cmd: DeliveriesCommand,
    settings: &Settings,
    json_out: bool,
) -> Result<u8, Failure> {
    use switchboard::webhooks::delivery::{DeliveryQuery, DeliveryStatus, EndpointId, MessageId};
    let manager = crate::webhooks::open_manager(settings)
        .await
        .map_err(|e| fail(EXIT_RUNTIME, format!("{e:#}")))?;
    let endpoint_id = |e: Option<String>| {
        e.map(|e| {
            EndpointId::parse(&e).map_err(|err| fail(EXIT_USAGE, format!("--endpoint: {err}")))
        })
        .transpose()
    };
    match cmd {
        DeliveriesCommand::List {
            status,
            endpoint,
            message,
            limit,
        } => {
            if !(1..=1000).contains(&limit) {
                return Err(fail(EXIT_USAGE, "--limit must be 1 to 1000"));
            }
            let status = status
                .map(|s| {
                    DeliveryStatus::parse(&s).ok_or_else(|| {
                        fail(EXIT_USAGE, format!("--status {s:?}: expected pending, in_flight, delivered or dead_letter"))
                    })
                })
                .transpose()?;
            let message = message
                .map(|m| {
                    MessageId::parse(&m).map_err(|e| fail(EXIT_USAGE, format!("--message: {e}")))
                })
                .transpose()?;
            let query = DeliveryQuery {
                endpoint: endpoint_id(endpoint)?,
                message,
                status,
                limit,
                ..DeliveryQuery::default()
            };
            let list = manager
                .deliveries(&query)
                .await
                .map_err(|e| fail(EXIT_RUNTIME, e))?
                .data;
            if json_out {
                let rows: Vec<Value> = list
                    .iter()
                    .map(|d| json!({"id": d.id.as_str(), "message_id": d.message_id.as_str(), "endpoint_id": d.endpoint_id.as_str(), "status": d.status.as_str(), "attempts": d.attempts}))
                    .collect();
                println!("{}", Value::Array(rows));
            } else {
                for d in &list {
                    println!(
                        "{}\t{}\t{}\t{}\t{} attempts",
                        d.id,
                        d.message_id,
                        d.endpoint_id,
                        d.status.as_str(),
                        d.attempts
                    );
                }
            }
            Ok(0)
        }
        DeliveriesCommand::Replay {
            messages,
            dead_letter,
            endpoint,
        } => {
            let endpoint = endpoint_id(endpoint)?;
            let mut ids = Vec::new();
            for m in &messages {
                ids.push(
                    MessageId::parse(m)
                        .map_err(|e| fail(EXIT_USAGE, format!("message {m:?}: {e}")))?,
                );
            }
            if dead_letter {
                // Every page: a dead-lettered delivery beyond the first thousand is replayed too.
                let mut seen: std::collections::HashSet<MessageId> = ids.iter().cloned().collect();
                let mut query = DeliveryQuery {
                    endpoint: endpoint.clone(),
                    status: Some(DeliveryStatus::DeadLetter),
                    limit: 1000,
                    ..DeliveryQuery::default()
                };
                loop {
                    let page = manager
                        .deliveries(&query)
                        .await
                        .map_err(|e| fail(EXIT_RUNTIME, e))?;
                    for d in page.data {
                        if seen.insert(d.message_id.clone()) {
                            ids.push(d.message_id);
                        }
                    }
                    match page.next {
                        Some(next) => query.cursor = Some(next),
                        None => break,
                    }
                }
            }
            if ids.is_empty() {
                return Err(fail(EXIT_USAGE, "give message ids or --dead-letter"));
            }
            let total = ids.len();
            let mut created = 0;
            for (i, id) in ids.iter().enumerate() {
                let new = manager
                    .replay(id, endpoint.as_ref())
                    .await
                    .map_err(|e| fail(EXIT_FAILED, format!("{id}: {e}")))?;
                created += new.len();
                if !json_out {
                    eprint!("\rreplayed {}/{total}", i + 1);
                }
            }
            if json_out {
                println!("{}", json!({"messages": total, "deliveries": created}));
            } else {
                eprintln!();
                println!("replayed {total} message(s): {created} new deliveries");
            }
            Ok(0)
        }
    }
}
