//! Signs outgoing messages with every active key and produces the Standard Webhooks headers.

use std::fmt;
use std::time::SystemTime;

use http::header::{HeaderMap, HeaderValue};
use ring::hmac;

use super::{WEBHOOK_ID, WEBHOOK_SIGNATURE, WEBHOOK_TIMESTAMP};
use crate::sign::encoding::encode_base64_slice;
use crate::sign::legacy::{LEGACY_SIGNATURE, LegacySigner};
use crate::sign::rotation::KeyRing;
use crate::sign::secret::{SigningKey, WebhookSecret};
use crate::sign::standard::StandardVerifier;
use crate::sign::tolerance::unix_seconds;

/// Why a message could not be signed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// The message id cannot be used in `webhook-id` or in the signed content.
    #[error("invalid message id: {reason}")]
    InvalidMessageId {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The timestamp is before 1970; `webhook-timestamp` is unsigned Unix seconds.
    #[error("timestamp is before the Unix epoch")]
    TimestampBeforeEpoch,
    /// A produced header value was rejected by `http` (not expected: every value is ASCII).
    #[error("produced an invalid value for header `{header}`")]
    InvalidHeaderValue {
        /// The header name.
        header: &'static str,
    },
}

/// A key a [`StandardSigner`] signs with.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum StandardSigningKey {
    /// `v1`: HMAC-SHA256 with a `whsec_` secret.
    V1(WebhookSecret),
    /// `v1a`: Ed25519 with a `whsk_` key.
    V1a(SigningKey),
}

impl From<WebhookSecret> for StandardSigningKey {
    fn from(secret: WebhookSecret) -> Self {
        Self::V1(secret)
    }
}

impl From<SigningKey> for StandardSigningKey {
    fn from(key: SigningKey) -> Self {
        Self::V1a(key)
    }
}

impl From<WebhookSecret> for KeyRing<StandardSigningKey> {
    fn from(secret: WebhookSecret) -> Self {
        KeyRing::new(secret.into())
    }
}

impl From<SigningKey> for KeyRing<StandardSigningKey> {
    fn from(key: SigningKey) -> Self {
        KeyRing::new(key.into())
    }
}

/// The headers of one signed message, held without allocating.
///
/// The id is borrowed from the caller; the timestamp digits, the `webhook-signature` value (for up
/// to two `v1` keys or one `v1a` key; more keys spill to the heap) and the optional legacy value
/// live in the struct. [`HeaderValue`]s are built only when the headers are placed in a map with
/// [`SignedHeaders::append_to`] or [`SignedHeaders::to_header_map`].
#[derive(Clone, PartialEq, Eq)]
pub struct SignedHeaders<'a> {
    id: &'a str,
    timestamp: i64,
    digits: [u8; 20],
    digits_start: u8,
    signature: SignatureBuf,
    legacy: Option<[u8; LEGACY_LEN]>,
}

impl<'a> SignedHeaders<'a> {
    /// The `webhook-id` value: the message id passed to [`StandardSigner::sign`].
    pub fn id(&self) -> &'a str {
        self.id
    }

    /// The signed timestamp, Unix seconds.
    pub fn timestamp(&self) -> i64 {
        self.timestamp
    }

    /// The `webhook-timestamp` value: the timestamp's Unix seconds in decimal.
    pub fn timestamp_value(&self) -> &str {
        ascii(&self.digits[usize::from(self.digits_start)..])
    }

    /// The `webhook-signature` value: one `v1,…` or `v1a,…` entry per active key.
    pub fn signature(&self) -> &str {
        self.signature.as_str()
    }

    /// The legacy `x-webhook-signature` value, present only when the signer opted in.
    pub fn legacy_signature(&self) -> Option<&str> {
        self.legacy.as_ref().map(|hex| ascii(hex))
    }

    /// Inserts the headers into `headers`, replacing any earlier values of the same names.
    pub fn append_to(&self, headers: &mut HeaderMap) {
        headers.insert(WEBHOOK_ID, header_value(self.id));
        headers.insert(WEBHOOK_TIMESTAMP, header_value(self.timestamp_value()));
        headers.insert(WEBHOOK_SIGNATURE, header_value(self.signature()));
        if let Some(legacy) = self.legacy_signature() {
            headers.insert(LEGACY_SIGNATURE, header_value(legacy));
        }
    }

    /// The headers as a new map.
    pub fn to_header_map(&self) -> HeaderMap {
        let mut headers = HeaderMap::with_capacity(4);
        self.append_to(&mut headers);
        headers
    }
}

