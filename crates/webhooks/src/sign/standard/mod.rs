//! Standard Webhooks v1 (HMAC-SHA256) and v1a (Ed25519): header names, parser, signer, verifier.

mod header;
mod signer;
mod verifier;

use http::header::HeaderName;

pub(crate) use header::parse_signature_header;
pub use header::{MAX_SIGNATURES, SignatureEntry, SignatureList};
pub use signer::{SignError, SignedHeaders, StandardSigner, StandardSigningKey};
pub use verifier::{StandardVerifier, StandardVerifyingKey};

/// `webhook-id`: the message id, stable across retries, signed.
pub const WEBHOOK_ID: HeaderName = HeaderName::from_static("webhook-id");
/// `webhook-timestamp`: integer Unix seconds, signed.
pub const WEBHOOK_TIMESTAMP: HeaderName = HeaderName::from_static("webhook-timestamp");
/// `webhook-signature`: space-separated `version,base64` signatures.
pub const WEBHOOK_SIGNATURE: HeaderName = HeaderName::from_static("webhook-signature");

/// `svix-id`: Svix's name for `webhook-id`, accepted by [`StandardVerifier`].
pub const SVIX_ID: HeaderName = HeaderName::from_static("svix-id");
/// `svix-timestamp`: Svix's name for `webhook-timestamp`.
pub const SVIX_TIMESTAMP: HeaderName = HeaderName::from_static("svix-timestamp");
/// `svix-signature`: Svix's name for `webhook-signature`.
pub const SVIX_SIGNATURE: HeaderName = HeaderName::from_static("svix-signature");

/// Version tag of HMAC-SHA256 signatures.
pub const VERSION_V1: &str = "v1";
/// Version tag of Ed25519 signatures.
pub const VERSION_V1A: &str = "v1a";

/// Checks a message id against the spec: not empty, no `.` (it delimits the signed content).
///
/// `strict` (the sending side) also requires visible ASCII without spaces and at most 255 bytes,
/// so that the id is a safe header value for every receiver.
pub(crate) fn check_message_id(id: &str, strict: bool) -> Result<(), &'static str> {
    // One pass for the common case, a fold without early exit so that it vectorises (ids are
    // short): is every byte visible ASCII other than `.`? Only when not is the reason worked out.
    let plain = id
        .bytes()
        .fold(true, |ok, b| ok & b.is_ascii_graphic() & (b != b'.'));
    if plain && !id.is_empty() && (!strict || id.len() <= 255) {
        return Ok(());
    }
    if id.is_empty() {
        return Err("message id is empty");
    }
    if id.bytes().any(|b| b == b'.') {
        return Err("message id contains `.`, which delimits the signed content");
    }
    if strict {
        if id.len() > 255 {
            return Err("message id is longer than 255 bytes");
        }
        if !id.bytes().all(|b| b.is_ascii_graphic()) {
            return Err("message id must be visible ASCII without spaces");
        }
    }
    Ok(())
}
