//! Secrets and keys: `whsec_` HMAC secrets, raw provider secrets, `whsk_`/`whpk_` Ed25519 keys.
//!
//! Every type here redacts its secret material in `Debug`; the only way to see a secret is an
//! explicitly named `expose_*` method.

use std::fmt;
use std::sync::Arc;

use base64::Engine as _;
use ring::hmac;
use ring::rand::{SecureRandom as _, SystemRandom};
use ring::signature::{ED25519, Ed25519KeyPair, KeyPair as _, UnparsedPublicKey};

use super::encoding::{BASE64_STRICT, BASE64_TOLERANT, decode_hex_exact, encode_hex};

/// Prefix of a Standard Webhooks symmetric secret.
pub const SECRET_PREFIX: &str = "whsec_";
/// Prefix of a Standard Webhooks Ed25519 signing (private) key.
pub const SIGNING_KEY_PREFIX: &str = "whsk_";
/// Prefix of a Standard Webhooks Ed25519 verifying (public) key.
pub const VERIFYING_KEY_PREFIX: &str = "whpk_";

/// Smallest secret [`WebhookSecret::generate_with_len`] creates and [`WebhookSecret::parse_strict`] accepts.
pub const MIN_SECRET_LEN: usize = 24;
/// Largest secret [`WebhookSecret::generate_with_len`] creates and [`WebhookSecret::parse_strict`] accepts.
pub const MAX_SECRET_LEN: usize = 64;
/// Length of secrets made by [`WebhookSecret::generate`].
pub const DEFAULT_SECRET_LEN: usize = 32;
/// Upper bound on any secret this crate parses, to reject garbage such as a whole file pasted in.
pub const MAX_PARSED_SECRET_LEN: usize = 1024;

const ED25519_SEED_LEN: usize = 32;
const ED25519_PUBLIC_LEN: usize = 32;

/// What went wrong building or parsing a secret or key.
///
/// Messages name the kind of key and the check that failed; they never contain key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The secret or key is empty (for example a bare `whsec_`).
    #[error("{kind} is empty")]
    Empty {
        /// Which kind of key was being read.
        kind: &'static str,
    },
    /// The text carries the prefix of another kind of key.
    #[error("{kind} has prefix `{found}`, expected `{expected}` or no prefix")]
    WrongPrefix {
        /// Which kind of key was being read.
        kind: &'static str,
        /// The prefix this kind uses.
        expected: &'static str,
        /// The prefix that was found.
        found: &'static str,
    },
    /// The text is not valid base64.
    #[error("{kind} is not valid base64")]
    Base64 {
        /// Which kind of key was being read.
        kind: &'static str,
    },
    /// The text is not valid hex.
    #[error("{kind} is not valid hex")]
    Hex {
        /// Which kind of key was being read.
        kind: &'static str,
    },
    /// The decoded key has the wrong length.
    #[error("{kind} has the wrong length: {actual} bytes, expected {expected}")]
    Length {
        /// Which kind of key was being read.
        kind: &'static str,
        /// The lengths allowed, in words (for example `24 to 64 bytes`).
        expected: &'static str,
        /// The decoded length.
        actual: usize,
    },
    /// The key bytes are not a valid key (a `whsk_` whose public half does not belong to its
    /// private half).
    #[error("{kind} is not a valid key: {reason}")]
    Invalid {
        /// Which kind of key was being read.
        kind: &'static str,
        /// The check that failed.
        reason: &'static str,
    },
    /// The requested length for a generated secret is outside 24 to 64 bytes.
    #[error(
        "cannot generate a secret of {requested} bytes: Standard Webhooks secrets are 24 to 64 bytes"
    )]
    GenerateLength {
        /// The length asked for.
        requested: usize,
    },
    /// The operating system's random number generator failed.
    #[error("the system random number generator failed")]
    Random,
}

