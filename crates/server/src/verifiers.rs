//! Builds the signature verifier for an ingest source kind from its configured secret.

use switchboard::webhooks::{
    DiscordVerifier, GitHubVerifier, HmacSecret, KeyError, ShopifyVerifier, SlackVerifier,
    StandardVerifier, StripeVerifier, Verifier, VerifyingKey, WebhookSecret,
};

use crate::config::IngestKind;

/// The verifier for `kind`, or `None` for the token-based kinds (`token`, `open_webui`).
///
/// Secrets: `standard` takes `whsec_…` (or `whpk_…` for Ed25519), `discord` the application's
/// hex public key, the others the shared secret as the provider shows it.
///
/// # Errors
/// The secret does not parse for that kind.
pub fn verifier_for(kind: IngestKind, secret: &str) -> Result<Option<Box<dyn Verifier>>, KeyError> {
    let hmac = || HmacSecret::new(secret.as_bytes());
    Ok(Some(match kind {
        IngestKind::Standard => {
            if secret.starts_with("whpk_") {
                Box::new(StandardVerifier::new(VerifyingKey::parse(secret)?))
            } else {
                Box::new(StandardVerifier::new(WebhookSecret::parse(secret)?))
            }
        }
        IngestKind::Github => Box::new(GitHubVerifier::new(hmac()?)),
        IngestKind::Slack => Box::new(SlackVerifier::new(hmac()?)),
        IngestKind::Stripe => Box::new(StripeVerifier::new(hmac()?)),
        IngestKind::Shopify => Box::new(ShopifyVerifier::new(hmac()?)),
        IngestKind::Discord => Box::new(DiscordVerifier::new(VerifyingKey::from_hex(secret)?)),
        IngestKind::Token | IngestKind::OpenWebui => return Ok(None),
    }))
}
