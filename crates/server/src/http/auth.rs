//! Bearer tokens: stored as SHA-256 digests, compared in constant time.

use http::HeaderMap;
use http::header::AUTHORIZATION;
use ring::digest::{SHA256, digest};

/// The SHA-256 digest of a token; the token itself is not kept.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenHash([u8; 32]);

impl std::fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenHash([redacted])")
    }
}

impl TokenHash {
    /// Hashes a token.
    pub fn of(token: &str) -> Self {
        let d = digest(&SHA256, token.as_bytes());
        let mut out = [0u8; 32];
        out.copy_from_slice(d.as_ref());
        TokenHash(out)
    }

    /// Reads a hex digest (64 hex characters).
    pub fn from_hex(hex: &str) -> Option<Self> {
        let mut out = [0u8; 32];
        hex::decode_to_slice(hex.trim(), &mut out).ok()?;
        Some(TokenHash(out))
    }

    /// The digest as lowercase hex.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Whether `token` hashes to this digest (constant time over the digests).
    pub fn matches(&self, token: &str) -> bool {
        self.same_as(&TokenHash::of(token))
    }

    /// Whether both digests are equal, in constant time (a caller hashes a presented token once
    /// and compares it with every configured digest).
    pub fn same_as(&self, other: &TokenHash) -> bool {
        let diff = self
            .0
            .iter()
            .zip(other.0.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        std::hint::black_box(diff) == 0
    }

    /// Whether the request carries `Authorization: Bearer <token>` matching this digest.
    pub fn check_bearer(&self, headers: &HeaderMap) -> bool {
        bearer(headers).is_some_and(|t| self.matches(t))
    }
}

/// The token of `Authorization: Bearer <token>`, when the request carries one.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_roundtrip_and_match() {
        let h = TokenHash::of("secret-token-123456");
        assert_eq!(TokenHash::from_hex(&h.to_hex()), Some(h.clone()));
        assert!(h.matches("secret-token-123456"));
        assert!(!h.matches("secret-token-123457"));
        assert!(!format!("{h:?}").contains(&h.to_hex()));
        let mut headers = HeaderMap::new();
        assert!(!h.check_bearer(&headers));
        headers.insert(AUTHORIZATION, "Bearer secret-token-123456".parse().unwrap());
        assert!(h.check_bearer(&headers));
        assert!(TokenHash::from_hex("zz").is_none());
    }
}
