//! Verifies incoming Standard Webhooks requests (`v1` and `v1a`) against a key ring.

use std::time::SystemTime;

use http::HeaderMap;
use http::header::HeaderName;
use ring::hmac;

use super::signer::{hmac_v1, signed_content};
use super::{
    SVIX_ID, SVIX_SIGNATURE, SVIX_TIMESTAMP, SignatureList, VERSION_V1, VERSION_V1A, WEBHOOK_ID,
    WEBHOOK_SIGNATURE, WEBHOOK_TIMESTAMP, check_message_id, parse_signature_header,
};
use crate::sign::compare::macs_equal;
use crate::sign::encoding::decode_base64_exact;
use crate::sign::rotation::{KeyRing, MAX_RETIRED_KEYS};
use crate::sign::secret::{VerifyingKey, WebhookSecret};
use crate::sign::tolerance::{Tolerance, parse_timestamp_bytes};
use crate::sign::verify::{Scheme, Verified, Verifier, VerifyError, visible_ascii};

const MAX_KEYS: usize = MAX_RETIRED_KEYS + 1;

/// The three header names of one naming: Standard Webhooks' own, or Svix's `svix-*` originals.
struct Names {
    id: (HeaderName, &'static str),
    timestamp: (HeaderName, &'static str),
    signature: (HeaderName, &'static str),
}

const STANDARD_NAMES: Names = Names {
    id: (WEBHOOK_ID, "webhook-id"),
    timestamp: (WEBHOOK_TIMESTAMP, "webhook-timestamp"),
    signature: (WEBHOOK_SIGNATURE, "webhook-signature"),
};

const SVIX_NAMES: Names = Names {
    id: (SVIX_ID, "svix-id"),
    timestamp: (SVIX_TIMESTAMP, "svix-timestamp"),
    signature: (SVIX_SIGNATURE, "svix-signature"),
};

/// The Standard Webhooks and Svix header values of one request, read in one pass over the map.
///
/// Hashing each of three custom header names for a lookup costs more than walking the handful
/// of headers a webhook request carries and matching names by length and bytes.
#[derive(Default)]
struct Found<'h> {
    /// `webhook-id`, `-timestamp`, `-signature`, then `svix-id`, `-timestamp`, `-signature`.
    values: [Option<&'h [u8]>; 6],
    repeated: [bool; 6],
}

impl<'h> Found<'h> {
    fn scan(headers: &'h HeaderMap) -> Self {
        let mut found = Self::default();
        for (name, value) in headers {
            let slot = match name.as_str() {
                "webhook-id" => 0,
                "webhook-timestamp" => 1,
                "webhook-signature" => 2,
                "svix-id" => 3,
                "svix-timestamp" => 4,
                "svix-signature" => 5,
                _ => continue,
            };
            if found.values[slot].is_some() {
                found.repeated[slot] = true;
            } else {
                found.values[slot] = Some(value.as_bytes());
            }
        }
        found
    }

    /// Picks the naming: `webhook-*`, unless `webhook-id` is absent and `svix-id` is present.
    fn naming(&self) -> (Names, usize) {
        if self.values[0].is_none() && self.values[3].is_some() {
            (SVIX_NAMES, 3)
        } else {
            (STANDARD_NAMES, 0)
        }
    }

    /// The value in `slot`, which must appear exactly once.
    fn single(&self, slot: usize, display: &'static str) -> Result<&'h [u8], VerifyError> {
        match (self.values[slot], self.repeated[slot]) {
            (None, _) => Err(VerifyError::MissingHeader { header: display }),
            (Some(_), true) => Err(VerifyError::MalformedHeader {
                header: display,
                reason: "header appears more than once",
            }),
            (Some(value), false) => Ok(value),
        }
    }
}

/// A key a [`StandardVerifier`] accepts signatures from.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum StandardVerifyingKey {
    /// `v1`: the shared `whsec_` secret.
    V1(WebhookSecret),
    /// `v1a`: the sender's `whpk_` public key.
    V1a(VerifyingKey),
}

impl From<WebhookSecret> for StandardVerifyingKey {
    fn from(secret: WebhookSecret) -> Self {
        Self::V1(secret)
    }
}

impl From<VerifyingKey> for StandardVerifyingKey {
    fn from(key: VerifyingKey) -> Self {
        Self::V1a(key)
    }
}

impl From<WebhookSecret> for KeyRing<StandardVerifyingKey> {
    fn from(secret: WebhookSecret) -> Self {
        KeyRing::new(secret.into())
    }
}

impl From<VerifyingKey> for KeyRing<StandardVerifyingKey> {
    fn from(key: VerifyingKey) -> Self {
        KeyRing::new(key.into())
    }
}

/// Verifies `webhook-id`, `webhook-timestamp` and `webhook-signature`.
///
/// Accepts the request if the timestamp is within tolerance (±5 minutes by default) and any
/// signature in the header matches any key active at `now`. Entries of unknown versions are
/// skipped, as the spec asks.
///
/// Svix sends the same scheme under `svix-id`, `svix-timestamp` and `svix-signature` unless
/// white-labelled; those names are read when `webhook-id` is absent and `svix-id` is present.
#[derive(Debug, Clone)]
pub struct StandardVerifier {
    keys: KeyRing<StandardVerifyingKey>,
    tolerance: Tolerance,
}

impl StandardVerifier {
    /// Parses a `webhook-signature` value: space-separated `version,signature` entries, at most
    /// [`MAX_SIGNATURES`](crate::sign::MAX_SIGNATURES). Unknown versions are kept (and skipped
    /// when verifying), so that new versions do not break old receivers.
    pub fn parse_signature_header(value: &str) -> Result<SignatureList<'_>, &'static str> {
        parse_signature_header(value)
    }

    /// A verifier over a key ring with the default tolerance; a single key converts into a ring.
    pub fn new(keys: impl Into<KeyRing<StandardVerifyingKey>>) -> Self {
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

    /// The key ring, for inspection.
    pub fn keys(&self) -> &KeyRing<StandardVerifyingKey> {
        &self.keys
    }

    /// The key ring, for rotation.
    pub fn keys_mut(&mut self) -> &mut KeyRing<StandardVerifyingKey> {
        &mut self.keys
    }

    /// The timestamp tolerance.
    pub fn tolerance(&self) -> Tolerance {
        self.tolerance
    }
}

/// A message id that passed the non-strict [`check_message_id`] (non-empty, no `.`).
struct IdChecked<'a>(&'a str);

/// The `webhook-id` header value as a checked message id, in one pass over its bytes for the
/// usual id: visible ASCII (tab and space allowed, as in any header), non-empty, without `.`.
/// The errors are those of [`visible_ascii`] and then [`check_message_id`], in that order.
fn message_id_value<'h>(bytes: &'h [u8], display: &'static str) -> Result<&'h str, VerifyError> {
    // A fold without early exit, so the check vectorises; ids are short.
    let plain = bytes.iter().fold(true, |ok, &b| {
        ok & ((b == b'\t') | (0x20..0x7f).contains(&b)) & (b != b'.')
    });
    if plain && !bytes.is_empty() {
        // Every byte is ASCII, so this cannot fail; it is not worth `unsafe`.
        return std::str::from_utf8(bytes).map_err(|_| VerifyError::MalformedHeader {
            header: display,
            reason: "value is not visible ASCII",
        });
    }
    let id = visible_ascii(bytes, display)?;
    check_message_id(id, false).map_err(|reason| VerifyError::MalformedHeader {
        header: display,
        reason,
    })?;
    Ok(id)
}

impl Verifier for StandardVerifier {
    fn verify<'h>(
        &self,
        headers: &'h HeaderMap,
        body: &[u8],
        now: SystemTime,
    ) -> Result<Verified<'h>, VerifyError> {
        let found = Found::scan(headers);
        let (names, base) = found.naming();
        let id = message_id_value(found.single(base, names.id.1)?, names.id.1)?;
        let ts_text = found.single(base + 1, names.timestamp.1)?;
        let signature = found.single(base + 2, names.signature.1)?;
        self.verify_with(&names, IdChecked(id), ts_text, signature, body, now)
    }
}

impl StandardVerifier {
    /// Verifies values already taken out of their headers (for callers whose request type is
    /// not an `http::HeaderMap`); errors name the `webhook-*` headers.
    ///
    /// The result borrows the id.
    pub fn verify_values<'a>(
        &self,
        id: &'a str,
        timestamp: &str,
        signature: &str,
        body: &[u8],
        now: SystemTime,
    ) -> Result<Verified<'a>, VerifyError> {
        check_message_id(id, false).map_err(|reason| VerifyError::MalformedHeader {
            header: STANDARD_NAMES.id.1,
            reason,
        })?;
        self.verify_with(
            &STANDARD_NAMES,
            IdChecked(id),
            timestamp.as_bytes(),
            signature.as_bytes(),
            body,
            now,
        )
    }

    fn verify_with<'a>(
        &self,
        names: &Names,
        IdChecked(id): IdChecked<'a>,
        ts_text: &[u8],
        signature: &[u8],
        body: &[u8],
        now: SystemTime,
    ) -> Result<Verified<'a>, VerifyError> {
        let (_, ts_header) = names.timestamp;
        let (_, sig_header) = names.signature;
        // The signed content uses the timestamp text exactly as received.
        let timestamp =
            parse_timestamp_bytes(ts_text).map_err(|reason| VerifyError::MalformedHeader {
                header: ts_header,
                reason,
            })?;
        self.tolerance.check(ts_header, timestamp, now)?;
        let verified = |scheme, key_index| Verified {
            scheme,
            key_index,
            message_id: Some(id),
            timestamp: Some(timestamp),
        };
        let count_keys = || {
            let (mut n_v1_keys, mut n_v1a_keys) = (0usize, 0usize);
            for (_, key) in self.keys.active(now) {
                match key {
                    StandardVerifyingKey::V1(_) => n_v1_keys += 1,
                    StandardVerifyingKey::V1a(_) => n_v1a_keys += 1,
                }
            }
            (n_v1_keys, n_v1a_keys)
        };

        // The common header, exactly one `v1,` entry of canonical base64: it is well-formed
        // (base64 characters only: no space, no comma, visible ASCII), so parsing the list would
        // find just this entry; decode and compare directly. Anything else takes the general path,
        // which gives the same answer for this shape.
        if let Some(encoded) = signature.strip_prefix(b"v1,")
            && let Some(received) = decode_base64_exact::<32>(encoded)
        {
            let mut n_v1_keys = 0;
            for (index, key) in self.keys.active(now) {
                if let StandardVerifyingKey::V1(secret) = key {
                    n_v1_keys += 1;
                    if macs_equal(
                        hmac_v1(secret.hmac_key(), id.as_bytes(), ts_text, body).as_ref(),
                        &received,
                    ) {
                        return Ok(verified(Scheme::StandardV1, index));
                    }
                }
            }
            if n_v1_keys > 0 {
                let (n_v1_keys, n_v1a_keys) = count_keys();
                return Err(VerifyError::SignatureMismatch {
                    header: sig_header,
                    candidates: 1,
                    keys: n_v1_keys + n_v1a_keys,
                });
            }
            // No v1 key is active: the general path reports it.
        }

        let (n_v1_keys, n_v1a_keys) = count_keys();
        let signature = visible_ascii(signature, sig_header)?;
        let list =
            parse_signature_header(signature).map_err(|reason| VerifyError::MalformedHeader {
                header: sig_header,
                reason,
            })?;

        // Each key's HMAC is computed at most once, however many entries there are.
        let mut tags: [Option<hmac::Tag>; MAX_KEYS] = [None; MAX_KEYS];
        let mut ed25519_message: Option<Vec<u8>> = None;
        let (mut candidates, mut malformed) = (0usize, 0usize);
        for entry in list.iter() {
            if entry.version == VERSION_V1 && n_v1_keys > 0 {
                let Some(received) = decode_base64_exact::<32>(entry.signature.as_bytes()) else {
                    malformed += 1;
                    continue;
                };
                candidates += 1;
                for (index, key) in self.keys.active(now) {
                    let StandardVerifyingKey::V1(secret) = key else {
                        continue;
                    };
                    let Some(slot) = tags.get_mut(index) else {
                        continue;
                    };
                    let tag = slot.get_or_insert_with(|| {
                        hmac_v1(secret.hmac_key(), id.as_bytes(), ts_text, body)
                    });
                    if macs_equal(tag.as_ref(), &received) {
                        return Ok(verified(Scheme::StandardV1, index));
                    }
                }
            } else if entry.version == VERSION_V1A && n_v1a_keys > 0 {
                let Some(received) = decode_base64_exact::<64>(entry.signature.as_bytes()) else {
                    malformed += 1;
                    continue;
                };
                candidates += 1;
                let message = ed25519_message
                    .get_or_insert_with(|| signed_content(id.as_bytes(), ts_text, body));
                for (index, key) in self.keys.active(now) {
                    let StandardVerifyingKey::V1a(public) = key else {
                        continue;
                    };
                    if public.verify(message, &received) {
                        return Ok(verified(Scheme::StandardV1a, index));
                    }
                }
            }
        }

        if candidates > 0 {
            return Err(VerifyError::SignatureMismatch {
                header: sig_header,
                candidates,
                keys: n_v1_keys + n_v1a_keys,
            });
        }
        if malformed > 0 {
            return Err(VerifyError::MalformedHeader {
                header: sig_header,
                reason: "no signature of the expected version is padded base64 of the right length",
            });
        }
        Err(VerifyError::NoSupportedSignature {
            header: sig_header,
            expected: match (n_v1_keys > 0, n_v1a_keys > 0) {
                (true, false) => "v1",
                (false, true) => "v1a",
                _ => "v1 or v1a",
            },
        })
    }
}