impl fmt::Debug for SignedHeaders<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedHeaders")
            .field("id", &self.id)
            .field("timestamp", &self.timestamp_value())
            .field("signature", &self.signature())
            .field("legacy", &self.legacy_signature())
            .finish()
    }
}

/// A header value of a [`SignedHeaders`].
///
/// Every such value is visible ASCII by construction (an id checked by `check_message_id` in
/// strict mode, decimal digits, base64 with `v1`/`v1a`/`,`/space, lowercase hex), all of which
/// `http` accepts, so the conversion cannot fail.
fn header_value(text: &str) -> HeaderValue {
    #[allow(clippy::expect_used)]
    HeaderValue::from_str(text).expect("signed header values are visible ASCII by construction")
}

/// Text of a buffer this module filled with ASCII only.
fn ascii(bytes: &[u8]) -> &str {
    // Only ASCII is ever written to these buffers, so this never takes the fallback.
    std::str::from_utf8(bytes).unwrap_or_default()
}

/// Capacity of the inline `webhook-signature` buffer: two `v1` entries and a space (95 bytes) or
/// one `v1a` entry (92 bytes).
const INLINE_SIGNATURE: usize = 96;

/// Hex length of the legacy HMAC-SHA256.
const LEGACY_LEN: usize = 64;

/// The `webhook-signature` value: inline for the common key rings, on the heap beyond.
#[derive(Clone)]
enum SignatureBuf {
    Inline {
        len: u8,
        bytes: [u8; INLINE_SIGNATURE],
    },
    Heap(String),
}

impl SignatureBuf {
    fn as_str(&self) -> &str {
        match self {
            Self::Inline { len, bytes } => ascii(&bytes[..usize::from(*len)]),
            Self::Heap(text) => text,
        }
    }
}

impl PartialEq for SignatureBuf {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for SignatureBuf {}

/// Signs messages the Standard Webhooks way: `webhook-signature` carries one signature of
/// `id.timestamp.body` per key active at the message's timestamp.
///
/// The legacy `x-webhook-signature` header is off unless [`StandardSigner::with_legacy`] is called.
#[derive(Debug, Clone)]
pub struct StandardSigner {
    keys: KeyRing<StandardSigningKey>,
    legacy: Option<LegacySigner>,
}

impl StandardSigner {
    /// A signer over a key ring; a single secret or key converts into a ring of one.
    pub fn new(keys: impl Into<KeyRing<StandardSigningKey>>) -> Self {
        Self {
            keys: keys.into(),
            legacy: None,
        }
    }

    /// Also emits the legacy hex `x-webhook-signature` header, for receivers built for the seed.
    ///
    /// That scheme signs only the body, with no id or timestamp, so captured requests can be
    /// replayed; enable it only for receivers that cannot verify Standard Webhooks.
    #[must_use]
    pub fn with_legacy(mut self, legacy: LegacySigner) -> Self {
        self.legacy = Some(legacy);
        self
    }

    /// The key ring, for inspection.
    pub fn keys(&self) -> &KeyRing<StandardSigningKey> {
        &self.keys
    }

    /// The key ring, for rotation.
    pub fn keys_mut(&mut self) -> &mut KeyRing<StandardSigningKey> {
        &mut self.keys
    }

    /// A verifier that accepts what this signer produces: the same secrets, the public halves of
    /// Ed25519 keys, the same expiries, and the default tolerance.
    pub fn verifier(&self) -> StandardVerifier {
        StandardVerifier::new(self.keys.map(|key| match key {
            StandardSigningKey::V1(secret) => secret.clone().into(),
            StandardSigningKey::V1a(key) => key.verifying_key().into(),
        }))
    }

