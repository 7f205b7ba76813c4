//! Webhook signatures: signing outgoing messages and verifying incoming ones over the exact bytes.
//!
//! - [`standard`]: Standard Webhooks `v1` (HMAC-SHA256) and `v1a` (Ed25519).
//! - [`legacy`]: the seed's hex `X-Webhook-Signature`, opt-in.
//! - [`providers`]: GitHub, Slack, Stripe, Discord and Shopify.
//! - [`Verifier`]: the one trait all verifiers implement; [`KeyRing`]: rotation.
//! - [`Verified::replay_digest`]: what identifies a request, to drop replays of captured ones.
//!
//! Verification always runs over the raw body as received: hand the verifier the bytes before any
//! JSON parsing, and pass the clock in as `now`.
//!
//! # Receive from any provider through one trait
//!
//! ```
//! use std::time::{Duration, UNIX_EPOCH};
//! use http::HeaderMap;
//! use switchboard_webhooks::{GitHubVerifier, HmacSecret, Verifier, VerifyError};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // GitHub's documented example.
//! let verifier: Box<dyn Verifier> =
//!     Box::new(GitHubVerifier::new(HmacSecret::new("It's a Secret to Everybody")?));
//! let mut headers = HeaderMap::new();
//! headers.insert(
//!     "x-hub-signature-256",
//!     "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17".parse()?,
//! );
//! let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
//! assert!(verifier.verify(&headers, b"Hello, World!", now).is_ok());
//! assert!(matches!(
//!     verifier.verify(&headers, b"Hello, World?", now),
//!     Err(VerifyError::SignatureMismatch { .. })
//! ));
//! # Ok(())
//! # }
//! ```
//!
//! # Rotate a secret without downtime
//!
//! ```
//! use std::time::{Duration, UNIX_EPOCH};
//! use switchboard_webhooks::{StandardSigner, StandardVerifier, Verifier, WebhookSecret};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let old = WebhookSecret::generate()?;
//! let receiver = StandardVerifier::new(old.clone()); // still on the old secret
//! let mut signer = StandardSigner::new(old);
//!
//! // The new secret becomes current; the old one is still used for a day.
//! let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
//! signer.keys_mut().rotate(WebhookSecret::generate()?.into(), now + Duration::from_secs(86_400))?;
//!
//! let signed = signer.sign("msg_1", now, b"{}")?;
//! assert_eq!(signed.signature().split(' ').count(), 2); // `v1,new v1,old`
//! assert!(receiver.verify(&signed.to_header_map(), b"{}", now).is_ok());
//! # Ok(())
//! # }
//! ```

mod compare;
mod encoding;
pub mod legacy;
pub mod providers;
mod replay;
pub mod rotation;
pub mod secret;
pub mod standard;
pub mod tolerance;
pub mod verify;

pub use legacy::{LegacySigner, LegacyVerifier};
pub use providers::{
    DiscordVerifier, GitHubVerifier, ShopifyVerifier, SlackVerifier, StripeVerifier,
};
pub use rotation::{KeyRing, RotationError};
pub use secret::{HmacSecret, KeyError, SigningKey, VerifyingKey, WebhookSecret};
pub use standard::{
    SignError, SignedHeaders, StandardSigner, StandardSigningKey, StandardVerifier,
    StandardVerifyingKey,
};
pub use tolerance::Tolerance;
pub use verify::{Scheme, Verified, Verifier, VerifyError};
