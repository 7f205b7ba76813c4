//! Builds the signature verifier for an ingest source kind from its configured secret, and
//! decides how long its requests are remembered to catch replays.

use std::time::Duration;

use switchboard::webhooks::sign::{
    DiscordVerifier, GitHubVerifier, HmacSecret, KeyError, ShopifyVerifier, SlackVerifier,
    StandardVerifier, StripeVerifier, Tolerance, Verifier, VerifyingKey, WebhookSecret,
};

use crate::config::IngestKind;

/// The timestamp window of every kind that signs a timestamp: ±5 minutes, what the Standard
/// Webhooks libraries and Slack's and Stripe's SDKs use. [`replay_window`] derives from it.
pub const TOLERANCE: Tolerance = Tolerance::symmetric(Duration::from_secs(5 * 60));

/// How long a verified request of a kind without a signed timestamp (GitHub, Shopify) is
/// remembered. Their signatures cover only the body, so a captured request verifies forever and
/// no finite record stops every replay; a week covers GitHub's manual redelivery (deliveries of
/// the past 3 days) and Shopify's retries (at most 48 hours) with room to spare, at one small row per
/// request. Rotating the secret ends replays of anything older.
pub const UNTIMED_RETENTION: Duration = Duration::from_secs(7 * 24 * 3600);

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
                Box::new(
                    StandardVerifier::new(VerifyingKey::parse(secret)?).with_tolerance(TOLERANCE),
                )
            } else {
                Box::new(
                    StandardVerifier::new(WebhookSecret::parse(secret)?).with_tolerance(TOLERANCE),
                )
            }
        }
        IngestKind::Github => Box::new(GitHubVerifier::new(hmac()?)),
        IngestKind::Slack => Box::new(SlackVerifier::new(hmac()?).with_tolerance(TOLERANCE)),
        IngestKind::Stripe => Box::new(StripeVerifier::new(hmac()?).with_tolerance(TOLERANCE)),
        IngestKind::Shopify => Box::new(ShopifyVerifier::new(hmac()?)),
        IngestKind::Discord => Box::new(
            DiscordVerifier::new(VerifyingKey::from_hex(secret)?).with_tolerance(TOLERANCE),
        ),
        IngestKind::Token | IngestKind::OpenWebui => return Ok(None),
    }))
}

/// How long after its first arrival a verified request of `kind` is remembered, so that every
/// replay of it is caught; `None` for the token kinds, which sign nothing to remember.
///
/// A timestamped request verifies while the receiver's clock is within [`TOLERANCE`] of its
/// timestamp. It first arrives no earlier than `future` before that timestamp, so it stops
/// verifying at most `future + past` after its first arrival: remembering it that long leaves no
/// gap. Kinds without a timestamp keep their record for [`UNTIMED_RETENTION`].
pub fn replay_window(kind: IngestKind) -> Option<Duration> {
    match kind {
        IngestKind::Standard | IngestKind::Slack | IngestKind::Stripe | IngestKind::Discord => {
            Some(TOLERANCE.past() + TOLERANCE.future())
        }
        IngestKind::Github | IngestKind::Shopify => Some(UNTIMED_RETENTION),
        IngestKind::Token | IngestKind::OpenWebui => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_signed_kind_is_remembered_at_least_as_long_as_it_verifies() {
        for kind in [
            IngestKind::Standard,
            IngestKind::Slack,
            IngestKind::Stripe,
            IngestKind::Discord,
        ] {
            assert_eq!(
                replay_window(kind),
                Some(Duration::from_secs(600)),
                "{kind:?}"
            );
        }
        for kind in [IngestKind::Github, IngestKind::Shopify] {
            assert_eq!(replay_window(kind), Some(UNTIMED_RETENTION), "{kind:?}");
        }
        assert_eq!(replay_window(IngestKind::Token), None);
        assert_eq!(replay_window(IngestKind::OpenWebui), None);
    }
}
