//! Sign an outgoing webhook and verify it as the receiver would, then queue one durably in memory:
//! `cargo run -p switchboard --example webhooks --features webhooks`.

#![allow(clippy::print_stdout, reason = "an example prints its result")]

use std::sync::Arc;
use std::time::SystemTime;

use serde_json::json;
use switchboard::prelude::*;
use switchboard::webhooks::delivery::store::MemoryStore;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Signing and verification over the exact bytes.
    let secret = WebhookSecret::generate()?;
    let signer = StandardSigner::new(secret.clone());
    let body = br#"{"type":"chat_completed","data":{"chat_id":"c1"}}"#;
    let now = SystemTime::now();
    let headers = signer.sign("msg_example", now, body)?.to_header_map();
    let verified = StandardVerifier::new(secret).verify(&headers, body, now)?;
    println!("verified message {:?}", verified.message_id);

    // Durable delivery: the message is stored before `trigger_event` returns.
    let manager = WebhookManager::builder(Arc::new(MemoryStore::new())).build()?;
    manager
        .register(
            EndpointSpec::new("audit", "https://example.com/hooks").events(["chat_completed"]),
        )
        .await?;
    let message = manager
        .trigger_event("chat_completed", json!({"chat_id": "c1"}))
        .await?;
    println!("queued {message:?}");
    Ok(())
}
