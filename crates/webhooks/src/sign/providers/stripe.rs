//! Stripe: `Stripe-Signature: t=<ts>,v1=<hex>[,v1=…]` over `{t}.{body}`.
//!
//! The key is the endpoint's whole `whsec_…` string taken as UTF-8 bytes, not base64-decoded:
//! build it with [`HmacSecret::new`], not [`crate::WebhookSecret`].

use std::time::SystemTime;

use http::HeaderMap;
use http::header::HeaderName;
use ring::hmac;

use crate::sign::compare::macs_equal;
use crate::sign::encoding::decode_hex_exact;
use crate::sign::rotation::{KeyRing, MAX_RETIRED_KEYS};
use crate::sign::secret::HmacSecret;
use crate::sign::tolerance::{Tolerance, parse_timestamp};
use crate::sign::verify::{Scheme, Verified, Verifier, VerifyError, single_header};

const HEADER: &str = "stripe-signature";

/// A parsed `Stripe-Signature` value.
#[derive(Debug, Clone, Copy)]
pub struct StripeSignatureHeader<'a> {
    timestamp: i64,
    timestamp_text: &'a str,
    value: &'a str,
}

impl<'a> StripeSignatureHeader<'a> {
    /// The `t=` timestamp, Unix seconds.
    pub fn timestamp(&self) -> i64 {
        self.timestamp
    }

    /// The `v1=` signatures, still hex-encoded, in header order.
    pub fn v1_signatures(&self) -> impl Iterator<Item = &'a str> + use<'a> {
        self.value
            .split(',')
            .filter_map(|element| element.split_once('='))
            .filter(|(key, _)| *key == "v1")
            .map(|(_, signature)| signature)
    }
}

/// Verifies Stripe webhook events with the endpoint's signing secret.
///
/// The default tolerance is five minutes in the past, as in Stripe's libraries, and also five
/// minutes in the future (Stripe's libraries do not bound the future; a signature from the
/// future only ever comes from clock skew, which five minutes covers).
#[derive(Debug, Clone)]
pub struct StripeVerifier {
    keys: KeyRing<HmacSecret>,
    tolerance: Tolerance,
}

impl StripeVerifier {
    /// `stripe-signature`.
    pub const SIGNATURE_HEADER: HeaderName = HeaderName::from_static("stripe-signature");

    /// Most elements accepted in one header; bounds the work an unauthenticated request can cause.
    pub const MAX_ELEMENTS: usize = 32;

    /// Parses a `Stripe-Signature` value: comma-separated `key=value` elements, exactly one `t`.
    ///
    /// Elements of other schemes (`v0=`, test-mode extras) are kept but ignored by the verifier.
    pub fn parse_signature_header(value: &str) -> Result<StripeSignatureHeader<'_>, &'static str> {
        let mut timestamp = None;
        let mut count = 0usize;
        for element in value.split(',') {
            count += 1;
            if count > Self::MAX_ELEMENTS {
                return Err("more than 32 elements");
            }
            let Some((key, val)) = element.split_once('=') else {
                return Err("element without `=`");
            };
            if key.is_empty() || val.is_empty() {
                return Err("element with an empty key or value");
            }
            if key == "t" {
                if timestamp.is_some() {
                    return Err("more than one `t=` element");
                }
                timestamp = Some((parse_timestamp(val)?, val));
            }
        }
        let Some((timestamp, timestamp_text)) = timestamp else {
            return Err("no `t=` timestamp");
        };
        Ok(StripeSignatureHeader {
            timestamp,
            timestamp_text,
            value,
        })
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

impl Verifier for StripeVerifier {
    fn verify<'h>(
        &self,
        headers: &'h HeaderMap,
        body: &[u8],
        now: SystemTime,
    ) -> Result<Verified<'h>, VerifyError> {
        let parsed =
            Self::parse_signature_header(single_header(headers, &Self::SIGNATURE_HEADER, HEADER)?)
                .map_err(|reason| VerifyError::MalformedHeader {
                    header: HEADER,
                    reason,
                })?;
        self.tolerance.check(HEADER, parsed.timestamp, now)?;

        let mut tags: [Option<hmac::Tag>; MAX_RETIRED_KEYS + 1] = [None; MAX_RETIRED_KEYS + 1];
        let (mut candidates, mut malformed) = (0usize, 0usize);
        for signature in parsed.v1_signatures() {
            let Some(received) = decode_hex_exact::<32>(signature) else {
                malformed += 1;
                continue;
            };
            candidates += 1;
            for (index, key) in self.keys.active(now) {
                let Some(slot) = tags.get_mut(index) else {
                    continue;
                };
                let tag = slot.get_or_insert_with(|| {
                    let mut ctx = hmac::Context::with_key(key.hmac_key());
                    ctx.update(parsed.timestamp_text.as_bytes());
                    ctx.update(b".");
                    ctx.update(body);
                    ctx.sign()
                });
                if macs_equal(tag.as_ref(), &received) {
                    return Ok(Verified {
                        scheme: Scheme::Stripe,
                        key_index: index,
                        message_id: None,
                        timestamp: Some(parsed.timestamp),
                    });
                }
            }
        }
        if candidates > 0 {
            return Err(VerifyError::SignatureMismatch {
                header: HEADER,
                candidates,
                keys: self.keys.active(now).count(),
            });
        }
        if malformed > 0 {
            return Err(VerifyError::MalformedHeader {
                header: HEADER,
                reason: "no `v1=` signature is 64 hex digits",
            });
        }
        Err(VerifyError::NoSupportedSignature {
            header: HEADER,
            expected: "v1",
        })
    }
}
