//! Shopify: `X-Shopify-Hmac-Sha256: <base64>`, HMAC-SHA256 of the raw body, no timestamp.

use std::time::SystemTime;

use http::HeaderMap;
use http::header::HeaderName;

use crate::sign::compare::verify_body_hmac;
use crate::sign::encoding::decode_base64_exact;
use crate::sign::rotation::KeyRing;
use crate::sign::secret::HmacSecret;
use crate::sign::verify::{Scheme, Verified, Verifier, VerifyError, single_header};

const HEADER: &str = "x-shopify-hmac-sha256";

/// Verifies Shopify webhooks with the app's client secret (its UTF-8 bytes).
///
/// Shopify signs no timestamp; use the `X-Shopify-Webhook-Id` header to drop duplicates.
#[derive(Debug, Clone)]
pub struct ShopifyVerifier {
    keys: KeyRing<HmacSecret>,
}

impl ShopifyVerifier {
    /// `x-shopify-hmac-sha256`.
    pub const SIGNATURE_HEADER: HeaderName = HeaderName::from_static("x-shopify-hmac-sha256");

    /// Parses the padded base64 of a 32-byte HMAC-SHA256.
    pub fn parse_signature_header(value: &str) -> Result<[u8; 32], &'static str> {
        decode_base64_exact::<32>(value.as_bytes())
            .ok_or("expected padded base64 of a 32-byte HMAC-SHA256")
    }

    /// A verifier over a key ring; a single secret converts into a ring of one.
    pub fn new(keys: impl Into<KeyRing<HmacSecret>>) -> Self {
        Self { keys: keys.into() }
    }
}

impl Verifier for ShopifyVerifier {
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
        verify_body_hmac(&self.keys, now, body, &received, HEADER, Scheme::Shopify)
    }
}
