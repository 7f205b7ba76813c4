//! `switchboard webhooks sign` and `webhooks verify`: Standard Webhooks and provider signatures
//! from the command line.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clap::{Args, Subcommand, ValueEnum};
use serde_json::{Value, json};
use switchboard::webhooks::sign::{StandardSigner, WebhookSecret};

use super::{EXIT_FAILED, EXIT_RUNTIME, EXIT_USAGE, Failure, fail};
use crate::config::IngestKind;
use crate::verifiers::verifier_for;

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

/// Runs `webhooks …`.
pub(super) fn webhooks(cmd: WebhooksCommand, json_out: bool) -> Result<u8, Failure> {
    match cmd {
        WebhooksCommand::Sign(args) => sign(args, json_out),
        WebhooksCommand::Verify(args) => verify(args, json_out),
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
