//! Signs outgoing messages with every active key and produces the Standard Webhooks headers.

use std::time::SystemTime;

use http::header::{HeaderMap, HeaderValue};
use ring::hmac;

use super::{VERSION_V1, VERSION_V1A, WEBHOOK_ID, WEBHOOK_SIGNATURE, WEBHOOK_TIMESTAMP};
use crate::sign::encoding::encode_base64_into;
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

/// The headers of one signed message.
///
/// Values are ready-made [`HeaderValue`]s; add them to a request with
/// [`SignedHeaders::append_to`] or take them as a map with [`SignedHeaders::to_header_map`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedHeaders {
    id: HeaderValue,
    timestamp: i64,
    timestamp_value: HeaderValue,
    signature: HeaderValue,
    legacy: Option<HeaderValue>,
}

impl SignedHeaders {
    /// The `webhook-id` value.
    pub fn id(&self) -> &HeaderValue {
        &self.id
    }

    /// The signed timestamp, Unix seconds.
    pub fn timestamp(&self) -> i64 {
        self.timestamp
    }

    /// The `webhook-timestamp` value.
    pub fn timestamp_value(&self) -> &HeaderValue {
        &self.timestamp_value
    }

    /// The `webhook-signature` value: one `v1,…` or `v1a,…` entry per active key.
    pub fn signature(&self) -> &HeaderValue {
        &self.signature
    }

    /// The legacy `x-webhook-signature` value, present only when the signer opted in.
    pub fn legacy_signature(&self) -> Option<&HeaderValue> {
        self.legacy.as_ref()
    }

    /// Inserts the headers into `headers`, replacing any earlier values of the same names.
    pub fn append_to(&self, headers: &mut HeaderMap) {
        headers.insert(WEBHOOK_ID, self.id.clone());
        headers.insert(WEBHOOK_TIMESTAMP, self.timestamp_value.clone());
        headers.insert(WEBHOOK_SIGNATURE, self.signature.clone());
        if let Some(legacy) = &self.legacy {
            headers.insert(LEGACY_SIGNATURE, legacy.clone());
        }
    }

    /// The headers as a new map.
    pub fn to_header_map(&self) -> HeaderMap {
        let mut headers = HeaderMap::with_capacity(4);
        self.append_to(&mut headers);
        headers
    }
}

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
    pub fn sign(
        &self,
        msg_id: &str,
        timestamp: SystemTime,
        body: &[u8],
    ) -> Result<SignedHeaders, SignError> {
        let secs = check_inputs(msg_id, timestamp)?;
        let id = HeaderValue::from_str(msg_id).map_err(|_| SignError::InvalidMessageId {
            reason: "not a valid header value",
        })?;
        let mut digits = [0u8; 20];
        let ts = decimal(secs, &mut digits);
        let timestamp_value =
            HeaderValue::from_bytes(ts).map_err(|_| SignError::InvalidHeaderValue {
                header: "webhook-timestamp",
            })?;
        // Base64, digits, `v`, `a`, `,` and spaces only: always a valid header value, and the
        // `String` (allocated at its exact length) becomes its buffer without a copy.
        let signature = HeaderValue::try_from(self.signature_value(msg_id, ts, timestamp, body))
            .map_err(|_| SignError::InvalidHeaderValue {
                header: "webhook-signature",
            })?;
        let legacy = self
            .legacy
            .as_ref()
            .map(|legacy| legacy.sign_value(body))
            .transpose()?;
        Ok(SignedHeaders {
            id,
            timestamp: i64::try_from(secs).unwrap_or(i64::MAX),
            timestamp_value,
            signature,
            legacy,
        })
    }

    /// Only the `webhook-signature` value, for callers that assemble headers themselves (the id
    /// and timestamp headers are then `msg_id` and the timestamp's Unix seconds in decimal).
    ///
    /// Validates like [`StandardSigner::sign`], without building header values.
    pub fn signature(
        &self,
        msg_id: &str,
        timestamp: SystemTime,
        body: &[u8],
    ) -> Result<String, SignError> {
        let secs = check_inputs(msg_id, timestamp)?;
        let mut digits = [0u8; 20];
        let ts = decimal(secs, &mut digits);
        Ok(self.signature_value(msg_id, ts, timestamp, body))
    }

    /// One `v1,…`/`v1a,…` entry per key active at `timestamp`, space-separated.
    fn signature_value(
        &self,
        msg_id: &str,
        ts: &[u8],
        timestamp: SystemTime,
        body: &[u8],
    ) -> String {
        let capacity = self
            .keys
            .active(timestamp)
            .map(|(_, key)| match key {
                StandardSigningKey::V1(_) => V1_ENTRY_LEN + 1,
                StandardSigningKey::V1a(_) => V1A_ENTRY_LEN + 1,
            })
            .sum::<usize>()
            .saturating_sub(1);
        let mut signature = String::with_capacity(capacity);
        let mut ed25519_message: Option<Vec<u8>> = None;
        for (_, key) in self.keys.active(timestamp) {
            if !signature.is_empty() {
                signature.push(' ');
            }
            match key {
                StandardSigningKey::V1(secret) => {
                    let tag = hmac_v1(secret.hmac_key(), msg_id.as_bytes(), ts, body);
                    signature.push_str(VERSION_V1);
                    signature.push(',');
                    encode_base64_into(tag.as_ref(), &mut signature);
                }
                StandardSigningKey::V1a(key) => {
                    let message = ed25519_message
                        .get_or_insert_with(|| signed_content(msg_id.as_bytes(), ts, body));
                    signature.push_str(VERSION_V1A);
                    signature.push(',');
                    encode_base64_into(key.sign(message).as_ref(), &mut signature);
                }
            }
        }
        signature
    }
}

