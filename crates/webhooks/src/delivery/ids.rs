//! Identifiers of endpoints, messages and deliveries: a prefix, the creation time and randomness.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use ring::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Serialize};

/// Why a string is not a valid identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {kind} id {value:?}: {reason}")]
pub struct IdError {
    kind: &'static str,
    value: String,
    reason: &'static str,
}

static FALLBACK: AtomicU64 = AtomicU64::new(0);

/// `prefix` + 12 hex digits of milliseconds since the epoch + 16 random hex digits.
///
/// Ids sort by creation time, and two processes sharing a database never collide.
fn new_id(prefix: &str) -> String {
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    let mut random = [0u8; 8];
    let random = match SystemRandom::new().fill(&mut random) {
        Ok(()) => u64::from_be_bytes(random),
        // The OS random source failed: fall back to a per-process counter mixed with the pid.
        Err(_) => (u64::from(std::process::id()) << 32) ^ FALLBACK.fetch_add(1, Ordering::Relaxed),
    };
    format!("{prefix}{:012x}{random:016x}", millis & 0xffff_ffff_ffff)
}

fn check(kind: &'static str, prefix: &str, value: &str) -> Result<(), IdError> {
    let fail = |reason| IdError {
        kind,
        value: value.chars().take(64).collect(),
        reason,
    };
    let Some(rest) = value.strip_prefix(prefix) else {
        return Err(fail("wrong prefix"));
    };
    if rest.is_empty() || value.len() > 128 {
        return Err(fail("must be 1 to 128 characters after the prefix"));
    }
    if !rest
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err(fail("only ASCII letters, digits, `_` and `-` are allowed"));
    }
    Ok(())
}

macro_rules! id_type {
    ($name:ident, $prefix:literal, $kind:literal, $doc:literal) => {
        #[doc = $doc]
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            #[doc = concat!("A new, unique id starting with `", $prefix, "`.")]
            pub fn generate() -> Self {
                Self(new_id($prefix))
            }

            #[doc = concat!("Parses an id; it must start with `", $prefix, "`.")]
            pub fn parse(value: &str) -> Result<Self, IdError> {
                check($kind, $prefix, value)?;
                Ok(Self(value.to_owned()))
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{:?}", self.0)
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(value: String) -> Result<Self, IdError> {
                check($kind, $prefix, &value)?;
                Ok(Self(value))
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }
    };
}

id_type!(
    EndpointId,
    "ep_",
    "endpoint",
    "The id of a registered endpoint (`ep_…`)."
);
id_type!(
    MessageId,
    "msg_",
    "message",
    "The id of a message (`msg_…`); sent as `webhook-id` on every attempt to every endpoint."
);
id_type!(
    DeliveryId,
    "dlv_",
    "delivery",
    "The id of one delivery: one message to one endpoint (`dlv_…`)."
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_parse_and_differ() {
        let a = MessageId::generate();
        let b = MessageId::generate();
        assert_ne!(a, b);
        assert_eq!(MessageId::parse(a.as_str()).unwrap(), a);
        assert!(MessageId::parse("ep_1").is_err());
        assert!(MessageId::parse("msg_").is_err());
        assert!(MessageId::parse("msg_a.b").is_err());
    }
}
