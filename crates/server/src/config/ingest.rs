//! `[[ingest]]`: incoming webhook sources served at `POST /hooks/{name}`.

use serde::Deserialize;
use switchboard::core::Secret;
use toml::Spanned;

use super::{MIN_SECRET_LEN, Problem, problem};

/// How an ingest source authenticates its requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum IngestKind {
    /// Standard Webhooks (`webhook-id`/`webhook-timestamp`/`webhook-signature`, `whsec_` secret).
    Standard,
    /// GitHub `X-Hub-Signature-256`.
    Github,
    /// Slack `X-Slack-Signature` v0.
    Slack,
    /// Stripe `Stripe-Signature`.
    Stripe,
    /// Discord Ed25519 (`secret` is the application's public key, hex).
    Discord,
    /// Shopify `X-Shopify-Hmac-Sha256`.
    Shopify,
    /// No signature: a shared token in `Authorization: Bearer …` (never in the URL).
    Token,
    /// Open WebUI's own outgoing webhooks (no signature is sent and no header can be set, so a
    /// shared token in the URL query `?token=` is accepted). Its event envelope is published as
    /// `{event_type}.{event}` (`owui.auth.signup`), its older payloads as `user_joined` /
    /// `chat_completed`.
    OpenWebui,
}

/// One `[[ingest]]` source.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IngestSource {
    /// Path segment: requests arrive at `POST /hooks/{name}`.
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// The verifier.
    pub kind: IngestKind,
    /// The secret, signing key or shared token (use `${VAR}`); at least 16 characters.
    /// `token` sources take it only as `Authorization: Bearer …`; `open_webui` also as
    /// `?token=…`, since Open WebUI cannot send headers.
    #[schemars(with = "String")]
    pub secret: Spanned<Secret>,
    /// The event type published (default: `{name}`; GitHub appends `.{X-GitHub-Event}`,
    /// Open WebUI `.{event}` of its event envelope).
    #[serde(default)]
    pub event_type: Option<String>,
    /// Largest body accepted, in bytes (default 1 MiB).
    #[serde(default)]
    pub max_body_bytes: Option<usize>,
}

/// Checks names (unique, path-safe) and secrets (long enough) of every source.
pub(super) fn validate(sources: &[IngestSource]) -> Result<(), Problem> {
    let mut seen = Vec::new();
    for source in sources {
        let name = source.name.get_ref();
        if name.is_empty()
            || name.len() > 64
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(problem(
                "ingest.name",
                source.name.span(),
                format!("{name:?} must be 1 to 64 characters of [A-Za-z0-9_-]"),
            ));
        }
        if seen.contains(name) {
            return Err(problem(
                "ingest.name",
                source.name.span(),
                format!("{name:?} is used by two sources"),
            ));
        }
        seen.push(name.clone());
        // The floor of every other token here; for token kinds the secret is all that
        // authenticates a request, and no provider issues shorter signing secrets.
        if source.secret.get_ref().expose().len() < MIN_SECRET_LEN {
            return Err(problem(
                "ingest.secret",
                source.secret.span(),
                format!(
                    "the secret of source {name:?} must be at least 16 characters (a token: \
                     use e.g. `openssl rand -hex 32`)"
                ),
            ));
        }
    }
    Ok(())
}
