//! Discord interactions: Ed25519 over `timestamp + body`, with the application's hex public key.
//!
//! Discord tests endpoints with invalid signatures and removes endpoints that accept them;
//! answer any [`VerifyError`] with HTTP 401.

use std::time::SystemTime;

use http::HeaderMap;
use http::header::HeaderName;

use crate::sign::encoding::decode_hex_exact;
use crate::sign::rotation::KeyRing;
use crate::sign::secret::VerifyingKey;
use crate::sign::tolerance::Tolerance;
use crate::sign::verify::{
    Scheme, Verified, Verifier, VerifyError, single_header, timestamp_header,
};

const SIGNATURE: &str = "x-signature-ed25519";
const TIMESTAMP: &str = "x-signature-timestamp";

/// Verifies Discord interaction requests with the application's public key.
///
/// Discord documents no timestamp window, but without one a captured request stays valid
/// forever. The timestamp (integer Unix seconds) must therefore be within ±5 minutes of `now`
/// by default, the window every other timestamped scheme here uses;
/// [`DiscordVerifier::with_tolerance`] replaces it.
#[derive(Debug, Clone)]
pub struct DiscordVerifier {
    keys: KeyRing<VerifyingKey>,
    tolerance: Tolerance,
}

impl DiscordVerifier {
    /// `x-signature-ed25519`.
    pub const SIGNATURE_HEADER: HeaderName = HeaderName::from_static("x-signature-ed25519");

    /// `x-signature-timestamp`.
    pub const TIMESTAMP_HEADER: HeaderName = HeaderName::from_static("x-signature-timestamp");

    /// Parses the 128 hex digits of a 64-byte Ed25519 signature.
    pub fn parse_signature_header(value: &str) -> Result<[u8; 64], &'static str> {
        decode_hex_exact::<64>(value).ok_or("expected 128 hex digits of an Ed25519 signature")
    }

    /// A verifier over a key ring; a single key converts into a ring of one.
    ///
    /// Discord shows the public key as hex: read it with [`VerifyingKey::from_hex`].
    pub fn new(keys: impl Into<KeyRing<VerifyingKey>>) -> Self {
        Self {
            keys: keys.into(),
            tolerance: Tolerance::default(),
        }
    }

    /// Replaces the timestamp tolerance.
    #[must_use]
    pub fn with_tolerance(mut self, tolerance: Tolerance) -> Self {
        self.tolerance = tolerance;
        self
    }
}

impl Verifier for DiscordVerifier {
    fn verify<'h>(
        &self,
        headers: &'h HeaderMap,
        body: &[u8],
        now: SystemTime,
    ) -> Result<Verified<'h>, VerifyError> {
        let (timestamp, ts_text) = timestamp_header(headers, &Self::TIMESTAMP_HEADER, TIMESTAMP)?;
        self.tolerance.check(TIMESTAMP, timestamp, now)?;
        let received = Self::parse_signature_header(single_header(
            headers,
            &Self::SIGNATURE_HEADER,
            SIGNATURE,
        )?)
        .map_err(|reason| VerifyError::MalformedHeader {
            header: SIGNATURE,
            reason,
        })?;
        let mut message = Vec::with_capacity(ts_text.len() + body.len());
        message.extend_from_slice(ts_text.as_bytes());
        message.extend_from_slice(body);
        for (key_index, key) in self.keys.active(now) {
            if key.verify(&message, &received) {
                return Ok(Verified {
                    scheme: Scheme::Discord,
                    key_index,
                    message_id: None,
                    timestamp: Some(timestamp),
                });
            }
        }
        Err(VerifyError::SignatureMismatch {
            header: SIGNATURE,
            candidates: 1,
            keys: self.keys.active(now).count(),
        })
    }
}
