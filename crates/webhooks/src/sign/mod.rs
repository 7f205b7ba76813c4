//! Webhook signatures: signing outgoing messages and verifying incoming ones over the exact bytes.
//!
//! - [`standard`]: Standard Webhooks `v1` (HMAC-SHA256) and `v1a` (Ed25519).
//! - [`legacy`]: the seed's hex `X-Webhook-Signature`, opt-in.
//! - [`providers`]: GitHub, Slack, Stripe, Discord and Shopify.
//! - [`Verifier`]: the one trait all verifiers implement; [`KeyRing`]: rotation.

mod compare;
mod encoding;
pub mod legacy;
pub mod providers;
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