const KIND_SECRET: &str = "whsec_ secret";
const KIND_HMAC: &str = "HMAC secret";
const KIND_SIGNING: &str = "whsk_ signing key";
const KIND_VERIFYING: &str = "Ed25519 verifying key";

/// Strips `prefix` if present and rejects the prefixes of the other Standard Webhooks key kinds.
fn strip_prefix<'a>(
    text: &'a str,
    kind: &'static str,
    expected: &'static str,
) -> Result<&'a str, KeyError> {
    if let Some(rest) = text.strip_prefix(expected) {
        return Ok(rest);
    }
    for other in [SECRET_PREFIX, SIGNING_KEY_PREFIX, VERIFYING_KEY_PREFIX] {
        if other != expected && text.starts_with(other) {
            return Err(KeyError::WrongPrefix {
                kind,
                expected,
                found: other,
            });
        }
    }
    Ok(text)
}

fn decode_base64(text: &str, kind: &'static str) -> Result<Vec<u8>, KeyError> {
    if text.is_empty() {
        return Err(KeyError::Empty { kind });
    }
    // The decoder's own error names the offending byte and offset, which is secret material:
    // it is deliberately dropped.
    BASE64_TOLERANT
        .decode(text)
        .map_err(|_| KeyError::Base64 { kind })
}

fn random_bytes(len: usize) -> Result<Vec<u8>, KeyError> {
    let mut bytes = vec![0u8; len];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| KeyError::Random)?;
    Ok(bytes)
}

/// A Standard Webhooks symmetric secret (`whsec_` + base64), used for `v1` HMAC-SHA256 signatures.
///
/// The HMAC key schedule is computed once, when the secret is built.
#[derive(Clone)]
pub struct WebhookSecret {
    bytes: Vec<u8>,
    key: hmac::Key,
}

impl WebhookSecret {
    /// Generates a random 32-byte secret from the system's secure random number generator.
    pub fn generate() -> Result<Self, KeyError> {
        Self::generate_with_len(DEFAULT_SECRET_LEN)
    }

    /// Generates a random secret of `len` bytes; `len` must be 24 to 64, as the spec requires.
    pub fn generate_with_len(len: usize) -> Result<Self, KeyError> {
        if !(MIN_SECRET_LEN..=MAX_SECRET_LEN).contains(&len) {
            return Err(KeyError::GenerateLength { requested: len });
        }
        Ok(Self::from_bytes_unchecked(random_bytes(len)?))
    }

    /// Parses `whsec_<base64>`; the prefix is optional and padding may be omitted.
    ///
    /// Accepts any non-empty secret up to [`MAX_PARSED_SECRET_LEN`] bytes, because receivers must
    /// verify what their sender issued, and some senders issue secrets shorter than the spec's 24
    /// bytes (the Svix docs' example decodes to 18). Use [`WebhookSecret::parse_strict`] to hold
    /// secrets to the spec's 24 to 64 bytes.
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        let bytes = decode_base64(strip_prefix(text, KIND_SECRET, SECRET_PREFIX)?, KIND_SECRET)?;
        Self::from_bytes(bytes)
    }

    /// Like [`WebhookSecret::parse`], but the decoded secret must be 24 to 64 bytes.
    pub fn parse_strict(text: &str) -> Result<Self, KeyError> {
        let secret = Self::parse(text)?;
        if !(MIN_SECRET_LEN..=MAX_SECRET_LEN).contains(&secret.bytes.len()) {
            return Err(KeyError::Length {
                kind: KIND_SECRET,
                expected: "24 to 64 bytes",
                actual: secret.bytes.len(),
            });
        }
        Ok(secret)
    }

    /// Builds a secret from raw bytes (non-empty, at most [`MAX_PARSED_SECRET_LEN`]).
    pub fn from_bytes(bytes: impl Into<Vec<u8>>) -> Result<Self, KeyError> {
        let bytes = bytes.into();
        check_len(&bytes, KIND_SECRET)?;
        Ok(Self::from_bytes_unchecked(bytes))
    }

    fn from_bytes_unchecked(bytes: Vec<u8>) -> Self {
        let key = hmac::Key::new(hmac::HMAC_SHA256, &bytes);
        Self { bytes, key }
    }

    /// The secret in its shareable form, `whsec_<base64>`. Handle the result as a secret.
    pub fn expose_encoded(&self) -> String {
        let mut out = String::from(SECRET_PREFIX);
        BASE64_STRICT.encode_string(&self.bytes, &mut out);
        out
    }

    /// The raw secret bytes. Handle them as a secret.
    pub fn expose_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Length of the decoded secret in bytes.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Always false: an empty secret cannot be built. Present for API symmetry with `len`.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    pub(crate) fn hmac_key(&self) -> &hmac::Key {
        &self.key
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "WebhookSecret(whsec_[redacted; {} bytes])",
            self.bytes.len()
        )
    }
}

