//! `switchboard-webhooks`: webhook signing and verification over the exact bytes sent.
//!
//! The [`sign`] module speaks Standard Webhooks `v1` (HMAC-SHA256, `whsec_` secrets) and `v1a`
//! (Ed25519, `whsk_`/`whpk_` keys) with key rotation and a timestamp tolerance, offers the seed's
//! legacy hex `X-Webhook-Signature` scheme as an option, and verifies what GitHub, Slack, Stripe,
//! Discord and Shopify send, all behind one [`Verifier`](sign::Verifier) trait. Every primitive
//! comes from `ring`. The [`delivery`] module sends outgoing webhooks durably, at least once.
//!
//! Each public type has one path: `sign::…` for signatures, `delivery::…` for the manager and
//! its records, `delivery::store::…` for the stores and what implementing one takes.
//!
//! # Sign a payload, verify it on the other side
//!
//! ```
//! use std::time::{Duration, SystemTime, UNIX_EPOCH};
//! use switchboard_webhooks::sign::{StandardSigner, StandardVerifier, Verifier, WebhookSecret};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // Sender: create a secret once and share `secret.expose_encoded()` with the receiver.
//! let secret = WebhookSecret::generate()?;
//! let shared = secret.expose_encoded(); // "whsec_…"
//! let signer = StandardSigner::new(secret);
//!
//! let body = br#"{"type":"chat.created","data":{"id":42}}"#;
//! let sent_at = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
//! let headers = signer.sign("msg_2a8f1", sent_at, body)?.to_header_map();
//!
//! // Receiver: parse the shared secret and verify the raw bytes as received.
//! let verifier = StandardVerifier::new(WebhookSecret::parse(&shared)?);
//! let now = sent_at + Duration::from_secs(3); // pass `SystemTime::now()` in a real server
//! let verified = verifier.verify(&headers, body, now)?;
//! assert_eq!(verified.message_id, Some("msg_2a8f1"));
//!
//! // A changed body is rejected, and so is a replay ten minutes later.
//! assert!(verifier.verify(&headers, b"{}", now).is_err());
//! assert!(verifier.verify(&headers, body, now + Duration::from_secs(600)).is_err());
//! # let _ = SystemTime::now();
//! # Ok(())
//! # }
//! ```

// On docs.rs (`--cfg docsrs`, nightly) every feature-gated item shows the features it needs.
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod delivery;
pub mod sign;
