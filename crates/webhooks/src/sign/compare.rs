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

/// Index of the first key active at `now` whose HMAC-SHA256 of `body` equals `received`.
///
/// Uses `ring::hmac::verify`, which compares in constant time; the body is signed as is, so no
/// copy is needed.
pub(crate) fn body_hmac_match(
    keys: &crate::sign::rotation::KeyRing<crate::sign::secret::HmacSecret>,
    now: std::time::SystemTime,
    body: &[u8],
    received: &[u8],
) -> Option<usize> {
    keys.active(now)
        .find(|(_, key)| ring::hmac::verify(key.hmac_key(), body, received).is_ok())
        .map(|(index, _)| index)
}