    /// Signs `body` (the exact bytes that will be sent) as message `msg_id` at `timestamp`.
    ///
    /// `msg_id` must be 1 to 255 visible ASCII characters without spaces or `.`; keep it stable
    /// across retries so receivers can deduplicate. The timestamp is truncated to whole seconds.
    /// Nothing is allocated unless more keys are active than fit inline (see [`SignedHeaders`]).
    pub fn sign<'a>(
        &self,
        msg_id: &'a str,
        timestamp: SystemTime,
        body: &[u8],
    ) -> Result<SignedHeaders<'a>, SignError> {
        let secs = check_inputs(msg_id, timestamp)?;
        let mut digits = [0u8; 20];
        let digits_start = decimal(secs, &mut digits);
        let ts = &digits[digits_start..];
        let len = self.signature_len(timestamp);
        let signature = if len <= INLINE_SIGNATURE {
            let mut bytes = [0u8; INLINE_SIGNATURE];
            self.write_signature(msg_id, ts, timestamp, body, &mut bytes[..len]);
            SignatureBuf::Inline {
                // `len` is at most INLINE_SIGNATURE (96), which fits.
                len: u8::try_from(len).unwrap_or(u8::MAX),
                bytes,
            }
        } else {
            SignatureBuf::Heap(self.signature_string(msg_id, ts, timestamp, body, len))
        };
        let legacy = self.legacy.as_ref().map(|legacy| {
            let mut hex = [0u8; LEGACY_LEN];
            legacy.sign_into(body, &mut hex);
            hex
        });
        Ok(SignedHeaders {
            id: msg_id,
            timestamp: i64::try_from(secs).unwrap_or(i64::MAX),
            digits,
            // At most 19 (the first digit of a 20-digit buffer), which fits.
            digits_start: u8::try_from(digits_start).unwrap_or(0),
            signature,
            legacy,
        })
    }

    /// Only the `webhook-signature` value, for callers that assemble headers themselves (the id
    /// and timestamp headers are then `msg_id` and the timestamp's Unix seconds in decimal).
    ///
    /// Validates like [`StandardSigner::sign`]; allocates the returned `String` only.
    pub fn signature(
        &self,
        msg_id: &str,
        timestamp: SystemTime,
        body: &[u8],
    ) -> Result<String, SignError> {
        let secs = check_inputs(msg_id, timestamp)?;
        let mut digits = [0u8; 20];
        let start = decimal(secs, &mut digits);
        let ts = &digits[start..];
        let len = self.signature_len(timestamp);
        Ok(self.signature_string(msg_id, ts, timestamp, body, len))
    }

    /// Length of the `webhook-signature` value for the keys active at `timestamp`.
    fn signature_len(&self, timestamp: SystemTime) -> usize {
        self.keys
            .active(timestamp)
            .map(|(_, key)| match key {
                StandardSigningKey::V1(_) => V1_ENTRY_LEN + 1,
                StandardSigningKey::V1a(_) => V1A_ENTRY_LEN + 1,
            })
            .sum::<usize>()
            .saturating_sub(1)
    }

    /// The `webhook-signature` value as a `String` of `len` bytes.
    fn signature_string(
        &self,
        msg_id: &str,
        ts: &[u8],
        timestamp: SystemTime,
        body: &[u8],
        len: usize,
    ) -> String {
        let mut bytes = vec![0u8; len];
        self.write_signature(msg_id, ts, timestamp, body, &mut bytes);
        // Only ASCII is written; the fallback is never taken.
        String::from_utf8(bytes).unwrap_or_default()
    }

    /// Writes one `v1,…`/`v1a,…` entry per key active at `timestamp`, space-separated, into
    /// `out`, which is exactly [`Self::signature_len`] bytes long.
    fn write_signature(
        &self,
        msg_id: &str,
        ts: &[u8],
        timestamp: SystemTime,
        body: &[u8],
        out: &mut [u8],
    ) {
        let mut at = 0;
        let mut ed25519_message: Option<Vec<u8>> = None;
        for (_, key) in self.keys.active(timestamp) {
            if at > 0 {
                out[at] = b' ';
                at += 1;
            }
            match key {
                StandardSigningKey::V1(secret) => {
                    let tag = hmac_v1(secret.hmac_key(), msg_id.as_bytes(), ts, body);
                    out[at..at + 3].copy_from_slice(b"v1,");
                    at += 3;
                    at += encode_base64_slice(tag.as_ref(), &mut out[at..]);
                }
                StandardSigningKey::V1a(key) => {
                    let message = ed25519_message
                        .get_or_insert_with(|| signed_content(msg_id.as_bytes(), ts, body));
                    out[at..at + 4].copy_from_slice(b"v1a,");
                    at += 4;
                    at += encode_base64_slice(key.sign(message).as_ref(), &mut out[at..]);
                }
            }
        }
        debug_assert_eq!(at, out.len());
    }
}

