//! The seed's legacy scheme: hex HMAC-SHA256 of the body in `X-Webhook-Signature`, opt-in only.
//!
//! It signs neither an id nor a timestamp, so a captured request can be replayed at any time.
//! It exists for receivers that were built for the seed and cannot yet verify Standard Webhooks.

use std::time::SystemTime;

use http::HeaderMap;
use http::header::HeaderName;
use ring::hmac;

use super::compare::verify_body_hmac;
use super::encoding::{decode_hex_exact, encode_hex, encode_hex_slice};
use super::rotation::KeyRing;
use super::secret::HmacSecret;
use super::verify::{Scheme, Verified, Verifier, VerifyError, single_header};

/// `x-webhook-signature`: lowercase hex HMAC-SHA256 of the body.
pub const LEGACY_SIGNATURE: HeaderName = HeaderName::from_static("x-webhook-signature");
const HEADER: &str = "x-webhook-signature";

/// Produces the legacy header value for a body.
#[derive(Debug, Clone)]
pub struct LegacySigner {
    secret: HmacSecret,
}

impl LegacySigner {
    /// A signer with the shared secret (the seed used the secret string's UTF-8 bytes).
    pub fn new(secret: HmacSecret) -> Self {
        Self { secret }
    }

    /// The header value for `body`: lowercase hex HMAC-SHA256.
    pub fn sign(&self, body: &[u8]) -> String {
        encode_hex(hmac::sign(self.secret.hmac_key(), body).as_ref())
    }

    /// Writes the header value for `body` (64 lowercase hex digits) into `out`.
    pub(crate) fn sign_into(&self, body: &[u8], out: &mut [u8; 64]) {
        encode_hex_slice(hmac::sign(self.secret.hmac_key(), body).as_ref(), out);
    }
}

/// Verifies the legacy `x-webhook-signature` header against a key ring.
///
/// There is no timestamp, so there is no replay protection; prefer [`super::StandardVerifier`].
#[derive(Debug, Clone)]
pub struct LegacyVerifier {
    keys: KeyRing<HmacSecret>,
}

impl LegacyVerifier {
    /// Parses an `x-webhook-signature` value: exactly 64 hex digits (either case).
    pub fn parse_signature_header(value: &str) -> Result<[u8; 32], &'static str> {
        decode_hex_exact::<32>(value).ok_or("expected 64 hex digits of HMAC-SHA256")
    }

    /// A verifier over a key ring; a single secret converts into a ring of one.
    pub fn new(keys: impl Into<KeyRing<HmacSecret>>) -> Self {
        Self { keys: keys.into() }
    }
}

impl Verifier for LegacyVerifier {
    fn verify<'h>(
        &self,
        headers: &'h HeaderMap,
        body: &[u8],
        now: SystemTime,
    ) -> Result<Verified<'h>, VerifyError> {
        let value = single_header(headers, &LEGACY_SIGNATURE, HEADER)?;
        let received =
            Self::parse_signature_header(value).map_err(|reason| VerifyError::MalformedHeader {
                header: HEADER,
                reason,
            })?;
        verify_body_hmac(&self.keys, now, body, &received, HEADER, Scheme::Legacy)
    }
}
