//! GitHub: `X-Hub-Signature-256: sha256=<hex>`, HMAC-SHA256 of the raw body, no timestamp.

use std::time::SystemTime;

use http::HeaderMap;
use http::header::HeaderName;

use crate::sign::compare::verify_body_hmac;
use crate::sign::encoding::decode_hex_exact;
use crate::sign::rotation::KeyRing;
use crate::sign::secret::HmacSecret;
use crate::sign::verify::{Scheme, Verified, Verifier, VerifyError, single_header};

const HEADER: &str = "x-hub-signature-256";

/// Verifies GitHub webhook deliveries with the webhook's secret (its UTF-8 bytes).
///
/// GitHub signs no timestamp; use the `X-GitHub-Delivery` id to drop duplicates.
#[derive(Debug, Clone)]
pub struct GitHubVerifier {
    keys: KeyRing<HmacSecret>,
}

impl GitHubVerifier {
    /// `x-hub-signature-256`.
    pub const SIGNATURE_HEADER: HeaderName = HeaderName::from_static("x-hub-signature-256");

    /// Parses `sha256=<64 hex digits>` into the 32 signature bytes.
    pub fn parse_signature_header(value: &str) -> Result<[u8; 32], &'static str> {
        let hex = value
            .strip_prefix("sha256=")
            .ok_or("expected the `sha256=` prefix")?;
        decode_hex_exact::<32>(hex).ok_or("expected 64 hex digits after `sha256=`")
    }

    /// A verifier over a key ring; a single secret converts into a ring of one.
    pub fn new(keys: impl Into<KeyRing<HmacSecret>>) -> Self {
        Self { keys: keys.into() }
    }
}

impl Verifier for GitHubVerifier {
    fn verify<'h>(
        &self,
        headers: &'h HeaderMap,
        body: &[u8],
        now: SystemTime,
    ) -> Result<Verified<'h>, VerifyError> {
        let received =
            Self::parse_signature_header(single_header(headers, &Self::SIGNATURE_HEADER, HEADER)?)
                .map_err(|reason| VerifyError::MalformedHeader {
                    header: HEADER,
                    reason,
                })?;
        verify_body_hmac(&self.keys, now, body, &received, HEADER, Scheme::GitHub)
    }
}