/// Checks the message id and returns the timestamp's Unix seconds.
fn check_inputs(msg_id: &str, timestamp: SystemTime) -> Result<u64, SignError> {
    super::check_message_id(msg_id, true)
        .map_err(|reason| SignError::InvalidMessageId { reason })?;
    u64::try_from(unix_seconds(timestamp)).map_err(|_| SignError::TimestampBeforeEpoch)
}

/// Writes `n` in decimal at the end of `buf` and returns where the digits start.
fn decimal(mut n: u64, buf: &mut [u8; 20]) -> usize {
    let mut start = buf.len();
    loop {
        start -= 1;
        buf[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return start;
        }
    }
}

/// `v1,` and 44 characters of padded base64 for 32 bytes.
const V1_ENTRY_LEN: usize = 3 + 44;
/// `v1a,` and 88 characters of padded base64 for 64 bytes.
const V1A_ENTRY_LEN: usize = 4 + 88;

/// HMAC-SHA256 of `id.timestamp.body`, streamed so the body is never copied.
///
/// The short `id.timestamp.` prefix is assembled on the stack together with the start of the
/// body, up to the next SHA-256 block boundary, and fed in one update; the rest of the body
/// follows in a second. Each separate small update costs a trip through the digest's
/// partial-block buffer, and a first update that ends on a block boundary is hashed straight from
/// the stack without being copied into that buffer.
pub(crate) fn hmac_v1(key: &hmac::Key, id: &[u8], ts: &[u8], body: &[u8]) -> hmac::Tag {
    const BLOCK: usize = 64;
    const STAGE: usize = 2 * BLOCK;
    let mut ctx = hmac::Context::with_key(key);
    let prefix_len = id.len() + ts.len() + 2;
    if prefix_len <= STAGE {
        let boundary = prefix_len.next_multiple_of(BLOCK);
        let fill = (boundary - prefix_len).min(body.len());
        let mut stage = [0u8; STAGE];
        stage[..id.len()].copy_from_slice(id);
        stage[id.len()] = b'.';
        stage[id.len() + 1..prefix_len - 1].copy_from_slice(ts);
        stage[prefix_len - 1] = b'.';
        stage[prefix_len..prefix_len + fill].copy_from_slice(&body[..fill]);
        ctx.update(&stage[..prefix_len + fill]);
        ctx.update(&body[fill..]);
    } else {
        ctx.update(id);
        ctx.update(b".");
        ctx.update(ts);
        ctx.update(b".");
        ctx.update(body);
    }
    ctx.sign()
}

/// `id.timestamp.body` as one buffer, which Ed25519 needs.
pub(crate) fn signed_content(id: &[u8], ts: &[u8], body: &[u8]) -> Vec<u8> {
    let mut message = Vec::with_capacity(id.len() + ts.len() + body.len() + 2);
    message.extend_from_slice(id);
    message.push(b'.');
    message.extend_from_slice(ts);
    message.push(b'.');
    message.extend_from_slice(body);
    message
}

#[cfg(test)]
mod tests {
    use ring::hmac;

    use super::{decimal, hmac_v1, signed_content};

    #[test]
    fn hmac_v1_matches_one_shot_hmac_around_block_boundaries() {
        let key = hmac::Key::new(hmac::HMAC_SHA256, b"key");
        let body: Vec<u8> = (0..300u32).map(|i| (i * 7) as u8).collect();
        let ts = b"1614265330";
        // Prefixes below, at and above one and two SHA-256 blocks, bodies shorter and longer
        // than what is needed to reach the boundary.
        for id_len in [1usize, 20, 51, 52, 53, 100, 115, 116, 117, 200] {
            let id = vec![b'm'; id_len];
            for body_len in [0usize, 1, 10, 11, 12, 63, 64, 65, 200, 300] {
                let body = &body[..body_len];
                let expected = hmac::sign(&key, &signed_content(&id, ts, body));
                assert_eq!(
                    hmac_v1(&key, &id, ts, body).as_ref(),
                    expected.as_ref(),
                    "id {id_len} body {body_len}"
                );
            }
        }
    }

    #[test]
    fn decimal_formats_every_width() {
        let mut buf = [0u8; 20];
        for n in [0u64, 7, 10, 1_614_265_330, u64::MAX] {
            let start = decimal(n, &mut buf);
            assert_eq!(&buf[start..], n.to_string().as_bytes());
        }
    }
}
