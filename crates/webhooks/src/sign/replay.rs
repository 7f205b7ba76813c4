//! What identifies a verified request for replay detection: a digest of what the sender signed.
//!
//! A signature proves who sent a request, not that it is the first time it arrives: anyone who
//! captured it can send the same bytes again, and every check still passes (for as long as the
//! timestamp is within tolerance; forever where the scheme signs none). A receiver drops such
//! replays by remembering [`Verified::replay_digest`] for as long as the request could still
//! verify.
//!
//! The digest covers only signed content. Headers the signature does not cover (GitHub's
//! `X-GitHub-Delivery` and `X-GitHub-Event`, a Stripe header's extra elements) are chosen by
//! whoever sends the request, so keying on them would let one captured body pass as any number
//! of new requests.

use ring::digest::{Context, SHA256};

use super::verify::{Scheme, Verified};

/// Domain separators, so the three shapes of input can never produce the same digest.
const BY_MESSAGE_ID: &[u8] = b"switchboard replay v1 message-id\0";
const BY_TIMESTAMP_AND_BODY: &[u8] = b"switchboard replay v1 timestamp+body\0";
const BY_BODY: &[u8] = b"switchboard replay v1 body\0";

impl Verified<'_> {
    /// SHA-256 over what the sender signed that identifies this request, for replay detection.
    ///
    /// - Standard Webhooks: the signed `webhook-id` (the spec's deduplication key). A sender's
    ///   retry re-signs the same id with a new timestamp, so it counts as the same request.
    /// - Slack, Stripe, Discord: the signed timestamp and the body.
    /// - GitHub, Shopify, the legacy header: the body, the only thing their signatures cover.
    ///
    /// `body` must be the bytes the signature was verified over. Two requests with the same
    /// digest can only both carry a valid signature if the sender signed both: the timestamp
    /// enters as its value, so `0123` and `123` are the same request.
    pub fn replay_digest(&self, body: &[u8]) -> [u8; 32] {
        let mut ctx = Context::new(&SHA256);
        match (self.scheme, self.message_id, self.timestamp) {
            (Scheme::StandardV1 | Scheme::StandardV1a, Some(id), _) => {
                ctx.update(BY_MESSAGE_ID);
                ctx.update(id.as_bytes());
            }
            (_, _, Some(timestamp)) => {
                ctx.update(BY_TIMESTAMP_AND_BODY);
                ctx.update(&timestamp.to_be_bytes());
                ctx.update(body);
            }
            (_, _, None) => {
                ctx.update(BY_BODY);
                ctx.update(body);
            }
        }
        let mut out = [0u8; 32];
        out.copy_from_slice(ctx.finish().as_ref());
        out
    }
}
