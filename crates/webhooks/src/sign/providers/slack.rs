//! Slack: `X-Slack-Signature: v0=<hex>` over `v0:{timestamp}:{body}`, with a 5-minute window.

use std::time::SystemTime;

use http::HeaderMap;
use http::header::HeaderName;
use ring::hmac;

use crate::sign::compare::macs_equal;
use crate::sign::encoding::decode_hex_exact;
use crate::sign::rotation::KeyRing;
use crate::sign::secret::HmacSecret;
use crate::sign::tolerance::Tolerance;
use crate::sign::verify::{
    Scheme, Verified, Verifier, VerifyError, single_header, timestamp_header,
};

const SIGNATURE: &str = "x-slack-signature";
const TIMESTAMP: &str = "x-slack-request-timestamp";

/// Verifies Slack requests with the app's signing secret (its UTF-8 bytes).
///
/// The timestamp must be within ±5 minutes of `now` by default, as in Slack's SDK.
#[derive(Debug, Clone)]
pub struct SlackVerifier {
    keys: KeyRing<HmacSecret>,
    tolerance: Tolerance,
}

impl SlackVerifier {
    /// `x-slack-signature`.
    pub const SIGNATURE_HEADER: HeaderName = HeaderName::from_static("x-slack-signature");

    /// `x-slack-request-timestamp`.
    pub const TIMESTAMP_HEADER: HeaderName = HeaderName::from_static("x-slack-request-timestamp");

    /// Parses `v0=<64 hex digits>` into the 32 signature bytes.
    pub fn parse_signature_header(value: &str) -> Result<[u8; 32], &'static str> {
        let hex = value
            .strip_prefix("v0=")
            .ok_or("expected the `v0=` prefix")?;
        decode_hex_exact::<32>(hex).ok_or("expected 64 hex digits after `v0=`")
    }

    /// A verifier over a key ring; a single secret converts into a ring of one.
    pub fn new(keys: impl Into<KeyRing<HmacSecret>>) -> Self {
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

impl Verifier for SlackVerifier {
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
        for (key_index, key) in self.keys.active(now) {
            let mut ctx = hmac::Context::with_key(key.hmac_key());
            ctx.update(b"v0:");
            ctx.update(ts_text.as_bytes());
            ctx.update(b":");
            ctx.update(body);
            if macs_equal(ctx.sign().as_ref(), &received) {
                return Ok(Verified {
                    scheme: Scheme::Slack,
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