/// Checks the message id and returns the timestamp's Unix seconds.
fn check_inputs(msg_id: &str, timestamp: SystemTime) -> Result<u64, SignError> {
    super::check_message_id(msg_id, true)
        .map_err(|reason| SignError::InvalidMessageId { reason })?;
    u64::try_from(unix_seconds(timestamp)).map_err(|_| SignError::TimestampBeforeEpoch)
}

/// Writes `n` in decimal at the end of `buf` and returns the digits.
fn decimal(mut n: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut start = buf.len();
    loop {
        start -= 1;
        buf[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return &buf[start..];
        }
    }
}

/// `v1,` and 44 characters of padded base64 for 32 bytes.
const V1_ENTRY_LEN: usize = 3 + 44;
/// `v1a,` and 88 characters of padded base64 for 64 bytes.
const V1A_ENTRY_LEN: usize = 4 + 88;

/// HMAC-SHA256 of `id.timestamp.body`, streamed so the body is never copied.
///
/// The short `id.timestamp.` prefix is assembled on the stack and fed in one update: each
/// separate small update costs a trip through the digest's partial-block buffer.
pub(crate) fn hmac_v1(key: &hmac::Key, id: &[u8], ts: &[u8], body: &[u8]) -> hmac::Tag {
    const PREFIX_CAP: usize = 128;
    let mut ctx = hmac::Context::with_key(key);
    let prefix_len = id.len() + ts.len() + 2;
    if prefix_len <= PREFIX_CAP {
        let mut prefix = [0u8; PREFIX_CAP];
        prefix[..id.len()].copy_from_slice(id);
        prefix[id.len()] = b'.';
        prefix[id.len() + 1..prefix_len - 1].copy_from_slice(ts);
        prefix[prefix_len - 1] = b'.';
        ctx.update(&prefix[..prefix_len]);
    } else {
        ctx.update(id);
        ctx.update(b".");
        ctx.update(ts);
        ctx.update(b".");
    }
    ctx.update(body);
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
    use super::decimal;

    #[test]
    fn decimal_formats_every_width() {
        let mut buf = [0u8; 20];
        for n in [0u64, 7, 10, 1_614_265_330, u64::MAX] {
            assert_eq!(decimal(n, &mut buf), n.to_string().as_bytes());
        }
    }
}