fn check_len(bytes: &[u8], kind: &'static str) -> Result<(), KeyError> {
    if bytes.is_empty() {
        return Err(KeyError::Empty { kind });
    }
    if bytes.len() > MAX_PARSED_SECRET_LEN {
        return Err(KeyError::Length {
            kind,
            expected: "at most 1024 bytes",
            actual: bytes.len(),
        });
    }
    Ok(())
}

/// A shared secret used as raw bytes, the way GitHub, Slack, Stripe, Shopify and the legacy
/// scheme use it (the UTF-8 bytes of the string the provider shows, never base64-decoded).
#[derive(Clone)]
pub struct HmacSecret {
    len: usize,
    key: hmac::Key,
}

impl HmacSecret {
    /// Builds a secret from raw bytes (non-empty, at most [`MAX_PARSED_SECRET_LEN`]).
    pub fn new(bytes: impl AsRef<[u8]>) -> Result<Self, KeyError> {
        let bytes = bytes.as_ref();
        check_len(bytes, KIND_HMAC)?;
        Ok(Self {
            len: bytes.len(),
            key: hmac::Key::new(hmac::HMAC_SHA256, bytes),
        })
    }

    /// Generates a random 32-byte secret; [`HmacSecret::new`] takes the bytes you hand out.
    ///
    /// Returns the secret and its hex form, which is what you give to the other side.
    pub fn generate() -> Result<(Self, String), KeyError> {
        let bytes = random_bytes(DEFAULT_SECRET_LEN)?;
        let text = encode_hex(&bytes);
        Ok((Self::new(text.as_bytes())?, text))
    }

    /// Length of the secret in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Always false: an empty secret cannot be built. Present for API symmetry with `len`.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub(crate) fn hmac_key(&self) -> &hmac::Key {
        &self.key
    }
}

impl fmt::Debug for HmacSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HmacSecret([redacted; {} bytes])", self.len)
    }
}

/// A Standard Webhooks Ed25519 signing key, `whsk_` + base64(32-byte seed ‖ 32-byte public key).
///
/// This is the layout Svix uses; the public half is checked against the seed when parsing.
#[derive(Clone)]
pub struct SigningKey {
    seed: [u8; ED25519_SEED_LEN],
    // `Ed25519KeyPair` is not `Clone`; sharing it keeps clones cheap and infallible.
    pair: Arc<Ed25519KeyPair>,
}

impl SigningKey {
    /// Generates a new key pair from the system's secure random number generator.
    pub fn generate() -> Result<Self, KeyError> {
        let mut seed = [0u8; ED25519_SEED_LEN];
        SystemRandom::new()
            .fill(&mut seed)
            .map_err(|_| KeyError::Random)?;
        let pair = Ed25519KeyPair::from_seed_unchecked(&seed).map_err(|_| KeyError::Invalid {
            kind: KIND_SIGNING,
            reason: "seed rejected",
        })?;
        Ok(Self {
            seed,
            pair: Arc::new(pair),
        })
    }

