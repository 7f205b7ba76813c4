//! Fuzzes every verifier end to end: arbitrary header values and body must yield `Ok` or a typed
//! error, never a panic. The first bytes pick header values; the rest is the body.
#![no_main]

use std::time::{Duration, UNIX_EPOCH};

use http::{HeaderMap, HeaderName, HeaderValue};
use libfuzzer_sys::fuzz_target;
use switchboard_webhooks::sign::{DiscordVerifier, GitHubVerifier, HmacSecret, LegacyVerifier, ShopifyVerifier, SlackVerifier, StandardVerifier, StripeVerifier, Tolerance, Verifier, VerifyingKey, WebhookSecret};

const NAMES: [&str; 11] = [
    "webhook-id",
    "webhook-timestamp",
    "webhook-signature",
    "x-webhook-signature",
    "x-hub-signature-256",
    "x-slack-signature",
    "x-slack-request-timestamp",
    "stripe-signature",
    "x-signature-ed25519",
    "x-signature-timestamp",
    "x-shopify-hmac-sha256",
];

fuzz_target!(|data: &[u8]| {
    // Layout: for each header, a length byte then that many value bytes; the rest is the body.
    let mut headers = HeaderMap::new();
    let mut rest = data;
    for name in NAMES {
        let Some((&len, tail)) = rest.split_first() else { break };
        let len = usize::from(len).min(tail.len());
        let (value, tail) = tail.split_at(len);
        rest = tail;
        if let Ok(value) = HeaderValue::from_bytes(value) {
            headers.append(HeaderName::from_static(name), value);
        }
    }
    let body = rest;
    let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let Ok(secret) = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") else { return };
    let Ok(hmac) = HmacSecret::new("fuzz-secret") else { return };
    let Ok(public) = VerifyingKey::parse("whpk_1SiA4o9hyqTCpIqC5V9HUakiiaeACeqfZTInDBbOir4=") else {
        return;
    };
    let verifiers: [&dyn Verifier; 8] = [
        &StandardVerifier::new(secret),
        &StandardVerifier::new(public),
        &LegacyVerifier::new(hmac.clone()),
        &GitHubVerifier::new(hmac.clone()),
        &SlackVerifier::new(hmac.clone()),
        &StripeVerifier::new(hmac.clone()),
        &DiscordVerifier::new(public).with_tolerance(Tolerance::default()),
        &ShopifyVerifier::new(hmac),
    ];
    for verifier in verifiers {
        let _ = verifier.verify(&headers, body, now);
    }
});
