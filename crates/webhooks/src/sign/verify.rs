//! The `Verifier` trait every incoming scheme implements, its result and its error.

use std::fmt;
use std::time::SystemTime;

use http::HeaderMap;
use http::header::HeaderName;

/// Checks that a received webhook was signed by the expected sender.
///
/// Implementations look only at the headers, the exact body bytes as received (never a
/// re-serialisation) and the `now` passed in; they never read the clock themselves.
pub trait Verifier: fmt::Debug + Send + Sync {
    /// Verifies one request; `Ok` means at least one signature matched an active key and the
    /// timestamp (where the scheme has one) is within tolerance.
    ///
    /// The result borrows from `headers` (the message id is not copied).
    fn verify<'h>(
        &self,
        headers: &'h HeaderMap,
        body: &[u8],
        now: SystemTime,
    ) -> Result<Verified<'h>, VerifyError>;
}

/// The signing scheme a [`Verified`] request matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Scheme {
    /// Standard Webhooks `v1` (HMAC-SHA256).
    StandardV1,
    /// Standard Webhooks `v1a` (Ed25519).
    StandardV1a,
    /// The seed's hex HMAC-SHA256 in `X-Webhook-Signature`.
    Legacy,
    /// GitHub `X-Hub-Signature-256`.
    GitHub,
    /// Slack `v0` signatures.
    Slack,
    /// Stripe `Stripe-Signature` `v1`.
    Stripe,
    /// Discord interactions (Ed25519).
    Discord,
    /// Shopify `X-Shopify-Hmac-Sha256`.
    Shopify,
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::StandardV1 => "standard-webhooks v1",
            Self::StandardV1a => "standard-webhooks v1a",
            Self::Legacy => "legacy x-webhook-signature",
            Self::GitHub => "github",
            Self::Slack => "slack v0",
            Self::Stripe => "stripe v1",
            Self::Discord => "discord",
            Self::Shopify => "shopify",
        })
    }
}

/// What a successful verification established.
///
/// It borrows the message id from the request's headers; call `.map(str::to_owned)` on
/// [`Verified::message_id`] to keep it beyond them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Verified<'a> {
    /// The scheme whose signature matched.
    pub scheme: Scheme,
    /// Position in the key ring of the key that matched: 0 is the current key, higher numbers are
    /// retired keys still inside their grace period.
    pub key_index: usize,
    /// The signed message id (Standard Webhooks `webhook-id`), for deduplication.
    pub message_id: Option<&'a str>,
    /// The signed timestamp in Unix seconds, where the scheme signs one.
    pub timestamp: Option<i64>,
}

/// Why a request was rejected.
///
/// Each variant names the header and the check that failed. None of them carries the expected
/// signature or any key material, so the error can be logged and returned to the caller.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// A required header is absent.
    #[error("missing header `{header}`")]
    MissingHeader {
        /// The header name.
        header: &'static str,
    },
    /// A header is present but cannot be parsed.
    #[error("malformed header `{header}`: {reason}")]
    MalformedHeader {
        /// The header name.
        header: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The signed timestamp is older than the tolerance allows.
    #[error(
        "timestamp in `{header}` is too old: {timestamp} is more than {tolerance_secs} s before now ({now})"
    )]
    TimestampTooOld {
        /// The header the timestamp came from.
        header: &'static str,
        /// The signed timestamp, Unix seconds.
        timestamp: i64,
        /// The receiver's clock, Unix seconds.
        now: i64,
        /// The allowed age in seconds.
        tolerance_secs: u64,
    },
    /// The signed timestamp is further in the future than the tolerance allows.
    #[error(
        "timestamp in `{header}` is too new: {timestamp} is more than {tolerance_secs} s after now ({now})"
    )]
    TimestampTooNew {
        /// The header the timestamp came from.
        header: &'static str,
        /// The signed timestamp, Unix seconds.
        timestamp: i64,
        /// The receiver's clock, Unix seconds.
        now: i64,
        /// The allowed clock skew in seconds.
        tolerance_secs: u64,
    },
    /// The header carries no signature of a scheme this verifier has keys for.
    #[error("header `{header}` has no signature of the expected scheme ({expected})")]
    NoSupportedSignature {
        /// The header name.
        header: &'static str,
        /// The scheme(s) looked for.
        expected: &'static str,
    },
    /// Signatures of the right scheme are present, but none matches an active key.
    #[error("no signature in `{header}` matches ({candidates} checked against {keys} active keys)")]
    SignatureMismatch {
        /// The header name.
        header: &'static str,
        /// How many well-formed signatures were checked.
        candidates: usize,
        /// How many keys were active at `now`.
        keys: usize,
    },
}

/// Reads the raw bytes of a header that must appear exactly once.
pub(crate) fn single_header_bytes<'h>(
    headers: &'h HeaderMap,
    name: &HeaderName,
    display: &'static str,
) -> Result<&'h [u8], VerifyError> {
    let mut values = headers.get_all(name).iter();
    let Some(first) = values.next() else {
        return Err(VerifyError::MissingHeader { header: display });
    };
    if values.next().is_some() {
        return Err(VerifyError::MalformedHeader {
            header: display,
            reason: "header appears more than once",
        });
    }
    Ok(first.as_bytes())
}

/// Reads a header that must appear exactly once, as visible ASCII.
pub(crate) fn single_header<'h>(
    headers: &'h HeaderMap,
    name: &HeaderName,
    display: &'static str,
) -> Result<&'h str, VerifyError> {
    visible_ascii(single_header_bytes(headers, name, display)?, display)
}

/// `bytes` as text if it is visible ASCII (or tab), as `HeaderValue::to_str` requires.
pub(crate) fn visible_ascii<'h>(
    bytes: &'h [u8],
    display: &'static str,
) -> Result<&'h str, VerifyError> {
    let malformed = VerifyError::MalformedHeader {
        header: display,
        reason: "value is not visible ASCII",
    };
    // A fold without early exit, so the check vectorises; header values are short.
    let ok = bytes.iter().fold(true, |ok, &b| {
        ok & ((b == b'\t') | (0x20..0x7f).contains(&b))
    });
    if !ok {
        return Err(malformed);
    }
    std::str::from_utf8(bytes).map_err(|_| malformed)
}

/// Reads and parses a Unix-seconds timestamp header; returns the value and its text as received.
pub(crate) fn timestamp_header<'h>(
    headers: &'h HeaderMap,
    name: &HeaderName,
    display: &'static str,
) -> Result<(i64, &'h str), VerifyError> {
    let text = single_header(headers, name, display)?;
    let value =
        super::tolerance::parse_timestamp(text).map_err(|reason| VerifyError::MalformedHeader {
            header: display,
            reason,
        })?;
    Ok((value, text))
}