    /// Parses `whsk_<base64 of seed ‖ public key>`; the prefix is optional.
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        let bytes = decode_base64(
            strip_prefix(text, KIND_SIGNING, SIGNING_KEY_PREFIX)?,
            KIND_SIGNING,
        )?;
        if bytes.len() != ED25519_SEED_LEN + ED25519_PUBLIC_LEN {
            return Err(KeyError::Length {
                kind: KIND_SIGNING,
                expected: "64 bytes (32-byte seed and 32-byte public key)",
                actual: bytes.len(),
            });
        }
        let (seed, public) = bytes.split_at(ED25519_SEED_LEN);
        let pair = Ed25519KeyPair::from_seed_and_public_key(seed, public).map_err(|_| {
            KeyError::Invalid {
                kind: KIND_SIGNING,
                reason: "the public key does not belong to the private key",
            }
        })?;
        let mut seed_arr = [0u8; ED25519_SEED_LEN];
        seed_arr.copy_from_slice(seed);
        Ok(Self {
            seed: seed_arr,
            pair: Arc::new(pair),
        })
    }

    /// The key in its storable form, `whsk_<base64>`. Handle the result as a secret.
    pub fn expose_encoded(&self) -> String {
        let mut raw = [0u8; ED25519_SEED_LEN + ED25519_PUBLIC_LEN];
        raw[..ED25519_SEED_LEN].copy_from_slice(&self.seed);
        raw[ED25519_SEED_LEN..].copy_from_slice(self.pair.public_key().as_ref());
        let mut out = String::from(SIGNING_KEY_PREFIX);
        BASE64_STRICT.encode_string(raw, &mut out);
        out
    }

    /// The public half, to hand to receivers.
    pub fn verifying_key(&self) -> VerifyingKey {
        let mut bytes = [0u8; ED25519_PUBLIC_LEN];
        bytes.copy_from_slice(self.pair.public_key().as_ref());
        VerifyingKey { bytes }
    }

    pub(crate) fn sign(&self, message: &[u8]) -> ring::signature::Signature {
        self.pair.sign(message)
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("secret", &"[redacted]")
            .field("public", &self.verifying_key().to_string())
            .finish()
    }
}

/// An Ed25519 public key: Standard Webhooks `whpk_` + base64, or Discord's hex form.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct VerifyingKey {
    bytes: [u8; ED25519_PUBLIC_LEN],
}

impl VerifyingKey {
    /// Parses `whpk_<base64>`; the prefix is optional.
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        let bytes = decode_base64(
            strip_prefix(text, KIND_VERIFYING, VERIFYING_KEY_PREFIX)?,
            KIND_VERIFYING,
        )?;
        Self::from_bytes(&bytes)
    }

    /// Parses the 64-character hex form Discord shows as an application's public key.
    pub fn from_hex(text: &str) -> Result<Self, KeyError> {
        if text.is_empty() {
            return Err(KeyError::Empty {
                kind: KIND_VERIFYING,
            });
        }
        if text.len() != ED25519_PUBLIC_LEN * 2 {
            return Err(KeyError::Length {
                kind: KIND_VERIFYING,
                expected: "32 bytes (64 hex digits)",
                actual: text.len() / 2,
            });
        }
        let bytes = decode_hex_exact::<ED25519_PUBLIC_LEN>(text).ok_or(KeyError::Hex {
            kind: KIND_VERIFYING,
        })?;
        Self::from_bytes(&bytes)
    }

    /// Builds a key from its 32 raw bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, KeyError> {
        if bytes.is_empty() {
            return Err(KeyError::Empty {
                kind: KIND_VERIFYING,
            });
        }
        let bytes: [u8; ED25519_PUBLIC_LEN] = bytes.try_into().map_err(|_| KeyError::Length {
            kind: KIND_VERIFYING,
            expected: "32 bytes",
            actual: bytes.len(),
        })?;
        Ok(Self { bytes })
    }

    /// The raw 32 bytes.
    pub fn as_bytes(&self) -> &[u8; ED25519_PUBLIC_LEN] {
        &self.bytes
    }

    /// The lowercase hex form (Discord's format).
    pub fn to_hex(&self) -> String {
        encode_hex(&self.bytes)
    }

    /// Whether `signature` is a valid Ed25519 signature of `message` by this key.
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        UnparsedPublicKey::new(&ED25519, &self.bytes)
            .verify(message, signature)
            .is_ok()
    }
}

