//! Webhook signatures: signing outgoing messages and verifying incoming ones over the exact bytes.
//!
//! - [`StandardSigner`] and [`StandardVerifier`]: Standard Webhooks `v1` (HMAC-SHA256) and
//!   `v1a` (Ed25519), with [`WebhookSecret`] and [`SigningKey`]/[`VerifyingKey`] keys.
//! - [`LegacySigner`] and [`LegacyVerifier`]: the seed's hex `X-Webhook-Signature`, opt-in.
//! - [`GitHubVerifier`], [`SlackVerifier`], [`StripeVerifier`], [`DiscordVerifier`] and
//!   [`ShopifyVerifier`]: what those services send. Each verifier names its headers and parses
//!   its signature header itself (`GitHubVerifier::SIGNATURE_HEADER`,
//!   `GitHubVerifier::parse_signature_header`, …).
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
//! use switchboard_webhooks::sign::{GitHubVerifier, HmacSecret, Verifier, VerifyError};
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
//! use switchboard_webhooks::sign::{StandardSigner, StandardVerifier, Verifier, WebhookSecret};
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
mod legacy;
mod providers;
mod replay;
mod rotation;
mod secret;
mod standard;
mod tolerance;
mod verify;

pub use legacy::{LEGACY_SIGNATURE, LegacySigner, LegacyVerifier};
pub use providers::{
    DiscordVerifier, GitHubVerifier, ShopifyVerifier, SlackVerifier, StripeSignatureHeader,
    StripeVerifier,
};
pub use rotation::{KeyRing, MAX_RETIRED_KEYS, RotationError};
pub use secret::{
    DEFAULT_SECRET_LEN, HmacSecret, KeyError, MAX_PARSED_SECRET_LEN, MAX_SECRET_LEN,
    MIN_SECRET_LEN, SECRET_PREFIX, SIGNING_KEY_PREFIX, SigningKey, VERIFYING_KEY_PREFIX,
    VerifyingKey, WebhookSecret,
};
pub use standard::{
    MAX_SIGNATURES, SVIX_ID, SVIX_SIGNATURE, SVIX_TIMESTAMP, SignError, SignatureEntry,
    SignatureList, SignedHeaders, StandardSigner, StandardSigningKey, StandardVerifier,
    StandardVerifyingKey, VERSION_V1, VERSION_V1A, WEBHOOK_ID, WEBHOOK_SIGNATURE,
    WEBHOOK_TIMESTAMP,
};
pub use tolerance::{DEFAULT_TOLERANCE, Tolerance, parse_timestamp};
pub use verify::{Scheme, Verified, Verifier, VerifyError};
