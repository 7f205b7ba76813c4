//! Constant-time comparison of a computed MAC with the one received.

/// Returns whether `computed` and `received` are equal, in time that depends only on their lengths.
///
/// This is ring's comparison, the same routine `ring::hmac::verify` runs internally. ring exports
/// it as `ring::constant_time` (marked deprecated in 0.17 in favour of `hmac::verify`); we need it
/// because the signed content of Standard Webhooks, Slack and Stripe is a prefix plus the body,
/// and `hmac::verify` only takes one contiguous slice, which would force a copy of every body.
/// Schemes that sign the bare body (GitHub, Shopify, legacy) use `hmac::verify` directly.
#[allow(deprecated)]
pub(crate) fn macs_equal(computed: &[u8], received: &[u8]) -> bool {
    ring::constant_time::verify_slices_are_equal(computed, received).is_ok()
}

/// Verifies a scheme that signs the bare body with HMAC-SHA256 (GitHub, Shopify, legacy):
/// accepts when a key active at `now` produces `received`, and reports which key matched.
///
/// Uses `ring::hmac::verify`, which compares in constant time; the body is signed as is, so no
/// copy is needed.
pub(crate) fn verify_body_hmac(
    keys: &crate::sign::rotation::KeyRing<crate::sign::secret::HmacSecret>,
    now: std::time::SystemTime,
    body: &[u8],
    received: &[u8],
    header: &'static str,
    scheme: crate::sign::verify::Scheme,
) -> Result<crate::sign::verify::Verified<'static>, crate::sign::verify::VerifyError> {
    keys.active(now)
        .find(|(_, key)| ring::hmac::verify(key.hmac_key(), body, received).is_ok())
        .map(|(key_index, _)| crate::sign::verify::Verified {
            scheme,
            key_index,
            message_id: None,
            timestamp: None,
        })
        .ok_or_else(|| crate::sign::verify::VerifyError::SignatureMismatch {
            header,
            candidates: 1,
            keys: keys.active(now).count(),
        })
}
