//! `switchboard deliveries list` and `deliveries replay`: the outgoing webhook deliveries in the
//! configured store.

use clap::Subcommand;
use serde_json::{Value, json};
use switchboard::webhooks::delivery::{
    DeliveryQuery, DeliveryStatus, EndpointId, MessageId, WebhookManager,
};

use super::{EXIT_FAILED, EXIT_RUNTIME, EXIT_USAGE, Failure, fail};
use crate::config::Settings;

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

pub(super) async fn deliveries(
    cmd: DeliveriesCommand,
    settings: &Settings,
    json_out: bool,
) -> Result<u8, Failure> {
    let manager = crate::webhooks::open_manager(settings)
        .await
        .map_err(|e| fail(EXIT_RUNTIME, format!("{e:#}")))?;
    match cmd {
        DeliveriesCommand::List {
            status,
            endpoint,
            message,
            limit,
        } => list(&manager, status, endpoint, message, limit, json_out).await,
        DeliveriesCommand::Replay {
            messages,
            dead_letter,
            endpoint,
        } => replay(&manager, &messages, dead_letter, endpoint, json_out).await,
    }
}

/// `--endpoint`, parsed.
fn endpoint_id(endpoint: Option<String>) -> Result<Option<EndpointId>, Failure> {
    endpoint
        .map(|e| {
            EndpointId::parse(&e).map_err(|err| fail(EXIT_USAGE, format!("--endpoint: {err}")))
        })
        .transpose()
}

/// `deliveries list`.
async fn list(
    manager: &WebhookManager,
    status: Option<String>,
    endpoint: Option<String>,
    message: Option<String>,
    limit: usize,
    json_out: bool,
) -> Result<u8, Failure> {
    if !(1..=1000).contains(&limit) {
        return Err(fail(EXIT_USAGE, "--limit must be 1 to 1000"));
    }
    let status = status
        .map(|s| {
            DeliveryStatus::parse(&s).ok_or_else(|| {
                fail(
                    EXIT_USAGE,
                    format!(
                        "--status {s:?}: expected pending, in_flight, delivered or dead_letter"
                    ),
                )
            })
        })
        .transpose()?;
    let message = message
        .map(|m| MessageId::parse(&m).map_err(|e| fail(EXIT_USAGE, format!("--message: {e}"))))
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

/// `deliveries replay`: the given messages and, with `--dead-letter`, every message with a
/// dead-lettered delivery.
async fn replay(
    manager: &WebhookManager,
    messages: &[String],
    dead_letter: bool,
    endpoint: Option<String>,
    json_out: bool,
) -> Result<u8, Failure> {
    let endpoint = endpoint_id(endpoint)?;
    let mut ids = Vec::new();
    for m in messages {
        ids.push(MessageId::parse(m).map_err(|e| fail(EXIT_USAGE, format!("message {m:?}: {e}")))?);
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