/// Formats as `whpk_<base64>`; a public key is not secret.
impl fmt::Display for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(VERIFYING_KEY_PREFIX)?;
        f.write_str(&BASE64_STRICT.encode(self.bytes))
    }
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VerifyingKey({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whsec_prefix_is_optional_and_round_trips() {
        let a = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let b = WebhookSecret::parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        assert_eq!(a.expose_bytes(), b.expose_bytes());
        assert_eq!(a.expose_encoded(), "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    }

    #[test]
    fn empty_and_wrong_prefix_are_rejected() {
        assert_eq!(
            WebhookSecret::parse("whsec_").unwrap_err(),
            KeyError::Empty { kind: KIND_SECRET }
        );
        assert!(matches!(
            WebhookSecret::parse("whpk_1SiA4o9hyqTCpIqC5V9HUakiiaeACeqfZTInDBbOir4="),
            Err(KeyError::WrongPrefix { found: "whpk_", .. })
        ));
        assert_eq!(
            WebhookSecret::parse("whsec_not base64!").unwrap_err(),
            KeyError::Base64 { kind: KIND_SECRET }
        );
    }

    #[test]
    fn debug_never_shows_secret_material() {
        let secret = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let shown = format!("{secret:?}");
        assert!(!shown.contains("MfKQ9r8"), "{shown}");
        let hmac = HmacSecret::new("It's a Secret to Everybody").unwrap();
        assert!(!format!("{hmac:?}").contains("Secret to"));
        let key = SigningKey::generate().unwrap();
        let encoded = key.expose_encoded();
        let body = &encoded[SIGNING_KEY_PREFIX.len()..SIGNING_KEY_PREFIX.len() + 40];
        assert!(!format!("{key:?}").contains(body));
    }

    #[test]
    fn generated_keys_round_trip() {
        let secret = WebhookSecret::generate().unwrap();
        assert_eq!(secret.len(), 32);
        let again = WebhookSecret::parse_strict(&secret.expose_encoded()).unwrap();
        assert_eq!(again.expose_bytes(), secret.expose_bytes());
        assert_eq!(
            WebhookSecret::generate_with_len(23).unwrap_err(),
            KeyError::GenerateLength { requested: 23 }
        );
        let key = SigningKey::generate().unwrap();
        let parsed = SigningKey::parse(&key.expose_encoded()).unwrap();
        assert_eq!(parsed.verifying_key(), key.verifying_key());
        let public = VerifyingKey::parse(&key.verifying_key().to_string()).unwrap();
        assert_eq!(public, key.verifying_key());
        assert_eq!(VerifyingKey::from_hex(&public.to_hex()).unwrap(), public);
    }

    #[test]
    fn mismatched_signing_key_halves_are_rejected() {
        let a = SigningKey::generate().unwrap();
        let b = SigningKey::generate().unwrap();
        let mut raw = BASE64_STRICT.decode(&a.expose_encoded()[5..]).unwrap();
        raw[32..].copy_from_slice(b.verifying_key().as_bytes());
        let text = format!("whsk_{}", BASE64_STRICT.encode(raw));
        assert!(matches!(
            SigningKey::parse(&text),
            Err(KeyError::Invalid { .. })
        ));
    }
}
